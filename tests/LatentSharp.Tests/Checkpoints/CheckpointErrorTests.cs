using LatentSharp.Checkpoints;
using LatentSharp.Tests.Support;
using static TorchSharp.torch;

namespace LatentSharp.Tests.Checkpoints;

/// <summary>Bad model files fail with one line that names the file and the fault.</summary>
public class CheckpointErrorTests
{
    const string UNetWeights = "unet/diffusion_pytorch_model.safetensors";

    /// <summary>A copy of tiny-sd1 whose U-Net weights were edited by <paramref name="edit"/>.</summary>
    static string Sd1WithEditedUNet(TempFolder temp, Action<Dictionary<string, Tensor>> edit)
    {
        string folder = temp.CopyOf(Fixtures.TinySd1, "model");
        string path = Path.Combine(folder, UNetWeights);
        Dictionary<string, Tensor> tensors;
        using (var file = SafetensorsFile.Open(path)) tensors = file.ReadAll();
        edit(tensors);
        SafetensorsWriter.Write(path, tensors);
        foreach (var t in tensors.Values) t.Dispose();
        return folder;
    }

    static CheckpointException LoadFails(string path)
    {
        var e = Assert.Throws<CheckpointException>(() => StableDiffusionModel.Load(path).Dispose());
        Assert.DoesNotContain('\n', e.Message);
        return e;
    }

    [Fact]
    public void MissingWeightIsNamed()
    {
        using var temp = new TempFolder();
        string folder = Sd1WithEditedUNet(temp, t =>
        {
            t.Remove("mid_block.resnets.1.conv2.bias", out var removed);
            removed!.Dispose();
        });
        var e = LoadFails(folder);
        Assert.EndsWith(UNetWeights, e.Path.Replace('\\', '/'));
        Assert.Contains("1 weight missing (mid_block.resnets.1.conv2.bias)", e.Message);
    }

    [Fact]
    public void UnexpectedWeightsAreNamedWithACount()
    {
        using var temp = new TempFolder();
        string folder = Sd1WithEditedUNet(temp, t =>
        {
            for (int i = 0; i < 5; i++) t[$"extra.{i}.weight"] = zeros(3);
        });
        var e = LoadFails(folder);
        Assert.Contains("5 unexpected weights (extra.0.weight, extra.1.weight, extra.2.weight, … 2 more)", e.Message);
    }

    [Fact]
    public void MisShapedWeightIsNamedWithBothShapes()
    {
        using var temp = new TempFolder();
        string folder = Sd1WithEditedUNet(temp, t => t["conv_in.weight"] = zeros(32, 4, 5, 5));
        var e = LoadFails(folder);
        Assert.Contains("1 mis-shaped weight (conv_in.weight [32, 4, 5, 5] in the file, [32, 4, 3, 3] expected)", e.Message);
    }

    [Fact]
    public void TruncatedFileIsReported()
    {
        using var temp = new TempFolder();
        string folder = temp.CopyOf(Fixtures.TinySd1, "model");
        string path = Path.Combine(folder, UNetWeights);
        using (var stream = File.OpenWrite(path)) stream.SetLength(stream.Length / 2);
        var e = LoadFails(folder);
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void PickleCheckpointIsRefusedWithTheConversionCommand()
    {
        using var temp = new TempFolder();
        string path = temp["model.ckpt"];
        File.WriteAllBytes(path, [0x80, 0x02, (byte)'}', (byte)'q']);
        var e = LoadFails(path);
        Assert.Contains("pickle", e.Message);
        Assert.Contains("safetensors.torch", e.Message);
        Assert.Contains("model.safetensors", e.Message);
    }

    [Fact]
    public void PickleContentIsRefusedWhateverTheExtension()
    {
        using var temp = new TempFolder();
        string path = temp["model.safetensors"];
        File.WriteAllBytes(path, [(byte)'P', (byte)'K', 3, 4, 0, 0, 0, 0, 0, 0, 0, 0]);
        Assert.Contains("pickle", LoadFails(path).Message);
    }

    [Fact]
    public void PickledFolderWeightsAreRefused()
    {
        using var temp = new TempFolder();
        string folder = temp.CopyOf(Fixtures.TinySd1, "model");
        File.Move(Path.Combine(folder, UNetWeights), Path.Combine(folder, "unet/diffusion_pytorch_model.bin"));
        var e = LoadFails(folder);
        Assert.Contains("pickle", e.Message);
        Assert.Contains("save_pretrained", e.Message);
    }

    [Fact]
    public void WrongPathIsReported()
    {
        var e = LoadFails("/nonexistent/model.safetensors");
        Assert.Equal("/nonexistent/model.safetensors: no such file or folder", e.Message);
    }

    [Fact]
    public void FolderWithoutModelIndexIsReported()
    {
        using var temp = new TempFolder();
        Assert.Contains("no model_index.json", LoadFails(temp.Path).Message);
    }

    [Fact]
    public void SafetensorsFileWithoutAUNetIsNotAStableDiffusionCheckpoint()
    {
        var e = LoadFails(Path.Combine(Fixtures.TinySd1, "text_encoder/model.safetensors"));
        Assert.Contains("not a Stable Diffusion checkpoint", e.Message);
    }

    [Fact]
    public void NonModelFileIsReported()
    {
        using var temp = new TempFolder();
        string path = temp["notes.txt"];
        File.WriteAllText(path, "just some text, long enough to have a header length");
        Assert.Equal($"{path}: is neither a diffusers pipeline folder nor a .safetensors checkpoint", LoadFails(path).Message);
    }

    [Fact]
    public void TokenizerFolderWithoutVocabularyIsRejected()
    {
        using var temp = new TempFolder();
        var e = Assert.Throws<CheckpointException>(() => StableDiffusionModel.Load(Fixtures.TinySd1, tokenizerPath: temp.Path).Dispose());
        Assert.Contains("not a CLIP tokenizer folder", e.Message);
    }
}
