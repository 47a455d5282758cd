using static TorchSharp.torch;

namespace LatentSharp.Tests.Support;

/// <summary>
/// Compares every reference tensor of a fixture case (all out.* and dbg.*) with what our code produced
/// under the same name; a reference tensor without a counterpart fails the test.
/// </summary>
public static class ParityCheck
{
    public static void AllReferenceTensors(string caseName, Dictionary<string, Tensor> reference, IReadOnlyDictionary<string, Tensor> actual)
    {
        double atol = Fixtures.Atol(caseName);
        var expectedNames = reference.Keys.Where(k => k.StartsWith("out.", StringComparison.Ordinal) || k.StartsWith("dbg.", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(expectedNames);
        var notComputed = expectedNames.Where(n => !actual.ContainsKey(n)).ToList();
        Assert.True(notComputed.Count == 0, $"{caseName}: no value computed for {string.Join(", ", notComputed)}");
        foreach (var name in expectedNames) TensorAssert.Close(reference[name], actual[name], atol, $"{caseName} {name}");
    }
}
