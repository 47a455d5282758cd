using LatentSharp.Pipelines;

namespace LatentSharp.Server.Queue;

/// <summary>
/// One client request waiting for or going through the worker: one or more pipeline runs (AUTOMATIC1111's
/// n_iter, each a batch), completed with the images or cancelled when the client goes away.
/// </summary>
public sealed class GenerationJob : IDisposable
{
    readonly CancellationTokenSource cancellation;
    readonly TaskCompletionSource<JobOutcome> completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    volatile bool interrupted;
    CancellationTokenRegistration clientGoneRegistration;

    internal GenerationJob(string id, IReadOnlyList<GenerationRequest> runs, CancellationToken clientGone)
    {
        if (runs.Count == 0) throw new ArgumentException("a job needs at least one run", nameof(runs));
        Id = id;
        Runs = runs;
        cancellation = CancellationTokenSource.CreateLinkedTokenSource(clientGone);
        ClientGone = clientGone;
    }

    public string Id { get; }
    public IReadOnlyList<GenerationRequest> Runs { get; }

    /// <summary>Images in the whole job.</summary>
    public int ImageCount => Runs.Sum(r => r.BatchSize);

    public Task<JobOutcome> Completion => completion.Task;

    /// <summary>Set by <c>/sdapi/v1/interrupt</c>: stop sampling and return what there is, as AUTOMATIC1111 does.</summary>
    public bool Interrupted => interrupted;

    internal CancellationToken ClientGone { get; }

    /// <summary>Cancelled when the client disconnects or the job is interrupted; the pipeline stops at the next step.</summary>
    internal CancellationToken Cancellation => cancellation.Token;

    internal void Interrupt()
    {
        interrupted = true;
        cancellation.Cancel();
    }

    /// <summary>Abandons the job (server shutdown): it ends as cancelled, not with partial images.</summary>
    internal void Stop() => cancellation.Cancel();

    internal void OnClientGone(Action action) => clientGoneRegistration = ClientGone.Register(action);

    internal void Complete(JobOutcome outcome) => completion.TrySetResult(outcome);
    internal void Fail(Exception error) => completion.TrySetException(error);
    internal void Cancel() => completion.TrySetCanceled(ClientGone);

    public void Dispose()
    {
        clientGoneRegistration.Dispose();
        cancellation.Dispose();
    }
}
