using LatentSharp.Hub;

namespace LatentSharp.Cli.Generation;

/// <summary>
/// A --model that names a Hugging Face repository (org/name[@revision]) becomes its snapshot folder in the Hugging
/// Face cache, downloaded first if needed with one progress bar per file; a path stays a path.
/// </summary>
public static class HubModelArgument
{
    public static string Resolve(string model, bool preferHalfPrecision)
    {
        if (!HubModels.IsHubId(model)) return model;
        var id = HubModelId.Parse(model);
        var progress = new FileProgress();
        try
        {
            string folder = HubModels.Download(id, new HubDownloadOptions
            {
                PreferHalfPrecision = preferHalfPrecision,
                Progress = progress,
                Notice = notice => Console.Error.WriteLine($"note: {notice}"),
            });
            return folder;
        }
        finally
        {
            progress.Finish();
        }
    }

    /// <summary>One bar per file, in KiB; the bar of a finished file closes before the next starts.</summary>
    sealed class FileProgress : IProgress<HubDownloadProgress>
    {
        readonly object gate = new();
        ProgressBar? bar;
        string? file;

        public void Report(HubDownloadProgress value)
        {
            lock (gate)
            {
                if (value.File != file)
                {
                    bar?.Dispose();
                    file = value.File;
                    bar = new ProgressBar($"downloading {value.File} (KiB)", Kib(value.TotalBytes), Kib(value.Bytes));
                }
                bar!.Report(Kib(value.Bytes));
                if (value.Done) Finish();
            }
        }

        public void Finish()
        {
            lock (gate)
            {
                bar?.Dispose();
                bar = null;
                file = null;
            }
        }

        static long Kib(long bytes) => (bytes + 1023) / 1024;
    }
}
