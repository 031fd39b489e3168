using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Kis.Realtime.Benchmarks;

/// <summary>
/// <c>-- backtest-process [runs] [NAME=KISRT ...]</c>: a fresh <c>kisrt backtest</c> as a user runs it, a whole process
/// over a 1,000,000-record day (<see cref="SyntheticRecording.WriteTradingDay"/>: 500,000 trades of 005930 each followed
/// by its book, 09:00–15:30), paired run by run with <c>kisrt decode</c> of the same day's raw.log (standard output
/// drained), so a machine shared with other work moves both alike and their ratio holds. Each KISRT is kisrt.dll (run
/// with <c>dotnet</c>, as <c>dotnet run</c> and the tool do) or an executable (a Native AOT or ReadyToRun publish);
/// by default the kisrt.dll built beside this harness. Per build: wall and CPU (user + system, the reaped child's own
/// accounting) of each command, the records per wall-second of the backtest and the ratio backtest ÷ decode, as
/// median (min–max) after one warm-up pair. <c>-- backtest-day DIR [trades]</c> writes that day, for timing by hand.
/// </summary>
internal static class BacktestProcessHarness
{
    private const int Trades = 500_000;
    private const int Records = Trades * 2;

    public static int WriteDay(string[] args)
    {
        var trades = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : Trades;
        SyntheticRecording.WriteTradingDay(args[1], trades, interval: TimeSpan.FromHours(6.5) / trades);
        Console.WriteLine($"{trades * 2:N0} records -> {Path.Combine(args[1], "2026-11-23", "raw.log")}");
        return 0;
    }

    public static async Task<int> RunAsync(string[] args)
    {
        var runs = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;
        var builds = args.Skip(2).Select(a => a.Split('=', 2)).Select(p => (Name: p[0], Path: p[1])).ToList();
        if (builds.Count == 0) builds.Add(("jit", Path.Combine(AppContext.BaseDirectory, "kisrt.dll")));
        var directory = Directory.CreateTempSubdirectory("kisrt-backtest-process-").FullName;
        try
        {
            SyntheticRecording.WriteTradingDay(directory, Trades, interval: TimeSpan.FromHours(6.5) / Trades);
            var raw = Path.Combine(directory, "2026-11-23", "raw.log");
            Console.WriteLine($"a fresh kisrt backtest over {Records:N0} records ({new FileInfo(raw).Length / 1048576.0:0} MiB), paired with kisrt decode; " +
                              $"{runs} pairs a build after one warm-up; load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
            foreach (var (name, kisrt) in builds)
            {
                var output = Path.Combine(directory, "out-" + name);
                string[] backtest = ["backtest", "--replay", directory, "--out", output];
                string[] decode = ["decode", raw];
                var pairs = new List<(Timing Backtest, Timing Decode)>();
                for (var run = 0; run <= runs; run++)
                {
                    var pair = (await TimeAsync(kisrt, backtest), await TimeAsync(kisrt, decode));
                    if (run > 0) pairs.Add(pair);
                }
                Console.WriteLine($"{name} ({kisrt}), load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}:");
                Console.WriteLine($"  backtest wall {Spread(pairs.Select(p => p.Backtest.Wall))} s, CPU {Spread(pairs.Select(p => p.Backtest.Cpu))} s, " +
                                  $"{Spread(pairs.Select(p => Records / p.Backtest.Wall / 1e6))} M records a wall-second");
                Console.WriteLine($"  decode   wall {Spread(pairs.Select(p => p.Decode.Wall))} s, CPU {Spread(pairs.Select(p => p.Decode.Cpu))} s");
                Console.WriteLine($"  backtest / decode wall {Spread(pairs.Select(p => p.Backtest.Wall / p.Decode.Wall))}, " +
                                  $"CPU {Spread(pairs.Select(p => p.Backtest.Cpu / p.Decode.Cpu))}");
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
        return 0;
    }

    private readonly record struct Timing(double Wall, double Cpu);

    /// <summary>One whole process: wall from start to reaped, CPU from the children's resource usage around it.</summary>
    private static async Task<Timing> TimeAsync(string kisrt, string[] arguments)
    {
        var start = kisrt.EndsWith(".dll", StringComparison.Ordinal)
            ? new ProcessStartInfo("dotnet", [kisrt, .. arguments])
            : new ProcessStartInfo(kisrt, arguments);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        // As a user runs it, nothing else: no appsettings.json of the current folder, no KIS settings of this environment.
        start.WorkingDirectory = Path.GetTempPath();
        var settings = start.Environment.Keys.Where(k => k.StartsWith("KIS_", StringComparison.Ordinal) || k.StartsWith("KISRT_", StringComparison.Ordinal));
        foreach (var name in settings.ToList())
            start.Environment.Remove(name);
        var cpuBefore = ChildrenCpuSeconds();
        var wall = Stopwatch.StartNew();
        using var child = Process.Start(start)!;
        var drained = child.StandardOutput.BaseStream.CopyToAsync(Stream.Null);
        var errors = child.StandardError.ReadToEndAsync();
        await child.WaitForExitAsync();
        wall.Stop();
        await drained;
        if (child.ExitCode != 0)
            throw new InvalidOperationException($"kisrt {string.Join(' ', arguments)} exited {child.ExitCode}: {await errors}");
        return new Timing(wall.Elapsed.TotalSeconds, ChildrenCpuSeconds() - cpuBefore);
    }

    private static string Spread(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return FormattableString.Invariant($"{sorted[sorted.Count / 2]:F2} ({sorted[0]:F2}–{sorted[^1]:F2})");
    }

    /// <summary>User + system CPU of every reaped child of this process (getrusage RUSAGE_CHILDREN, Linux x64 layout).</summary>
    private static double ChildrenCpuSeconds()
    {
        if (GetResourceUsage(-1, out var usage) != 0) throw new InvalidOperationException("getrusage failed");
        return usage.UserSeconds + usage.UserMicroseconds / 1e6 + usage.SystemSeconds + usage.SystemMicroseconds / 1e6;
    }

    [DllImport("libc", EntryPoint = "getrusage", SetLastError = true)]
    private static extern int GetResourceUsage(int who, out ResourceUsage usage);

    [StructLayout(LayoutKind.Sequential)]
    private struct ResourceUsage
    {
        public long UserSeconds, UserMicroseconds, SystemSeconds, SystemMicroseconds;
        [MarshalAs(UnmanagedType.ByValArray, SizeConst = 14)]
        public long[] Rest;
    }
}
