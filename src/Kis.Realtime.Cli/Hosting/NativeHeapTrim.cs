using System.Runtime.InteropServices;

namespace Kis.Realtime.Cli.Hosting;

/// <summary>
/// Hands the C heap's free pages back to the operating system every few seconds (glibc's <c>malloc_trim</c>). Why:
/// the JIT compiles on its own thread, and what it frees stays in that thread's malloc arena, resident for the life of
/// the process: about 3.5 MiB of a JIT <c>kisrt stream</c>'s 60 (docs/performance.md). The managed heap is the GC's
/// and is not touched. Where the C library has no <c>malloc_trim</c> (musl) or on another OS, nothing is done.
/// Started by kisrt's entry point only: a program hosting the library decides this for its own process.
/// </summary>
internal static class NativeHeapTrim
{
    /// <summary>How often: the first trim comes once start-up's compilations are done, later ones after re-compilation
    /// at tier 1 and after a reconnection. One trim of heaps this size takes microseconds.</summary>
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(10);

    /// <summary>Starts trimming every <see cref="Period"/>; null where it cannot be done here.</summary>
    public static IDisposable? Start() => OperatingSystem.IsLinux() && TryTrim() ? new Timer(static _ => TryTrim(), null, Period, Period) : null;

    /// <summary>Trims the C heap once; false where the C library has no <c>malloc_trim</c>.</summary>
    internal static bool TryTrim()
    {
        try
        {
            MallocTrim(0);
            return true;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    // glibc's soname: "libc" alone would probe for libc.so, which only the development package installs.
    [DllImport("libc.so.6", EntryPoint = "malloc_trim", ExactSpelling = true)]
    private static extern int MallocTrim(nuint pad);
}
