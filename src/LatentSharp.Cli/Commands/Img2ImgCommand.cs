using LatentSharp.Cli.Generation;
using LatentSharp.Pipelines;

namespace LatentSharp.Cli.Commands;

/// <summary>`sd img2img "PROMPT" --image FILE`: image-to-image.</summary>
public sealed class Img2ImgCommand : GenerationCommand
{
    public override string Name => "img2img";
    public override string Summary => "repaint an image guided by a prompt (image-to-image)";
    protected override string ModeUsage => "--image FILE ";

    protected override string ExtraUsage => """
          --image FILE          the input image (PNG, JPEG or BMP)
          --strength S          how much to change it, in (0, 1] (default 0.8): the last S of the schedule is run
        """;

    protected override GenerationRequest AddModeOptions(GenerationRequest request, Arguments args) => request with
    {
        Strength = args.Double("strength", 0.8, double.Epsilon, 1),
        Image = ReadImage(args, "image"),
    };
}
