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
}
