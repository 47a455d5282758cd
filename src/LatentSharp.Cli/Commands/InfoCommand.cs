using System.CommandLine;
using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using LatentSharp.Checkpoints;
using LatentSharp.Cli.Generation;

namespace LatentSharp.Cli.Commands;

/// <summary>
/// `sd info PATH`: what a model folder or single-file checkpoint contains, without loading its weights. With no PATH:
/// the installation (versions, LibTorch's threads, whether the Debian 12 native fix is in use) and the default model.
/// </summary>
public sealed class InfoCommand : SdCommand
{
    readonly Argument<string?> path = new("PATH")
    {
        Description = "a model folder or .safetensors file, a Hugging Face id org/name[@revision], or a PNG; none: this installation and its default model",
        Arity = ArgumentArity.ZeroOrOne,
    };

    readonly Option<string?> modelConfig = CliOption.OptionalString("--model-config",
        "for a single file whose configs cannot be inferred from its weights: a diffusers folder with its configs", "DIR");

    public InfoCommand() : base("info", "show a model's components, parameter counts, dtypes and key settings", """
        PATH is a diffusers pipeline folder (model_index.json, unet/, vae/, text_encoder/, ...) or an original
        SD 1.x/2.x/XL single-file .safetensors checkpoint (only file headers are read), or a PNG made by
        LatentSharp or AUTOMATIC1111, whose generation parameters are printed. Without PATH: the versions of sd,
        TorchSharp and .NET, LibTorch's thread count (a real call into LibTorch, so it also shows that the native
        library loads), and the default model ($LATENTSHARP_MODEL or the shipped models/shapes).
        """)
    {
        Add(path);
        Add(modelConfig);
    }

    protected override int Run(ParseResult parse)
    {
        if (parse.GetValue(path) is not { } file) return DescribeInstallation();
        if (Path.GetExtension(file).Equals(".png", StringComparison.OrdinalIgnoreCase)) return DescribeImage(file);
        Describe(Generation.HubModelArgument.Resolve(file, preferHalfPrecision: false), configFolder: parse.GetValue(modelConfig));
        return 0;
    }

    /// <summary>Writes the description of the model at <paramref name="path"/> (default: to stdout).</summary>
    /// <param name="configFolder">For a single file: the diffusers folder its configs come from (null: inferred from the weights).</param>
    public static void Describe(string path, TextWriter? output = null, string? configFolder = null)
    {
        using var checkpoint = StableDiffusionCheckpoint.Open(path, configFolder: configFolder);
        var components = checkpoint.Summarize();
        var configs = checkpoint.Configs;
        string generation = checkpoint.Kind.DisplayName();
        string format = checkpoint.IsSingleFile ? "single-file checkpoint" : "diffusers folder";
        var writer = output ?? Console.Out;
        writer.WriteLine($"{checkpoint.Name}: {generation}, {format} ({Path.GetFullPath(path)})");

        var text = configs.TextEncoder;
        var unet = configs.Unet;
        var vae = configs.Vae;
        var settings = new Dictionary<string, string>
        {
            ["text_encoder"] = TextEncoder(text),
            ["unet"] = $"block_out_channels {List(unet.BlockOutChannels)}, layers {unet.LayersPerBlock}, heads {List(unet.HeadsPerBlock())}, " +
                       $"cross_attention_dim {unet.CrossAttentionDim}, linear projection {YesNo(unet.UseLinearProjection)}, " +
                       $"transformer layers {unet.TransformerLayersPerBlock}, " +
                       (unet.HasTextTimeEmbedding ? $"added embedding text_time (pooled + 6 × {unet.AdditionTimeEmbedDim}), " : "") +
                       $"in_channels {unet.InChannels}, sample size {unet.SampleSize?.ToString(CultureInfo.InvariantCulture) ?? "unset"}",
            ["vae"] = $"block_out_channels {List(vae.BlockOutChannels)}, latent channels {vae.LatentChannels}, " +
                      $"scaling factor {vae.ScalingFactor.ToString(CultureInfo.InvariantCulture)}" +
                      (checkpoint.Kind == StableDiffusionKind.Sdxl ? $", force_upcast {YesNo(vae.ForceUpcast)}" : ""),
        };
        if (configs.TextEncoder2 is { } second)
            settings[DiffusersLayout.TextEncoder2.Folder] = TextEncoder(second) + $", projection {second.ProjectionDim}";
        var table = ConsoleTable.Create(["component", "class", "parameters", "stored as", "settings"], leftAligned: 2);
        table.Columns[3].Alignment = Spectre.Console.Justify.Left;
        table.Columns[4].Alignment = Spectre.Console.Justify.Left;
        foreach (var c in components)
            table.AddCells([c.Name, c.ClassName, Parameters(c.Parameters), Dtypes(c.StoredDtypes), settings[c.Name]]);
        ConsoleTable.Write(table, output);

        string schedulerClass = DiffusersLayout.SchedulerClass(configs.SchedulerConfigJson, path);
        string prediction = DiffusersLayout.StringField(configs.SchedulerConfigJson, "prediction_type", path) ?? "epsilon";
        writer.WriteLine($"{"scheduler",-12}  {schedulerClass}, prediction {prediction}");
        writer.WriteLine($"{"tokenizer",-12}  {checkpoint.TokenizerPath ?? "none found (single files need a CLIP tokenizer folder or the Hugging Face cache)"}");
        if (checkpoint.Kind == StableDiffusionKind.Sdxl)
        {
            writer.WriteLine($"{"tokenizer_2",-12}  {checkpoint.Tokenizer2Path ?? (checkpoint.TokenizerPath is null ? "none found" : "the tokenizer's files, padding with \"!\"")}");
            writer.WriteLine($"{"conditioning",-12}  negative prompt not given → {(configs.ForceZerosForEmptyPrompt ? "zeros (force_zeros_for_empty_prompt)" : "the empty prompt")}");
        }
    }

    static string TextEncoder(LatentSharp.Text.ClipTextConfig text) =>
        $"hidden {text.HiddenSize}, {text.NumHiddenLayers} layers, {text.NumAttentionHeads} heads, {text.HiddenAct}";

    /// <summary>`sd info` alone: what is installed, then the model `sd generate` uses when none is given.</summary>
    static int DescribeInstallation()
    {
        static string Version(Type type) =>
            type.Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
            ?? type.Assembly.GetName().Version?.ToString() ?? "?";
        Console.WriteLine($"{"sd",-12}  LatentSharp {Version(typeof(StableDiffusionCheckpoint))} ({AppContext.BaseDirectory.TrimEnd('/')})");
        Console.WriteLine($"{"runtime",-12}  .NET {Environment.Version}, {RuntimeInformation.RuntimeIdentifier}");
        // A real call into libLibTorchSharp.so: on Debian 12 it only loads with the build's native fix.
        int threads = TorchSharp.torch.get_num_threads();
        string fix = File.Exists(Path.Combine(AppContext.BaseDirectory, "libstdcxx-compat.so")) ? ", with the libstdc++ compatibility library" : "";
        Console.WriteLine($"{"torch",-12}  TorchSharp {Version(typeof(TorchSharp.torch))}, LibTorch CPU, {threads} threads{fix}");
        string model = DefaultModel.Locate();
        Console.WriteLine($"{"model",-12}  the default (no --model): {model}");
        Console.WriteLine();
        Describe(model);
        return 0;
    }

    /// <summary>Prints the generation parameters stored in a PNG (AUTOMATIC1111's "parameters" text).</summary>
    static int DescribeImage(string path)
    {
        if (!File.Exists(path)) throw new LatentSharpException($"{path}: file not found");
        var parameters = Imaging.PngMetadata.ReadParameters(path)
            ?? throw new LatentSharpException($"{path}: no generation parameters stored in this PNG");
        Console.WriteLine(parameters.Format());
        return 0;
    }

    static string Parameters(long n) =>
        (n >= 1_000_000 ? $"{n / 1e6:0.0}M" : $"{n / 1e3:0.0}K") + " params";

    static string Dtypes(IReadOnlyList<string> stored) => string.Join("+", stored.Select(d => d switch
    {
        "F32" => "float32",
        "F16" => "float16",
        "BF16" => "bfloat16",
        "F64" => "float64",
        _ => d,
    }));

    static string List(IEnumerable<int> values) => $"[{string.Join(", ", values)}]";

    static string YesNo(bool value) => value ? "yes" : "no";
}
