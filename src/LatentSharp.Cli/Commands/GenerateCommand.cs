using System.CommandLine;
using LatentSharp.Cli.Generation;
using LatentSharp.Pipelines;

namespace LatentSharp.Cli.Commands;

/// <summary>`sd generate "PROMPT"`: text-to-image.</summary>
public sealed class GenerateCommand : GenerationCommand
{
    readonly Option<string?> initLatents = CliOption.OptionalString("--init-latents",
        "start from these latents (safetensors tensor 'latents' [B, C, h, w]), as diffusers' latents=", "FILE");

    public GenerateCommand() : base("generate", "generate images from a prompt (text-to-image)") => Add(initLatents);

    protected override GenerationRequest AddModeOptions(GenerationRequest request, ParseResult parse) => request;

    protected override string? InitialLatentsFile(ParseResult parse) => parse.GetValue(initLatents);
}
