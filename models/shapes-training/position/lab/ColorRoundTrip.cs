using LatentSharp.Shapes;
using LatentSharp.Training;
using TorchSharp;
using static TorchSharp.torch;

/// Issue 11's pink: a flat 64×64 image of each colour through an autoencoder (encode → posterior mean → decode), with
/// the mean RGB that comes out and the distance of its latent to the nearest palette colour's latent — whether the
/// encoder keeps a colour apart (a decoder-only fine-tune can then learn to draw it) or already merges it.
static class ColorRoundTrip
{
    static readonly (string Name, int R, int G, int B)[] Colors =
    [
        .. Enum.GetValues<ShapeColor>().Select(c => (ShapesVocabulary.Word(c), (int)ShapesVocabulary.Rgb(c).R, (int)ShapesVocabulary.Rgb(c).G, (int)ShapesVocabulary.Rgb(c).B)),
        ("light pink", 255, 182, 193), ("cyan", 0, 220, 220), ("grey", 128, 128, 128), ("brown", 139, 69, 19), ("navy", 0, 0, 128),
    ];
    /// The eight colours of the training data (pink, last of the enum, is the one a LoRA teaches).
    const int PaletteSize = 8;

    public static void Run(string vaePath)
    {
        using var vae = AutoencoderFolder.Load(vaePath);
        using var _ = no_grad();
        var latents = new List<Tensor>();
        Console.WriteLine("colour | RGB in | RGB out | latent distance to the nearest palette colour (name)");
        foreach (var (name, r, g, b) in Colors)
        {
            var pixel = tensor(new float[] { r, g, b }).reshape(1, 3, 1, 1) / 127.5f - 1;
            var image = pixel.expand(1, 3, 64, 64).contiguous();
            var mean = vae.Encode(image).Mean;
            latents.Add(mean);
            var rgb = ((vae.Decode(mean).clamp(-1, 1) + 1) * 127.5f).mean([0, 2, 3]).data<float>().ToArray();
            var nearest = Enumerable.Range(0, Math.Min(PaletteSize, latents.Count - 1))
                .Select(i => (Distance: (latents[i] - mean).square().mean().sqrt().item<float>(), Colors[i].Name))
                .DefaultIfEmpty((float.NaN, "-")).MinBy(x => x.Item1);
            Console.WriteLine($"{name} | {r}, {g}, {b} | {rgb[0]:F0}, {rgb[1]:F0}, {rgb[2]:F0} | {nearest.Item1:F3} ({nearest.Item2})");
        }
    }

    /// A pink shape of each kind and size on a few backgrounds through the autoencoder: the mean RGB of the shape's
    /// pixels out — a flat image of a colour (Run) can round-trip where a shape of it on a background does not.
    ///   lab shape-colors VAE [COLOUR]
    public static void Shapes(string vaePath, ShapeColor colour)
    {
        using var vae = AutoencoderFolder.Load(vaePath);
        using var _ = no_grad();
        Console.WriteLine("shape | size | background | RGB out (shape pixels) | RGB out (background pixels)");
        foreach (var background in new[] { ShapeColor.Blue, ShapeColor.Black, ShapeColor.White, ShapeColor.Green })
            foreach (var size in new[] { ShapeSize.Large, ShapeSize.Small })
                foreach (var kind in ShapesVocabulary.Shapes)
                {
                    using var scope = NewDisposeScope();
                    var spec = new ShapeSpec(kind, colour, background, size, GridPosition.Center);
                    var image = LatentSharp.Imaging.ImageTensors.ToModelSpace(ShapesDataset.Render(spec));
                    var output = vae.Decode(vae.Encode(image).Mean).clamp(-1, 1);
                    var bg = ShapesVocabulary.Rgb(background);
                    var bgPixel = tensor(new float[] { bg.R, bg.G, bg.B }).reshape(1, 3, 1, 1) / 127.5f - 1;
                    var isShape = (image - bgPixel).abs().sum(1, keepdim: true) > 0.5f;   // the shape's pixels, from the input
                    string Mean(Tensor mask)
                    {
                        var rgb = ((output + 1) * 127.5f).masked_select(mask.expand_as(output)).reshape(3, -1).mean([1]).data<float>().ToArray();
                        return $"{rgb[0]:F0}, {rgb[1]:F0}, {rgb[2]:F0}";
                    }
                    Console.WriteLine($"{ShapesVocabulary.Word(kind)} | {size} | {ShapesVocabulary.Word(background)} | {Mean(isShape)} | {Mean(isShape.logical_not())}");
                }
    }
}
