using System.CommandLine;
using LatentSharp.Cli.Generation;
using LatentSharp.Pipelines;

namespace LatentSharp.Cli.Commands;

/// <summary>`sd img2img "PROMPT" --image FILE`: image-to-image.</summary>
public sealed class Img2ImgCommand : GenerationCommand
{
    readonly Option<string?> image = CliOption.OptionalString("--image", "the input image (PNG, JPEG or BMP)", "FILE", required: true);

    readonly Option<double> strength = CliOption.Double("--strength",
        "how much to change it, in (0, 1]: the last S of the schedule is run", 0.8, double.Epsilon, 1, helpName: "S");

    public Img2ImgCommand() : base("img2img", "repaint an image guided by a prompt (image-to-image)")
    {
        Add(image);
        Add(strength);
    }

    protected override GenerationRequest AddModeOptions(GenerationRequest request, ParseResult parse) => request with
    {
        Strength = parse.GetValue(strength),
        Image = ReadImage(parse, image),
    };
}
