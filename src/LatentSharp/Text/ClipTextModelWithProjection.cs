using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LatentSharp.Text;

/// <summary>
/// transformers' CLIPTextModelWithProjection, SDXL's second text encoder (OpenCLIP ViT-bigG's text tower): the
/// CLIP text transformer plus <c>text_projection</c>, a bias-free linear map of the pooled output into the
/// joint image-text space (<c>text_embeds</c>, SDXL's pooled conditioning). Submodule names equal the checkpoint keys.
/// </summary>
public sealed class ClipTextModelWithProjection : nn.Module<Tensor, ClipTextOutput>
{
    readonly ClipTextTransformer text_model;
    readonly Linear text_projection;

    /// <param name="device">Where to build the parameters; the meta device builds shapes only (see ParameterStorage).</param>
    public ClipTextModelWithProjection(ClipTextConfig config, Device? device = null) : base(nameof(ClipTextModelWithProjection))
    {
        Config = config.Validate();
        text_model = new ClipTextTransformer(config, device);
        text_projection = nn.Linear(config.HiddenSize, config.ProjectionDim, hasBias: false, device: device);
        RegisterComponents();
    }

    public ClipTextConfig Config { get; }

    /// <summary>The transformer's outputs (last hidden state, pooled output before the projection, every layer's hidden state).</summary>
    public override ClipTextOutput forward(Tensor inputIds) => text_model.forward(inputIds);

    /// <summary>text_embeds = text_projection(pooler_output), [B, projection_dim].</summary>
    public Tensor TextEmbeds(Tensor poolerOutput) => text_projection.forward(poolerOutput);
}
