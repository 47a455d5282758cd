namespace LatentSharp.Hub;

/// <summary>How far one file's download is (reported often while it runs, and once when it is done).</summary>
/// <param name="File">The path in the repository, e.g. "unet/diffusion_pytorch_model.fp16.safetensors".</param>
/// <param name="Bytes">Bytes on disk so far (a resumed download starts at what was there).</param>
/// <param name="TotalBytes">The file's size.</param>
/// <param name="Done">Set on the last report, once the file is verified and in the cache.</param>
public sealed record HubDownloadProgress(string File, long Bytes, long TotalBytes, bool Done);
