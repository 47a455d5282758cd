using LatentSharp.Cli.Generation;
using LatentSharp.Pipelines;

namespace LatentSharp.Cli.Commands;

/// <summary>`sd inpaint "PROMPT" --image FILE --mask FILE`: repaint the masked part of an image.</summary>
public sealed class InpaintCommand : GenerationCommand
{
    public override string Name => "inpaint";
    public override string Summary => "repaint the white part of a mask in an image (inpainting)";
    protected override string ModeUsage => "--image FILE --mask FILE ";
    public override IReadOnlySet<string> Flags => new HashSet<string> { "invert-mask" };

    protected override string ExtraUsage => """
          --image FILE          the input image (PNG, JPEG or BMP)
          --mask FILE           same size as the image: white = repaint, black = keep
          --strength S          in (0, 1] (default 1.0: the masked part starts from pure noise)
          --mask-blur PX        blur the mask's edge before thresholding (default 0)
          --invert-mask         repaint the black part instead
        """;

    protected override GenerationRequest AddModeOptions(GenerationRequest request, Arguments args)
    {
        var image = ReadImage(args, "image");
        var mask = ReadImage(args, "mask");
        if (mask.Width != image.Width || mask.Height != image.Height)
            throw new UsageException($"the mask is {mask.Width}x{mask.Height} but the image is {image.Width}x{image.Height}; they must be the same size");
        return request with
        {
            Image = image,
            Mask = mask,
            Strength = args.Double("strength", 1.0, double.Epsilon, 1),
            MaskBlur = args.Int("mask-blur", 0, 0, 64),
            InvertMask = args.Flag("invert-mask"),
        };
    }
}
