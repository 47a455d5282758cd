using System.Globalization;
using System.Text.Json;
using LatentSharp.Checkpoints;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LatentSharp.Training;

/// <summary>
/// A resumable snapshot of a run, one folder per checkpoint under the run's <c>checkpoints/</c>:
/// <c>weights.safetensors</c> (the trained parameters, float32), <c>ema.safetensors</c> (the averaged ones),
/// <c>optimizer.bin</c> (AdamW's moments and step counts, TorchSharp's state-dict format) and
/// <c>state.json</c> (<see cref="TrainingState"/>). A checkpoint is written into a temporary folder that is
/// renamed to <c>step_NNNNNNN</c> when complete, so a crash at any moment leaves the previous checkpoints
/// intact and never a half-written one under a checkpoint name. The newest and one previous are kept.
/// </summary>
internal static class TrainingCheckpoint
{
    const string Prefix = "step_";
    const string WeightsFile = "weights.safetensors", EmaFile = "ema.safetensors", OptimizerFile = "optimizer.bin", StateFile = "state.json";
    const int Kept = 2;

    static readonly JsonSerializerOptions Json = new(ConfigJson.Options) { WriteIndented = true };

    /// <summary>Writes a checkpoint of step <paramref name="state"/>.Step and removes all but the newest two.</summary>
    /// <returns>The checkpoint's folder.</returns>
    public static string Save(string checkpointsDir, TrainingState state, ModuleGroup trainable, TrainingLoop loop)
    {
        Directory.CreateDirectory(checkpointsDir);
        string target = Path.Combine(checkpointsDir, FolderName(state.Step));
        if (Directory.Exists(target)) return target;
        AtomicFolder.Write(target, staging =>
        {
            SafetensorsWriter.Write(Path.Combine(staging, WeightsFile), trainable.named_parameters().Select(p => KeyValuePair.Create(p.name, (Tensor)p.parameter)));
            if (loop.Ema is { } ema) SafetensorsWriter.Write(Path.Combine(staging, EmaFile), ema.StateDict());
            AtomicFile.Write(Path.Combine(staging, OptimizerFile), stream =>
            {
                using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
                loop.Optimizer.save_state_dict(writer);
            });
            AtomicFile.WriteAllText(Path.Combine(staging, StateFile), JsonSerializer.Serialize(state, Json));
        });
        foreach (var old in Complete(checkpointsDir).Skip(Kept)) Directory.Delete(old, recursive: true);
        foreach (var leftover in Directory.EnumerateDirectories(checkpointsDir, ".*.tmp")) Directory.Delete(leftover, recursive: true);
        return target;
    }

    /// <summary>
    /// Restores the newest checkpoint that reads back completely (an older one if the newest is damaged)
    /// into the trained parameters, the EMA and the optimizer.
    /// </summary>
    /// <returns>The restored state, or null when the run has no checkpoint yet.</returns>
    public static TrainingState? LoadLatest(string checkpointsDir, ModuleGroup trainable, TrainingLoop loop)
    {
        var failures = new List<string>();
        foreach (var folder in Complete(checkpointsDir))
        {
            try
            {
                return Load(folder, trainable, loop);
            }
            catch (Exception e) when (e is CheckpointException or LatentSharpException or IOException or JsonException or InvalidDataException or ArgumentException)
            {
                failures.Add($"{Path.GetFileName(folder)}: {e.Message}");
            }
        }
        if (failures.Count > 0) throw new LatentSharpException($"{checkpointsDir}: no checkpoint could be read ({string.Join("; ", failures)})");
        return null;
    }

    static TrainingState Load(string folder, ModuleGroup trainable, TrainingLoop loop)
    {
        var state = ReadState(Path.Combine(folder, StateFile));
        using (var weights = SafetensorsFile.Open(Path.Combine(folder, WeightsFile)))
            WeightLoader.Load(trainable, ComponentWeights.SameNames(weights), ScalarType.Float32);
        if (loop.Ema is { } ema)
        {
            using var file = SafetensorsFile.Open(Path.Combine(folder, EmaFile));
            var shadows = file.ReadAll(ScalarType.Float32);
            try { ema.Load(shadows); }
            finally { foreach (var t in shadows.Values) t.Dispose(); }
            ema.Updates = state.EmaUpdates;
        }
        using (var stream = File.OpenRead(Path.Combine(folder, OptimizerFile)))
        using (var reader = new BinaryReader(stream))
            loop.Optimizer.load_state_dict(reader);
        return state;
    }

    static TrainingState ReadState(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<TrainingState>(File.ReadAllText(path), Json) ?? throw new CheckpointException(path, "empty state");
        }
        catch (FileNotFoundException) { throw new CheckpointException(path, "file not found"); }
    }

    /// <summary>Complete checkpoint folders, newest first.</summary>
    public static IReadOnlyList<string> Complete(string checkpointsDir) =>
        !Directory.Exists(checkpointsDir) ? [] :
        Directory.EnumerateDirectories(checkpointsDir, Prefix + "*")
            .Select(d => (Dir: d, Step: StepOf(Path.GetFileName(d))))
            .Where(c => c.Step >= 0)
            .OrderByDescending(c => c.Step)
            .Select(c => c.Dir)
            .ToList();

    static string FolderName(long step) => Prefix + step.ToString("D7", CultureInfo.InvariantCulture);

    static long StepOf(string name) =>
        name.StartsWith(Prefix, StringComparison.Ordinal) && long.TryParse(name[Prefix.Length..], NumberStyles.None, CultureInfo.InvariantCulture, out long step)
            ? step : -1;
}
