namespace LatentSharp.Imaging;

/// <summary>Optional text around a grid: a header over each column, one left of each row, a caption under each cell.</summary>
public sealed record GridLabels
{
    public IReadOnlyList<string>? ColumnHeaders { get; init; }
    public IReadOnlyList<string>? RowHeaders { get; init; }

    /// <summary>One caption per cell in row-major order (e.g. each image's prompt); wrapped and cut to <see cref="GridStyle.CaptionLines"/>.</summary>
    public IReadOnlyList<string>? Captions { get; init; }
}

public sealed record GridStyle
{
    public int Padding { get; init; } = 4;
    public int FontScale { get; init; } = 1;
    public Rgb Background { get; init; } = Rgb.White;
    public Rgb Text { get; init; } = new(20, 20, 20);
    public int CaptionLines { get; init; } = 3;
    public int HeaderLines { get; init; } = 2;

    /// <summary>The widest a row header may be, in characters; longer headers wrap.</summary>
    public int RowHeaderChars { get; init; } = 16;
}

/// <summary>
/// Lays images out in a grid with optional labels, drawn with the built-in bitmap font. Cells are as
/// large as the largest image; smaller images are centred in theirs.
/// </summary>
public static class ImageGrid
{
    public static RgbImage Compose(IReadOnlyList<RgbImage> images, int columns, GridLabels? labels = null, GridStyle? style = null)
    {
        if (images.Count == 0) throw new ArgumentException("a grid needs at least one image", nameof(images));
        if (columns < 1) throw new ArgumentOutOfRangeException(nameof(columns), "a grid needs at least one column");
        labels ??= new GridLabels();
        style ??= new GridStyle();
        var layout = new Layout(images, Math.Min(columns, images.Count), labels, style);
        var canvas = new RgbImage(layout.Width, layout.Height, style.Background);
        DrawColumnHeaders(canvas, layout, labels, style);
        DrawRowHeaders(canvas, layout, labels, style);
        for (int i = 0; i < images.Count; i++) DrawCell(canvas, layout, images[i], i, labels, style);
        return canvas;
    }

    /// <summary>Where everything goes, worked out once from the images, labels and style.</summary>
    sealed class Layout
    {
        public readonly int Columns, Rows, CellWidth, CellHeight, HeaderHeight, RowHeaderWidth, CaptionHeight, Padding, LinePixels;

        public Layout(IReadOnlyList<RgbImage> images, int columns, GridLabels labels, GridStyle style)
        {
            Columns = columns;
            Rows = (images.Count + columns - 1) / columns;
            CellWidth = images.Max(i => i.Width);
            CellHeight = images.Max(i => i.Height);
            Padding = style.Padding;
            LinePixels = BitmapFont.LineHeight * style.FontScale;
            HeaderHeight = labels.ColumnHeaders is { Count: > 0 } ? style.HeaderLines * LinePixels + Padding : 0;
            int headerChars = Math.Min(style.RowHeaderChars, labels.RowHeaders?.Max(h => h.Length) ?? 0);
            RowHeaderWidth = headerChars > 0 ? BitmapFont.MeasureWidth(new string('x', headerChars), style.FontScale) + Padding : 0;
            CaptionHeight = labels.Captions is { Count: > 0 } ? style.CaptionLines * LinePixels : 0;
        }

        public int RowPitch => CellHeight + CaptionHeight + Padding;
        public int ColumnPitch => CellWidth + Padding;
        public int Width => Padding + RowHeaderWidth + Columns * ColumnPitch;
        public int Height => Padding + HeaderHeight + Rows * RowPitch;
        public int CellX(int column) => Padding + RowHeaderWidth + column * ColumnPitch;
        public int CellY(int row) => Padding + HeaderHeight + row * RowPitch;
    }

    static void DrawColumnHeaders(RgbImage canvas, Layout layout, GridLabels labels, GridStyle style)
    {
        var headers = labels.ColumnHeaders ?? [];
        for (int c = 0; c < Math.Min(headers.Count, layout.Columns); c++)
        {
            var lines = TextLayout.Wrap(headers[c], BitmapFont.CharsThatFit(layout.CellWidth, style.FontScale), style.HeaderLines);
            canvas.DrawCentredLines(lines, layout.CellX(c) + layout.CellWidth / 2, layout.Padding, style.Text, style.FontScale);
        }
    }

    static void DrawRowHeaders(RgbImage canvas, Layout layout, GridLabels labels, GridStyle style)
    {
        var headers = labels.RowHeaders ?? [];
        int maxLines = Math.Max(1, layout.CellHeight / layout.LinePixels);
        for (int r = 0; r < Math.Min(headers.Count, layout.Rows); r++)
        {
            var lines = TextLayout.Wrap(headers[r], style.RowHeaderChars, maxLines);
            int top = layout.CellY(r) + (layout.CellHeight - lines.Count * layout.LinePixels) / 2;
            for (int i = 0; i < lines.Count; i++)
                canvas.DrawText(lines[i], layout.Padding, top + i * layout.LinePixels, style.Text, style.FontScale);
        }
    }

    static void DrawCell(RgbImage canvas, Layout layout, RgbImage image, int index, GridLabels labels, GridStyle style)
    {
        int x = layout.CellX(index % layout.Columns), y = layout.CellY(index / layout.Columns);
        canvas.Paste(image, x + (layout.CellWidth - image.Width) / 2, y + (layout.CellHeight - image.Height) / 2);
        if (labels.Captions is { } captions && index < captions.Count)
        {
            var lines = TextLayout.Wrap(captions[index], BitmapFont.CharsThatFit(layout.CellWidth, style.FontScale), style.CaptionLines);
            canvas.DrawCentredLines(lines, x + layout.CellWidth / 2, y + layout.CellHeight + 2, style.Text, style.FontScale);
        }
    }
}
