using System.CommandLine;
using LatentSharp.Cli.Generation;
using LatentSharp.Pipelines;

namespace LatentSharp.Cli.Commands;

/// <summary>`sd inpaint "PROMPT" --image FILE --mask FILE`: repaint the masked part of an image.</summary>
public sealed class InpaintCommand : GenerationCommand
{
    readonly Option<string?> image = CliOption.OptionalString("--image", "the input image (PNG, JPEG or BMP)", "FILE", required: true);
    readonly Option<string?> mask = CliOption.OptionalString("--mask", "same size as the image: white = repaint, black = keep", "FILE", required: true);

    readonly Option<double> strength = CliOption.Double("--strength",
        "in (0, 1] (1.0: the masked part starts from pure noise)", 1.0, double.Epsilon, 1, helpName: "S");

    readonly Option<int> maskBlur = CliOption.Int("--mask-blur", "blur the mask's edge before thresholding", 0, 0, 64, helpName: "PX");
    readonly Option<bool> invertMask = CliOption.Flag("--invert-mask", "repaint the black part instead");

    public InpaintCommand() : base("inpaint", "repaint the white part of a mask in an image (inpainting)")
    {
        Add(image);
        Add(mask);
        Add(strength);
        Add(maskBlur);
        Add(invertMask);
    }

    protected override GenerationRequest AddModeOptions(GenerationRequest request, ParseResult parse)
    {
        var input = ReadImage(parse, image);
        var maskImage = ReadImage(parse, mask);
        if (maskImage.Width != input.Width || maskImage.Height != input.Height)
            throw new UsageException($"the mask is {maskImage.Width}x{maskImage.Height} but the image is {input.Width}x{input.Height}; they must be the same size");
        return request with
        {
            Image = input,
            Mask = maskImage,
            Strength = parse.GetValue(strength),
            MaskBlur = parse.GetValue(maskBlur),
            InvertMask = parse.GetValue(invertMask),
        };
    }
}
