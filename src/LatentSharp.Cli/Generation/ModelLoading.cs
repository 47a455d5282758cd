using LatentSharp.Performance;
using LatentSharp.Pipelines;

namespace LatentSharp.Cli.Generation;

/// <summary>Loads a pipeline for a command: a progress bar over the weights read, notes and warnings on stderr.</summary>
public static class ModelLoading
{
    /// <param name="configFolder">For a single file: a diffusers folder whose configs describe it (--model-config).</param>
    /// <param name="deferVae">Read the VAE only when the generation needs it (one generation per command: see StableDiffusionModel.VaePending).</param>
    public static StableDiffusionPipeline Load(string path, Precision precision = Precision.Fp32, string? tokenizer = null, string? configFolder = null,
        bool deferVae = false)
    {
        Terminal.Note($"loading {path}");
        ProgressBar? bar = null;
        try
        {
            var pipeline = StableDiffusionPipeline.Load(path, precision, tokenizer, notice => Terminal.Note($"note: {notice}"),
                progress => (bar ??= new ProgressBar("loading", progress.TotalBytes, unit: ProgressUnit.Bytes)).Report(progress.BytesRead),
                configFolder, deferVae);
            pipeline.Warn = message => Terminal.Note($"warning: {message}");
            return pipeline;
        }
        finally
        {
            bar?.Dispose();
        }
    }
}
