namespace LatentSharp.UNet;

/// <summary>Channel bookkeeping of the expanding path, shared by both up-block types.</summary>
internal static class UpBlockChannels
{
    /// <summary>
    /// Input channels of resnet <paramref name="i"/>: what comes from below (the previous up block for the first
    /// layer, this block's own output after that) plus the skip it concatenates (the next-shallower level's
    /// channels for the last layer, which takes the skip from before that level's downsampler).
    /// </summary>
    public static long ResnetInput(int i, int layers, long inChannels, long prevOutputChannels, long outChannels)
    {
        long fromBelow = i == 0 ? prevOutputChannels : outChannels;
        long skip = i == layers - 1 ? inChannels : outChannels;
        return fromBelow + skip;
    }
}
