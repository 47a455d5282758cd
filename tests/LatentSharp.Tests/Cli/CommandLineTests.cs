using System.CommandLine;
using LatentSharp.Cli;
using LatentSharp.Cli.Generation;
using LatentSharp.Pipelines;
using LatentSharp.Tests.Support;

namespace LatentSharp.Tests.Cli;

/// <summary>
/// The command line as a user meets it (System.CommandLine underneath): help for every command, one-line errors with
/// exit 2, response files, completion. Alone: it captures the console.
/// </summary>
[Collection("Alone")]
public class CommandLineTests : IDisposable
{
    readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    static (int Exit, string Out, string Error) Sd(params string[] args) => ConsoleCapture.Run(() => Program.Main(args));

    [Fact]
    public void EveryCommandHasHelpNamingEachOfItsOptions()
    {
        var commands = Program.AllCommands();
        Assert.Contains(commands, c => c.FullName == "train unet");
        foreach (var command in commands)
        {
            var (exit, output, _) = Sd([.. command.FullName.Split(' '), "--help"]);
            Assert.True(exit == 0, command.FullName);
            Assert.Contains($" {command.FullName}", output.Split("Usage:")[1]); // "sd train unet [options]" (the test host has its own name)
            foreach (var option in command.Options.Where(o => !o.Hidden))
                Assert.True(output.Contains(option.Name), $"sd {command.FullName} --help lacks {option.Name}");
        }
        var root = Sd("--help");
        Assert.Equal(0, root.Exit);
        Assert.All(commands.Where(c => !c.FullName.Contains(' ')), c => Assert.Contains(c.Description!, root.Out));
        Assert.Equal(2, Sd().Exit);
    }

    [Theory]
    [InlineData("sd generate: --steps must be between 1 and 1000 (got 0)", "generate", "x", "--steps", "0")]
    [InlineData("sd generate: --guidance must be a number (got 'lots')", "generate", "x", "--guidance", "lots")]
    [InlineData("sd generate: --width must be a multiple of 8 (got 100)", "generate", "x", "--width", "100")]
    [InlineData("sd generate: --seed is given twice", "generate", "x", "--seed", "1", "--seed", "2")]
    [InlineData("sd generate: unknown option --bogus (see sd generate --help)", "generate", "x", "--bogus")]
    [InlineData("sd train vae: --export-dtype must be fp32 or fp16 (got 'int8')", "train", "vae", "--out", "r", "--export-dtype", "int8")]
    [InlineData("sd data shapes: --split must be train, held-out or all (got 'test')", "data", "shapes", "--out", "d", "--split", "test")]
    [InlineData("sd bench: --size takes multiples of 64 (got '100')", "bench", "--size", "100")]
    [InlineData("sd: unknown command 'paint' (commands: bench, completion, data, eval, generate, img2img, info, inpaint, serve, train)", "paint")]
    public void BadArgumentsAreOneLineUsageErrors(string message, params string[] args)
    {
        var (exit, output, error) = Sd(args);
        Assert.Equal(2, exit);
        Assert.Equal(message, error.TrimEnd('\n'));
        Assert.Equal("", output);
    }

    [Fact]
    public void AResponseFileGivesArguments()
    {
        File.WriteAllLines(temp["args.rsp"], ["--count 3", "--size 32", "# the folder:", $"--out \"{temp["data set"]}\""]);
        Assert.Equal(0, Sd("data", "shapes", "@" + temp["args.rsp"]).Exit);
        Assert.Equal(3, Directory.GetFiles(temp["data set"], "*.png").Length);
    }

    [Fact]
    public void CompletionOffersCommandsOptionsAndValues()
    {
        static string[] Suggest(string line) => Sd($"[suggest:{line.Length}]", line).Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("generate", Suggest("sd gen"));
        Assert.Contains("--guidance", Suggest("sd generate \"a cat\" --gui"));
        Assert.Equal(["euler", "euler_a"], Suggest("sd generate \"a cat\" --scheduler eul"));
        Assert.Equal(["lora", "phrasings", "position-words", "unet", "vae"], Suggest("sd train ").Where(s => !s.StartsWith('-') && !s.StartsWith('/')));
        Assert.Contains("complete -o default -F _sd_complete sd", Sd("completion", "bash").Out);
        Assert.Contains("compdef _sd_complete sd", Sd("completion", "zsh").Out);
        Assert.Contains("Register-ArgumentCompleter -Native -CommandName sd", Sd("completion", "pwsh").Out);
        Assert.Equal(2, Sd("completion", "fish").Exit);
    }

    [Fact]
    public void TheSharedGenerationOptionsDefaultToTheLibrarysRequest()
    {
        var options = new GenerationOptions();
        var command = new Command("test");
        foreach (var symbol in options.All)
            if (symbol is Option o) command.Add(o);
            else command.Add((Argument)symbol);
        var request = options.Request(command.Parse(["a cat", "--seed", "3"]));
        var defaults = new GenerationRequest { Prompt = "a cat", Seed = 3 };
        Assert.Equal(defaults, request);
    }
}
