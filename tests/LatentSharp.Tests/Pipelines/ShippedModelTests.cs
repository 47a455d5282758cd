using LatentSharp.Checkpoints;
using LatentSharp.Evaluation;
using LatentSharp.Pipelines;
using LatentSharp.Tests.Support;
using LatentSharp.Shapes;

namespace LatentSharp.Tests.Pipelines;

/// <summary>
/// The model in models/shapes is what a new user's first command runs: it must stay a small, standard
/// diffusers folder, and the README's prompt must give the image it names (all but the position).
/// </summary>
public class ShippedModelTests
{
    const string ReadmePrompt = "a large red circle in the center on a blue background";

    [Fact]
    public void IsAStandardPipelineFolderOfAtMostThirtyMegabytes()
    {
        string folder = ShippedModel.Folder;
        long bytes = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
        Assert.InRange(bytes, 1, 30L * 1000 * 1000);
        foreach (var part in new[] { "unet", "vae", "text_encoder", "tokenizer", "scheduler" })
            Assert.True(Directory.Exists(Path.Combine(folder, part)), $"models/shapes/{part} is missing");
        Assert.True(File.Exists(Path.Combine(folder, "unet", "diffusion_pytorch_model.safetensors")));
    }

    [Fact]
    public void ItsSchedulerConfigIsOneDiffusersLoadsWithoutADeprecationWarning()
    {
        // diffusers' StableDiffusionPipeline warns about any steps_offset other than 1 (trailing spacing ignores it).
        var config = LatentSharp.Schedulers.SchedulerConfig.FromJson(File.ReadAllText(Path.Combine(ShippedModel.Folder, "scheduler", "scheduler_config.json")));
        Assert.Equal(1, config.StepsOffset);
        Assert.Equal("trailing", config.TimestepSpacing);
    }

    [Fact]
    public void TheReadmePromptGivesWhatItNamesAtTheDefaultSettings()
    {
        using var pipeline = StableDiffusionPipeline.Load(ShippedModel.Folder);
        var request = new GenerationRequest { Prompt = ReadmePrompt, Seed = 0, BatchSize = 4 };
        using var result = pipeline.Generate(request);

        var verdicts = result.Images.Select(ShapesJudge.Judge).ToList();
        // Position is not asserted: the model ignores position words (README, "The shipped model").
        int right = verdicts.Count(v => v.Found && v.Shape == ShapeKind.Circle && v.Color == ShapeColor.Red
                                        && v.Background == ShapeColor.Blue && v.Size == ShapeSize.Large);
        Assert.True(right >= 3, "the judge read: " + string.Join("; ", verdicts.Select(v => $"{v.Size} {v.Color} {v.Shape} {v.Position} on {v.Background}")));
    }
}
