using LatentSharp.Cli.Generation;
using LatentSharp.Pipelines;

namespace LatentSharp.Cli.Commands;

/// <summary>`sd generate "PROMPT"`: text-to-image.</summary>
public sealed class GenerateCommand : GenerationCommand
{
    public override string Name => "generate";
    public override string Summary => "generate images from a prompt (text-to-image)";

    protected override string ExtraUsage => """
          --init-latents FILE   start from these latents (safetensors tensor 'latents' [B, C, h, w]), as diffusers' latents=
        """;

    protected override GenerationRequest AddModeOptions(GenerationRequest request, Arguments args) => request;
}
