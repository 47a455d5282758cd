namespace LatentSharp.Checkpoints;

/// <summary>
/// Where one parameter's values are stored: a tensor of the file, or row block <see cref="Chunk"/> of
/// <see cref="Chunks"/> equal blocks of it (OpenCLIP stores q, k and v as one fused in_proj matrix), or its
/// transpose (OpenCLIP stores text_projection as the matrix that multiplies from the right).
/// </summary>
public sealed record WeightSource(string Key, int Chunk = 0, int Chunks = 1, bool Transposed = false);
