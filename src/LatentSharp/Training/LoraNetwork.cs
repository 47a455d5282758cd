using LatentSharp.Adapters;
using LatentSharp.Checkpoints;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LatentSharp.Training;

/// <summary>
/// The trainable part of a LoRA run: for each target layer a down matrix A [rank, in·kh·kw] and an up matrix B
/// [out, rank], kept under the layer's kohya name (<c>lora_unet_…​.lora_down.weight</c>), so checkpoints, the EMA
/// and the exported file use one naming. A starts as PyTorch's default U(±1/√in) and B as zero (kohya's
/// initialisation), so training starts from the base model exactly.
/// </summary>
internal sealed class LoraNetwork : nn.Module
{
    readonly ModuleDict<LoraPair> layers;

    public LoraNetwork(IReadOnlyList<(string KohyaName, LoraTarget Target)> targets, int rank, double alpha, ulong seed) : base(nameof(LoraNetwork))
    {
        Targets = targets;
        Rank = rank;
        Alpha = alpha;
        layers = new ModuleDict<LoraPair>();
        using var generator = new Generator(seed);
        foreach (var (name, target) in targets)
        {
            long outFeatures = target.Weight.shape[0], inElements = target.Weight.numel() / outFeatures;
            layers.Add((name, new LoraPair(inElements, outFeatures, rank, generator)));
        }
        RegisterComponents();
    }

    public IReadOnlyList<(string KohyaName, LoraTarget Target)> Targets { get; }
    public int Rank { get; }
    public double Alpha { get; }
    public double Factor => Alpha / Rank;

    /// <summary>ΔW of target <paramref name="i"/>: (B · A) · alpha / rank in the weight's shape, differentiable in A and B.</summary>
    public Tensor Delta(int i)
    {
        var pair = layers[Targets[i].KohyaName];
        return pair.lora_up.weight!.matmul(pair.lora_down.weight!).mul((float)Factor).view(Targets[i].Target.Weight.shape);
    }

    /// <summary>The layer's tensors as a kohya file stores them: down and up shaped like the base layer (4-d for convolutions), and alpha.</summary>
    public IEnumerable<KeyValuePair<string, Tensor>> KohyaTensors()
    {
        foreach (var (name, target) in Targets)
        {
            var pair = layers[name];
            var shape = target.Weight.shape;
            var down = pair.lora_down.weight!.detach();
            var up = pair.lora_up.weight!.detach();
            yield return new(name + ".alpha", tensor((float)Alpha));
            yield return new(name + ".lora_down.weight", shape.Length == 4 ? down.view(Rank, shape[1], shape[2], shape[3]) : down);
            yield return new(name + ".lora_up.weight", shape.Length == 4 ? up.view(shape[0], Rank, 1, 1) : up);
        }
    }

    /// <summary>One layer's A and B, as two bias-free linear layers (their weights are kohya's lora_down / lora_up).</summary>
    sealed class LoraPair : nn.Module
    {
        public readonly Linear lora_down;
        public readonly Linear lora_up;

        public LoraPair(long inElements, long outFeatures, int rank, Generator generator) : base(nameof(LoraPair))
        {
            lora_down = nn.Linear(inElements, rank, hasBias: false);
            lora_up = nn.Linear(rank, outFeatures, hasBias: false);
            using (no_grad())
            {
                double bound = 1 / Math.Sqrt(inElements);
                lora_down.weight!.uniform_(-bound, bound, generator);
                lora_up.weight!.zero_();
            }
            RegisterComponents();
        }
    }
}
