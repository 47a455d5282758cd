using System.Text.RegularExpressions;

namespace LatentSharp.Adapters;

/// <summary>What a tensor of a LoRA file is to its layer.</summary>
internal enum LoraTensorRole { Down, Up, Alpha }

/// <summary>
/// The tensor names of the LoRA file layouts in use, split into the layer they belong to and their role:
/// kohya / A1111 (<c>lora_unet_…​.lora_down.weight</c>, <c>.lora_up.weight</c>, <c>.alpha</c>), diffusers / PEFT
/// (<c>unet.…​.lora_A.weight</c>, <c>.lora_B.weight</c>), diffusers' earlier LoRACompatible layers
/// (<c>.lora.down.weight</c>, <c>.lora_linear_layer.down.weight</c>) and attention processors
/// (<c>…attn1.processor.to_q_lora.down.weight</c>). The layer name is the kohya name, or the module path with its
/// component prefix (<c>unet.</c>, <c>text_encoder.</c>); <see cref="LoraModuleTable"/> resolves both.
/// </summary>
internal static class LoraTensorNames
{
    static readonly (string Suffix, LoraTensorRole Role)[] Suffixes =
    [
        (".lora_down.weight", LoraTensorRole.Down), (".lora_up.weight", LoraTensorRole.Up),
        (".lora_A.weight", LoraTensorRole.Down), (".lora_B.weight", LoraTensorRole.Up),
        (".lora_linear_layer.down.weight", LoraTensorRole.Down), (".lora_linear_layer.up.weight", LoraTensorRole.Up),
        (".lora.down.weight", LoraTensorRole.Down), (".lora.up.weight", LoraTensorRole.Up),
        (".alpha", LoraTensorRole.Alpha),
    ];

    /// <summary>diffusers' attention-processor LoRAs name the projection inside the processor.</summary>
    static readonly Regex AttentionProcessor = new(@"^(?<attn>.+)\.processor\.(?<proj>to_q|to_k|to_v|to_out)_lora\.(?<role>down|up)\.weight$",
        RegexOptions.CultureInvariant);

    /// <summary>Markers of the LyCORIS / other adapter types that are not plain low-rank LoRA.</summary>
    static readonly (string Marker, string Kind)[] OtherAdapters =
    [
        ("hada_w", "LoHa (LyCORIS)"), ("hada_t", "LoHa (LyCORIS)"), ("lokr_w", "LoKr (LyCORIS)"), ("lokr_t", "LoKr (LyCORIS)"),
        ("lora_mid", "LoCon with a CP-decomposed middle (LyCORIS lora_mid)"), ("dora_scale", "DoRA"), ("oft_", "OFT"),
        (".on_input", "IA3 (LyCORIS)"), (".diff_b", "full weight differences (LyCORIS full)"), (".w_norm", "norm (LyCORIS)"),
        (".a1.weight", "GLoRA (LyCORIS)"),
    ];

    /// <summary>The component prefixes of diffusers-layout names, and the module-path starts of prefix-less U-Net ones.</summary>
    static readonly string[] UnetPathStarts = ["down_blocks.", "mid_block.", "up_blocks.", "conv_in.", "conv_out.", "time_embedding."];

    /// <summary>Splits a stored tensor name; false for names that are not a LoRA tensor of the supported layouts.</summary>
    public static bool TryParse(string key, out string layer, out LoraTensorRole role)
    {
        var processor = AttentionProcessor.Match(key);
        if (processor.Success)
        {
            string proj = processor.Groups["proj"].Value == "to_out" ? "to_out.0" : processor.Groups["proj"].Value;
            layer = WithComponent(processor.Groups["attn"].Value + "." + proj);
            role = processor.Groups["role"].Value == "down" ? LoraTensorRole.Down : LoraTensorRole.Up;
            return true;
        }
        foreach (var (suffix, r) in Suffixes)
        {
            if (!key.EndsWith(suffix, StringComparison.Ordinal) || key.Length == suffix.Length) continue;
            layer = WithComponent(key[..^suffix.Length]);
            role = r;
            return true;
        }
        (layer, role) = ("", default);
        return false;
    }

    /// <summary>The adapter type a tensor name belongs to when it is a known kind we do not apply; null otherwise.</summary>
    public static string? OtherAdapterKind(string key) =>
        key.EndsWith(".diff", StringComparison.Ordinal) ? "full weight differences (LyCORIS full)"
            : OtherAdapters.FirstOrDefault(o => key.Contains(o.Marker, StringComparison.Ordinal)).Kind;

    /// <summary>Kohya names keep theirs; early diffusers files name U-Net modules without the "unet." prefix.</summary>
    static string WithComponent(string layer) =>
        UnetPathStarts.Any(s => layer.StartsWith(s, StringComparison.Ordinal)) ? "unet." + layer : layer;
}
