namespace LatentSharp.Imaging;

/// <summary>The five PNG row filters (None, Sub, Up, Average, Paeth) for 3-byte pixels.</summary>
static class PngFilters
{
    const int BytesPerPixel = 3;

    /// <summary>
    /// Writes the filter type byte and the filtered row into <paramref name="output"/> (length row + 1),
    /// choosing the filter with the smallest sum of |residual| read as signed bytes.
    /// </summary>
    public static void FilterBest(ReadOnlySpan<byte> row, ReadOnlySpan<byte> previous, Span<byte> output)
    {
        byte[] scratch = new byte[row.Length];
        long bestCost = long.MaxValue;
        for (byte type = 0; type <= 4; type++)
        {
            Filter(type, row, previous, scratch);
            long cost = 0;
            foreach (byte b in scratch) cost += Math.Abs((int)(sbyte)b);
            if (cost < bestCost)
            {
                bestCost = cost;
                output[0] = type;
                scratch.CopyTo(output[1..]);
            }
        }
    }

    static void Filter(byte type, ReadOnlySpan<byte> row, ReadOnlySpan<byte> up, Span<byte> output)
    {
        for (int i = 0; i < row.Length; i++)
        {
            int a = i >= BytesPerPixel ? row[i - BytesPerPixel] : 0;
            int b = up[i];
            int c = i >= BytesPerPixel ? up[i - BytesPerPixel] : 0;
            int predictor = type switch
            {
                0 => 0,
                1 => a,
                2 => b,
                3 => (a + b) >> 1,
                _ => Paeth(a, b, c),
            };
            output[i] = (byte)(row[i] - predictor);
        }
    }

    static int Paeth(int a, int b, int c)
    {
        int p = a + b - c;
        int pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
}
