using System.Runtime.InteropServices;
using LatentSharp.Performance;

namespace LatentSharp.Tests.Performance;

public class TorchRuntimeTests
{
    [DllImport("libc", EntryPoint = "getenv")]
    static extern IntPtr getenv([MarshalAs(UnmanagedType.LPUTF8Str)] string name);

    static string? NativeVariable(string name) => Marshal.PtrToStringUTF8(getenv(name));

    [Fact]
    public void TheNativeEnvironmentGetsThePassiveWaitPolicyUnlessTheUserSetOne()
    {
        if (!OperatingSystem.IsLinux()) return;
        TorchRuntime.PrepareNativeEnvironment();
        // .NET's own view is the environment the process started with: what the user set, if anything.
        string expected = Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") ?? TorchRuntime.WaitPolicy;
        Assert.Equal(expected, NativeVariable("OMP_WAIT_POLICY"));
        Assert.Equal(Environment.GetEnvironmentVariable("THP_MEM_ALLOC_ENABLE") ?? "1", NativeVariable("THP_MEM_ALLOC_ENABLE"));
    }

    [Fact]
    public void NnpackIsSwitchedOffInLibTorchsContext()
    {
        if (OperatingSystem.IsWindows()) return;
        using var loaded = TorchSharp.torch.zeros(1);  // LibTorch is loaded
        TorchRuntime.DisableNnpack();
        Assert.Equal(false, TorchRuntime.NnpackEnabled());
    }

    /// <summary>Whether this thread's arithmetic flushes a denormal: 1e-39 (below float's smallest normal, 1.2e-38) times two.</summary>
    internal static bool FlushesDenormals()
    {
        using var tiny = TorchSharp.torch.tensor(new[] { 1e-39f });
        using var doubled = tiny * 2;
        return doubled.item<float>() == 0;
    }

    [Fact]
    public void DenormalsAreFlushedOnTheThreadAndOnThreadsItStartsAfter()
    {
        if (OperatingSystem.IsWindows() || System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture != Architecture.X64) return;
        try
        {
            TorchRuntime.SetFlushDenormal(false);
            Assert.False(FlushesDenormals());   // the test could fail: without the switch the product is 2e-39
            Assert.True(TorchRuntime.FlushDenormals());
            Assert.True(FlushesDenormals());
            bool? started = null;
            var thread = new Thread(() => started = FlushesDenormals());
            thread.Start();
            thread.Join();
            Assert.True(started);
        }
        finally
        {
            TorchRuntime.SetFlushDenormal(false);
        }
    }
}
