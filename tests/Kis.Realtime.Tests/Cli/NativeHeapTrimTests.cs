using Kis.Realtime.Cli.Hosting;

namespace Kis.Realtime.Tests.Cli;

/// <summary>kisrt's periodic <c>malloc_trim</c> binds to the C library here (glibc) and starts; elsewhere it does nothing.</summary>
public sealed class NativeHeapTrimTests
{
    [Fact]
    public void Trimming_binds_to_the_c_library_and_starts_on_linux()
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.Null(NativeHeapTrim.Start());
            return;
        }
        Assert.True(NativeHeapTrim.TryTrim(), "malloc_trim not found in libc.so.6");
        using var trimming = NativeHeapTrim.Start();
        Assert.NotNull(trimming);
    }
}
