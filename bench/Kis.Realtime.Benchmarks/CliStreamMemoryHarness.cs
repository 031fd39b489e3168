using System.Globalization;
using Kis.Realtime.Simulator;

namespace Kis.Realtime.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project bench/Kis.Realtime.Benchmarks -- stream-memory [seconds] [rounds] [native-kisrt|-] [steady|flat-out]</c>:
/// the resident memory of <c>kisrt stream --format jsonl</c> as a whole process, at 1,250 records/s over the five
/// default subscriptions (steady: the median of samples taken every 250 ms after 8 s of warm-up; and the process's
/// peak) and flat out (its peak). The yardstick in the same run is the JIT kisrt (<c>dotnet kisrt.dll</c>); the figure
/// under test a Native AOT kisrt (<c>dotnet publish src/Kis.Realtime.Cli -c Release -r linux-x64 -p:PublishAot=true</c>),
/// given by path (or <c>-</c> for none), the two in turn. A path ending in <c>.dll</c> is another JIT build (e.g. a
/// ReadyToRun publish, or one with other runtimeconfig settings), run with <c>dotnet</c> and labelled <c>dll</c>. The last argument runs one of the two paces
/// only. Each run also prints the highest resident memory of each 4 s (30 s for runs of a minute or more) from the child's start (warm-up included), to
/// show whether it grows and when the peak came.
/// The simulator runs in this process, so its memory is not counted.
/// </summary>
internal static class CliStreamMemoryHarness
{
    public static async Task<int> RunAsync(string[] args)
    {
        var seconds = args.Length > 1 ? double.Parse(args[1], CultureInfo.InvariantCulture) : 30;
        var rounds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 3;
        List<(string Name, string Path)> builds = [("jit", Path.Combine(AppContext.BaseDirectory, "kisrt.dll"))];
        if (args.Length > 3 && args[3] != "-") builds.Add((args[3].EndsWith(".dll", StringComparison.Ordinal) ? "dll" : "aot", Path.GetFullPath(args[3])));
        var only = args.Length > 4 ? args[4] : null;
        Console.WriteLine($"kisrt stream --format jsonl, resident memory ({seconds:0} s windows after 8 s of warm-up)");
        foreach (var (pace, label) in new[] { (MarketPace.PerSecond(250), "1,250/s"), (MarketPace.FlatOut, "flat-out") })
        {
            if (only is not null && only != (pace == MarketPace.FlatOut ? "flat-out" : "steady")) continue;
            for (var round = 0; round < rounds; round++)
            {
                foreach (var (name, path) in builds)
                {
                    var (steady, peak, records, curve) = await MeasureAsync(path, pace, TimeSpan.FromSeconds(seconds));
                    Console.WriteLine($"  {label,-8} {name} round {round + 1}: steady {steady,6:0.0} MiB  peak {peak,6:0.0} MiB  ({records:N0} records, load " +
                        $"{LoadAverage()})");
                    Console.WriteLine($"           highest each {SlotSeconds(TimeSpan.FromSeconds(seconds))} s from the start: " +
                        $"{string.Join(" ", curve.Select(m => m.ToString("0", CultureInfo.InvariantCulture)))} MiB");
                }
            }
        }
        return 0;
    }

    private static async Task<(double SteadyMiB, double PeakMiB, long Records, List<double> Curve)> MeasureAsync(string kisrt, MarketPace pace, TimeSpan window)
    {
        await using var sim = await KisSimulator.StartAsync(SimulatorOptions.Default with { Pace = pace, MaxRecordsPerFrame = 1 });
        await using var child = new KisrtStreamChild(kisrt, sim);
        var pid = child.Process.Id;
        var samples = new List<double>();
        var curve = new List<double>(); // from the child's start, warm-up included: a peak shows when it happened
        var lines0 = 0L;
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(250));
        var start = DateTime.UtcNow;
        var warm = start + TimeSpan.FromSeconds(8); // connect, subscribe, tiered compilation
        var end = warm + window;
        while (DateTime.UtcNow < end && await timer.WaitForNextTickAsync())
        {
            if (Status(pid, "VmRSS:") is not { } rss) continue;
            var now = DateTime.UtcNow;
            if (now >= warm)
            {
                if (samples.Count == 0) lines0 = child.Lines;
                samples.Add(rss);
            }
            var slot = (int)((now - start).TotalSeconds / SlotSeconds(window));
            while (curve.Count <= slot) curve.Add(0);
            curve[slot] = Math.Max(curve[slot], rss);
        }
        var peak = Status(pid, "VmHWM:") ?? double.NaN;
        var records = child.Lines - lines0;
        if (records == 0 || samples.Count == 0) throw new InvalidOperationException("kisrt wrote no record: " + await child.FailureAsync());
        samples.Sort();
        return (samples[samples.Count / 2], peak, records, curve);
    }

    private static int SlotSeconds(TimeSpan window) => window >= TimeSpan.FromMinutes(1) ? 30 : 4;

    /// <summary>A figure of /proc/PID/status in MiB (VmRSS: resident now; VmHWM: the process's peak).</summary>
    private static double? Status(int pid, string field)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal));
            return line is null ? null : long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024.0;
        }
        catch (IOException)
        {
            return null; // the process has exited
        }
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";
}
