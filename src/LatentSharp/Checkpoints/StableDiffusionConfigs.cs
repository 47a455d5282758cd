using LatentSharp.Autoencoder;
using LatentSharp.Text;
using LatentSharp.UNet;

namespace LatentSharp.Checkpoints;

/// <summary>
/// The published configs of the reference models, as their diffusers repositories ship them: the shape of a
/// real model without its weights (random-weight benchmarks, and the defaults single-file loading starts from).
/// </summary>
public static class StableDiffusionConfigs
{
    static readonly Lazy<StableDiffusionConfigSet> sd15 = new(() => Parse(StableDiffusionKind.Sd1, Sd15TextEncoder, Sd15Unet, Sd15Vae, Sd15Scheduler));
    static readonly Lazy<StableDiffusionConfigSet> sd21 = new(() => Parse(StableDiffusionKind.Sd2, Sd21TextEncoder, Sd21Unet, Sd21Vae, Sd21Scheduler));
    static readonly Lazy<StableDiffusionConfigSet> sdxl = new(() => Parse(StableDiffusionKind.Sdxl, SdxlTextEncoder, SdxlUnet, SdxlVae, SdxlScheduler) with
    {
        TextEncoder2 = ConfigJson.Parse<ClipTextConfig>(SdxlTextEncoder2, "built-in text_encoder_2 config"),
        ForceZerosForEmptyPrompt = true,
    });

    /// <summary>runwayml/stable-diffusion-v1-5: 512², ε-prediction, PNDM.</summary>
    public static StableDiffusionConfigSet Sd15 => sd15.Value;

    /// <summary>stabilityai/stable-diffusion-2-1: 768², v-prediction, DDIM.</summary>
    public static StableDiffusionConfigSet Sd21 => sd21.Value;

    /// <summary>stabilityai/stable-diffusion-xl-base-1.0: 1024², ε-prediction, Euler; two text encoders (SDXL-Turbo has the same shape).</summary>
    public static StableDiffusionConfigSet Sdxl => sdxl.Value;

    public static StableDiffusionConfigSet For(StableDiffusionKind kind) => kind switch
    {
        StableDiffusionKind.Sd1 => Sd15,
        StableDiffusionKind.Sd2 => Sd21,
        _ => Sdxl,
    };

    static StableDiffusionConfigSet Parse(StableDiffusionKind kind, string text, string unet, string vae, string scheduler) => new(
        kind,
        ConfigJson.Parse<ClipTextConfig>(text, "built-in text encoder config"),
        ConfigJson.Parse<UNet2DConditionConfig>(unet, "built-in unet config"),
        ConfigJson.Parse<AutoencoderKLConfig>(vae, "built-in vae config"),
        scheduler);

    const string Sd15TextEncoder = """
        {
          "architectures": ["CLIPTextModel"], "attention_dropout": 0.0, "bos_token_id": 0, "dropout": 0.0, "eos_token_id": 2,
          "hidden_act": "quick_gelu", "hidden_size": 768, "initializer_factor": 1.0, "initializer_range": 0.02,
          "intermediate_size": 3072, "layer_norm_eps": 1e-05, "max_position_embeddings": 77, "model_type": "clip_text_model",
          "num_attention_heads": 12, "num_hidden_layers": 12, "pad_token_id": 1, "projection_dim": 768,
          "torch_dtype": "float32", "vocab_size": 49408
        }
        """;

    const string Sd15Unet = """
        {
          "_class_name": "UNet2DConditionModel", "act_fn": "silu", "attention_head_dim": 8,
          "block_out_channels": [320, 640, 1280, 1280], "center_input_sample": false, "cross_attention_dim": 768,
          "down_block_types": ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"],
          "downsample_padding": 1, "flip_sin_to_cos": true, "freq_shift": 0, "in_channels": 4, "layers_per_block": 2,
          "mid_block_scale_factor": 1, "norm_eps": 1e-05, "norm_num_groups": 32, "out_channels": 4, "sample_size": 64,
          "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"]
        }
        """;

    const string Sd15Vae = """
        {
          "_class_name": "AutoencoderKL", "act_fn": "silu", "block_out_channels": [128, 256, 512, 512],
          "down_block_types": ["DownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D"],
          "in_channels": 3, "latent_channels": 4, "layers_per_block": 2, "norm_num_groups": 32, "out_channels": 3,
          "sample_size": 512, "scaling_factor": 0.18215,
          "up_block_types": ["UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D"]
        }
        """;

    const string Sd15Scheduler = """
        {
          "_class_name": "PNDMScheduler",
          "beta_end": 0.012,
          "beta_schedule": "scaled_linear",
          "beta_start": 0.00085,
          "clip_sample": false,
          "num_train_timesteps": 1000,
          "prediction_type": "epsilon",
          "set_alpha_to_one": false,
          "skip_prk_steps": true,
          "steps_offset": 1,
          "timestep_spacing": "leading",
          "trained_betas": null
        }
        """;

    const string Sd21TextEncoder = """
        {
          "architectures": ["CLIPTextModel"], "attention_dropout": 0.0, "bos_token_id": 0, "dropout": 0.0, "eos_token_id": 2,
          "hidden_act": "gelu", "hidden_size": 1024, "initializer_factor": 1.0, "initializer_range": 0.02,
          "intermediate_size": 4096, "layer_norm_eps": 1e-05, "max_position_embeddings": 77, "model_type": "clip_text_model",
          "num_attention_heads": 16, "num_hidden_layers": 23, "pad_token_id": 1, "projection_dim": 512,
          "torch_dtype": "float32", "vocab_size": 49408
        }
        """;

    const string Sd21Unet = """
        {
          "_class_name": "UNet2DConditionModel", "act_fn": "silu", "attention_head_dim": [5, 10, 20, 20],
          "block_out_channels": [320, 640, 1280, 1280], "center_input_sample": false, "cross_attention_dim": 1024,
          "down_block_types": ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"],
          "downsample_padding": 1, "dual_cross_attention": false, "flip_sin_to_cos": true, "freq_shift": 0, "in_channels": 4,
          "layers_per_block": 2, "mid_block_scale_factor": 1, "norm_eps": 1e-05, "norm_num_groups": 32, "num_class_embeds": null,
          "only_cross_attention": false, "out_channels": 4, "sample_size": 96,
          "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"],
          "upcast_attention": true, "use_linear_projection": true
        }
        """;

    const string Sd21Vae = """
        {
          "_class_name": "AutoencoderKL", "act_fn": "silu", "block_out_channels": [128, 256, 512, 512],
          "down_block_types": ["DownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D"],
          "in_channels": 3, "latent_channels": 4, "layers_per_block": 2, "norm_num_groups": 32, "out_channels": 3,
          "sample_size": 768, "scaling_factor": 0.18215,
          "up_block_types": ["UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D"]
        }
        """;

    const string Sd21Scheduler = """
        {
          "_class_name": "DDIMScheduler",
          "beta_end": 0.012,
          "beta_schedule": "scaled_linear",
          "beta_start": 0.00085,
          "clip_sample": false,
          "num_train_timesteps": 1000,
          "prediction_type": "v_prediction",
          "set_alpha_to_one": false,
          "skip_prk_steps": true,
          "steps_offset": 1,
          "timestep_spacing": "leading",
          "trained_betas": null
        }
        """;

    const string SdxlTextEncoder = """
        {
          "architectures": ["CLIPTextModel"], "attention_dropout": 0.0, "bos_token_id": 0, "dropout": 0.0, "eos_token_id": 2,
          "hidden_act": "quick_gelu", "hidden_size": 768, "initializer_factor": 1.0, "initializer_range": 0.02,
          "intermediate_size": 3072, "layer_norm_eps": 1e-05, "max_position_embeddings": 77, "model_type": "clip_text_model",
          "num_attention_heads": 12, "num_hidden_layers": 12, "pad_token_id": 1, "projection_dim": 768,
          "torch_dtype": "float16", "vocab_size": 49408
        }
        """;

    const string SdxlTextEncoder2 = """
        {
          "architectures": ["CLIPTextModelWithProjection"], "attention_dropout": 0.0, "bos_token_id": 0, "dropout": 0.0, "eos_token_id": 2,
          "hidden_act": "gelu", "hidden_size": 1280, "initializer_factor": 1.0, "initializer_range": 0.02,
          "intermediate_size": 5120, "layer_norm_eps": 1e-05, "max_position_embeddings": 77, "model_type": "clip_text_model",
          "num_attention_heads": 20, "num_hidden_layers": 32, "pad_token_id": 1, "projection_dim": 1280,
          "torch_dtype": "float16", "vocab_size": 49408
        }
        """;

    const string SdxlUnet = """
        {
          "_class_name": "UNet2DConditionModel", "act_fn": "silu", "addition_embed_type": "text_time",
          "addition_embed_type_num_heads": 64, "addition_time_embed_dim": 256, "attention_head_dim": [5, 10, 20],
          "block_out_channels": [320, 640, 1280], "center_input_sample": false, "class_embed_type": null,
          "class_embeddings_concat": false, "conv_in_kernel": 3, "conv_out_kernel": 3, "cross_attention_dim": 2048,
          "cross_attention_norm": null, "down_block_types": ["DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"],
          "downsample_padding": 1, "dual_cross_attention": false, "encoder_hid_dim": null, "encoder_hid_dim_type": null,
          "flip_sin_to_cos": true, "freq_shift": 0, "in_channels": 4, "layers_per_block": 2, "mid_block_only_cross_attention": null,
          "mid_block_scale_factor": 1, "mid_block_type": "UNetMidBlock2DCrossAttn", "norm_eps": 1e-05, "norm_num_groups": 32,
          "num_attention_heads": null, "num_class_embeds": null, "only_cross_attention": false, "out_channels": 4,
          "projection_class_embeddings_input_dim": 2816, "resnet_out_scale_factor": 1.0, "resnet_skip_time_act": false,
          "resnet_time_scale_shift": "default", "sample_size": 128, "time_cond_proj_dim": null, "time_embedding_act_fn": null,
          "time_embedding_dim": null, "time_embedding_type": "positional", "timestep_post_act": null,
          "transformer_layers_per_block": [1, 2, 10], "up_block_types": ["CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"],
          "upcast_attention": null, "use_linear_projection": true
        }
        """;

    const string SdxlVae = """
        {
          "_class_name": "AutoencoderKL", "act_fn": "silu", "block_out_channels": [128, 256, 512, 512],
          "down_block_types": ["DownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D"],
          "force_upcast": true, "in_channels": 3, "latent_channels": 4, "layers_per_block": 2, "norm_num_groups": 32,
          "out_channels": 3, "sample_size": 1024, "scaling_factor": 0.13025,
          "up_block_types": ["UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D"]
        }
        """;

    const string SdxlScheduler = """
        {
          "_class_name": "EulerDiscreteScheduler",
          "beta_end": 0.012,
          "beta_schedule": "scaled_linear",
          "beta_start": 0.00085,
          "clip_sample": false,
          "interpolation_type": "linear",
          "num_train_timesteps": 1000,
          "prediction_type": "epsilon",
          "sample_max_value": 1.0,
          "set_alpha_to_one": false,
          "skip_prk_steps": true,
          "steps_offset": 1,
          "timestep_spacing": "leading",
          "trained_betas": null,
          "use_karras_sigmas": false
        }
        """;
}
