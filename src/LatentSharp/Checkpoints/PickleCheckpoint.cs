namespace LatentSharp.Checkpoints;

/// <summary>
/// Recognises PyTorch pickle checkpoints (.ckpt/.pt/.pth/.bin). They are refused, never opened: unpickling
/// runs whatever code the file contains. The refusal says how to convert the file to safetensors once.
/// </summary>
internal static class PickleCheckpoint
{
    static readonly string[] Extensions = [".ckpt", ".pt", ".pth", ".bin"];

    /// <summary>By extension, or by content: a zip archive (torch.save since 1.6) or a raw pickle stream.</summary>
    public static bool IsPickle(string path)
    {
        if (Extensions.Contains(Path.GetExtension(path), StringComparer.OrdinalIgnoreCase)) return true;
        Span<byte> head = stackalloc byte[4];
        try
        {
            using var stream = File.OpenRead(path);
            if (stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false) < 2) return false;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
        bool zip = head[0] == (byte)'P' && head[1] == (byte)'K' && head[2] == 3 && head[3] == 4;
        bool pickle = head[0] == 0x80 && head[1] is >= 2 and <= 5;
        return zip || pickle;
    }

    /// <summary>The refusal for a single-file checkpoint.</summary>
    public static CheckpointException Refuse(string path) => new(path,
        "is a PyTorch pickle checkpoint; LatentSharp reads only .safetensors (unpickling can run arbitrary code). Convert it once with Python: " +
        $"python -c \"import torch, safetensors.torch as st; sd = torch.load('{Path.GetFileName(path)}', map_location='cpu', weights_only=True); " +
        "sd = sd.get('state_dict', sd); st.save_file({k: v.contiguous() for k, v in sd.items() if isinstance(v, torch.Tensor)}, " +
        $"'{Path.GetFileNameWithoutExtension(path)}.safetensors')\"");

    /// <summary>The refusal for a diffusers folder whose weights are pickled (.bin).</summary>
    public static CheckpointException RefuseFolder(string folder, string weightFile) => new(weightFile,
        "is a PyTorch pickle file; LatentSharp reads only .safetensors (unpickling can run arbitrary code). Re-save the pipeline once with Python: " +
        $"python -c \"from diffusers import StableDiffusionPipeline as P; P.from_pretrained('{folder}').save_pretrained('{folder}', safe_serialization=True)\"");
}
