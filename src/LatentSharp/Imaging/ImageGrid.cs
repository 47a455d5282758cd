using SkiaSharp;

namespace LatentSharp.Imaging;

/// <summary>Optional text around a grid: a title, a header over each column, one left of each row, a caption under each cell.</summary>
internal sealed record GridLabels
{
    /// <summary>One line over the whole grid (e.g. the prompt every cell shares); cut with "…" when too wide.</summary>
    public string? Title { get; init; }

    public IReadOnlyList<string>? ColumnHeaders { get; init; }
    public IReadOnlyList<string>? RowHeaders { get; init; }

    /// <summary>One caption per cell in row-major order (e.g. each image's prompt); wrapped and cut to <see cref="GridStyle.CaptionLines"/>.</summary>
    public IReadOnlyList<string>? Captions { get; init; }
}

internal sealed record GridStyle
{
    public int Padding { get; init; } = 6;

    /// <summary>Text size in pixels (the font's em).</summary>
    public float FontSize { get; init; } = 12;

    public Rgb Background { get; init; } = Rgb.White;
    public Rgb Text { get; init; } = new(20, 20, 20);
    public int CaptionLines { get; init; } = 3;
    public int HeaderLines { get; init; } = 2;

    /// <summary>The widest a row header may be, in pixels; longer headers wrap.</summary>
    public int MaxRowHeaderWidth { get; init; } = 120;
}

/// <summary>
/// Lays images out in a grid with optional labels set in the system's sans-serif font (<see cref="SystemFont"/>)
/// on a SkiaSharp canvas. Cells are as large as the largest image; smaller images are centred in theirs.
/// Images are copied pixel for pixel (never resampled), so the grid shows exactly what was generated.
/// </summary>
internal static class ImageGrid
{
    public static RgbImage Compose(IReadOnlyList<RgbImage> images, int columns, GridLabels? labels = null, GridStyle? style = null)
    {
        if (images.Count == 0) throw new ArgumentException("a grid needs at least one image", nameof(images));
        if (columns < 1) throw new ArgumentOutOfRangeException(nameof(columns), "a grid needs at least one column");
        labels ??= new GridLabels();
        style ??= new GridStyle();
        using var text = new CaptionText(style.FontSize, style.Text);
        using var title = new CaptionText(style.FontSize * 1.25f, style.Text, bold: true);
        var layout = new Layout(images, Math.Min(columns, images.Count), labels, style, text, title);
        using var bitmap = new SKBitmap(new SKImageInfo(layout.Width, layout.Height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(SkiaBitmaps.ToSkia(style.Background));
            if (labels.Title is { Length: > 0 } heading)
                title.Draw(canvas, title.Wrap(heading, layout.Width - 2 * layout.Padding, 1), layout.Width / 2f, layout.Padding, SKTextAlign.Center);
            DrawColumnHeaders(canvas, layout, labels, style, text);
            DrawRowHeaders(canvas, layout, labels, text);
            for (int i = 0; i < images.Count; i++) DrawCell(canvas, layout, images[i], i, labels, style, text);
        }
        return SkiaBitmaps.FromSkia(bitmap);
    }

    /// <summary>Where everything goes, worked out once from the images, labels, style and font.</summary>
    sealed class Layout
    {
        public readonly int Columns, Rows, CellWidth, CellHeight, TitleHeight, HeaderHeight, RowHeaderWidth, CaptionHeight, Padding, LinePixels;

        public Layout(IReadOnlyList<RgbImage> images, int columns, GridLabels labels, GridStyle style, CaptionText text, CaptionText title)
        {
            Columns = columns;
            Rows = (images.Count + columns - 1) / columns;
            CellWidth = images.Max(i => i.Width);
            CellHeight = images.Max(i => i.Height);
            Padding = style.Padding;
            LinePixels = text.LineHeight;
            TitleHeight = labels.Title is { Length: > 0 } ? title.LineHeight + Padding : 0;
            HeaderHeight = labels.ColumnHeaders is { Count: > 0 } headers
                ? headers.Max(h => text.Wrap(h, CellWidth, style.HeaderLines).Count) * LinePixels + Padding : 0;
            float widest = labels.RowHeaders is { Count: > 0 } rowHeaders ? rowHeaders.Max(text.Measure) : 0;
            RowHeaderWidth = widest > 0 ? (int)Math.Ceiling(Math.Min(style.MaxRowHeaderWidth, widest)) + Padding : 0;
            CaptionHeight = labels.Captions is { Count: > 0 } ? style.CaptionLines * LinePixels + Padding / 2 : 0;
        }

        public int RowPitch => CellHeight + CaptionHeight + Padding;
        public int ColumnPitch => CellWidth + Padding;
        public int Width => Padding + RowHeaderWidth + Columns * ColumnPitch;
        public int Height => Padding + TitleHeight + HeaderHeight + Rows * RowPitch;
        public int CellX(int column) => Padding + RowHeaderWidth + column * ColumnPitch;
        public int CellY(int row) => Padding + TitleHeight + HeaderHeight + row * RowPitch;

        /// <summary>Row headers wrap to the width they were given, and to as many lines as fit beside the cell.</summary>
        public int RowHeaderTextWidth => Math.Max(1, RowHeaderWidth - Padding);
        public int RowHeaderLines => Math.Max(1, CellHeight / Math.Max(1, LinePixels));
    }

    static void DrawColumnHeaders(SKCanvas canvas, Layout layout, GridLabels labels, GridStyle style, CaptionText text)
    {
        var headers = labels.ColumnHeaders ?? [];
        for (int c = 0; c < Math.Min(headers.Count, layout.Columns); c++)
        {
            var lines = text.Wrap(headers[c], layout.CellWidth, style.HeaderLines);
            // Bottom-aligned, so one-line headers sit just above their column.
            int top = layout.CellY(0) - layout.Padding - lines.Count * layout.LinePixels;
            text.Draw(canvas, lines, layout.CellX(c) + layout.CellWidth / 2f, top, SKTextAlign.Center);
        }
    }

    static void DrawRowHeaders(SKCanvas canvas, Layout layout, GridLabels labels, CaptionText text)
    {
        var headers = labels.RowHeaders ?? [];
        for (int r = 0; r < Math.Min(headers.Count, layout.Rows); r++)
        {
            var lines = text.Wrap(headers[r], layout.RowHeaderTextWidth, layout.RowHeaderLines);
            int top = layout.CellY(r) + (layout.CellHeight - lines.Count * layout.LinePixels) / 2;
            text.Draw(canvas, lines, layout.Padding, top);
        }
    }

    static void DrawCell(SKCanvas canvas, Layout layout, RgbImage image, int index, GridLabels labels, GridStyle style, CaptionText text)
    {
        int x = layout.CellX(index % layout.Columns), y = layout.CellY(index / layout.Columns);
        using (var cell = SkiaBitmaps.ToSkia(image))
            canvas.DrawBitmap(cell, x + (layout.CellWidth - image.Width) / 2, y + (layout.CellHeight - image.Height) / 2);
        if (labels.Captions is { } captions && index < captions.Count)
        {
            var lines = text.Wrap(captions[index], layout.CellWidth, style.CaptionLines);
            text.Draw(canvas, lines, x + layout.CellWidth / 2f, y + layout.CellHeight + layout.Padding / 2, SKTextAlign.Center);
        }
    }
}
