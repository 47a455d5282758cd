using LatentSharp.Checkpoints;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LatentSharp.Adapters;

/// <summary>A layer a LoRA can change: its component ("unet", "text_encoder"), module path and weight.</summary>
public sealed record LoraTarget(string Component, string ModulePath, Parameter Weight)
{
    /// <summary>The module as diffusers names it in a LoRA state dict: <c>unet.down_blocks.0…to_q</c>.</summary>
    public string DiffusersName => Component + "." + ModulePath;
}

/// <summary>
/// The one table between the names LoRA files give layers and the model's modules, built from the model itself:
/// every linear and convolution layer of the U-Net and text encoder(s) is listed under
/// <list type="bullet">
/// <item>its diffusers / PEFT name, the component and module path (<c>unet.mid_block.attentions.0.proj_in</c>);</item>
/// <item>its kohya name, the component's prefix and the module path with every "." made "_"
/// (<c>lora_unet_mid_block_attentions_0_proj_in</c>, <c>lora_te_text_model_encoder_layers_0_self_attn_q_proj</c>):
/// kohya derives its names from the module paths exactly so, which makes the table exact where diffusers'
/// converter restores underscores word by word;</item>
/// <item>for U-Net layers also the kohya name of the original (LDM / SGM) module path, from the single-file key map
/// (<c>lora_unet_middle_block_1_proj_in</c>, <c>lora_unet_input_blocks_1_0_emb_layers_1</c>), which A1111
/// accepts and SDXL kohya files use.</item>
/// </list>
/// </summary>
public sealed class LoraModuleTable
{
    readonly Dictionary<string, LoraTarget> byName = new(StringComparer.Ordinal);
    readonly Dictionary<(string, string), string> kohyaNames = [];

    /// <summary>A component of the model that LoRAs address, with its kohya prefix and (U-Net) original names.</summary>
    public sealed record Component(string Name, string KohyaPrefix, nn.Module Module, SingleFileNames? OriginalNames = null);

    public LoraModuleTable(IEnumerable<Component> components)
    {
        var ambiguous = new HashSet<string>(StringComparer.Ordinal);
        foreach (var component in components)
        {
            foreach (var (path, module) in component.Module.named_modules())
            {
                Parameter? weight = module switch { Linear l => l.weight, Conv2d c => c.weight, _ => null };
                if (weight is null || path.Length == 0) continue;
                var target = new LoraTarget(component.Name, path, weight);
                string kohya = component.KohyaPrefix + path.Replace('.', '_');
                kohyaNames[(component.Name, path)] = kohya;
                Add(target.DiffusersName, target, ambiguous);
                Add(kohya, target, ambiguous);
                if (OriginalPath(component, path) is { } original && original != path)
                    Add(component.KohyaPrefix + original.Replace('.', '_'), target, ambiguous);
            }
        }
        foreach (var name in ambiguous) byName.Remove(name);
    }

    /// <summary>
    /// The table of a Stable Diffusion model: its U-Net ("lora_unet_") and text encoder ("lora_te_"); SDXL's two text
    /// encoders are "lora_te1_" and "lora_te2_" (text_encoder and text_encoder_2), as kohya names them.
    /// </summary>
    public static LoraModuleTable For(StableDiffusionModel model) => new(ComponentsOf(model));

    public static IEnumerable<Component> ComponentsOf(StableDiffusionModel model) => model.TextEncoder2 is { } second
        ?
        [
            new("unet", "lora_unet_", model.Unet, SingleFileKeyMap.UNet(model.Unet.Config)),
            new("text_encoder", "lora_te1_", model.TextEncoder),
            new("text_encoder_2", "lora_te2_", second),
        ]
        :
        [
            new("unet", "lora_unet_", model.Unet, SingleFileKeyMap.UNet(model.Unet.Config)),
            new("text_encoder", "lora_te_", model.TextEncoder),
        ];

    /// <summary>The layer a file's layer name addresses, or null if the model has none of that name.</summary>
    public LoraTarget? Find(string name) => byName.GetValueOrDefault(name);

    /// <summary>The kohya name of a module, as a trainer writes it (<c>lora_unet_…</c>).</summary>
    public string KohyaName(string component, string modulePath) =>
        kohyaNames.TryGetValue((component, modulePath), out var name) ? name
            : throw new ArgumentException($"no layer {component}.{modulePath} in the model");

    public IEnumerable<LoraTarget> Targets => byName.Values.Distinct();

    void Add(string name, LoraTarget target, HashSet<string> ambiguous)
    {
        if (byName.TryGetValue(name, out var existing) && existing != target) ambiguous.Add(name);
        else byName[name] = target;
    }

    /// <summary>The module's path in the original single-file naming (without the file's prefix), if it has one.</summary>
    static string? OriginalPath(Component component, string path)
    {
        if (component.OriginalNames is not { } names) return null;
        var source = names.Locate(path + ".weight");
        if (source is null || source.Chunks != 1 || !source.Key.StartsWith(names.FilePrefix, StringComparison.Ordinal)
            || !source.Key.EndsWith(".weight", StringComparison.Ordinal)) return null;
        return source.Key[names.FilePrefix.Length..^".weight".Length];
    }
}
