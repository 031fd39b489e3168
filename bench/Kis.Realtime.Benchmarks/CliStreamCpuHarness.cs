using System.Diagnostics;
using System.Globalization;
using Kis.Realtime.Simulator;

namespace Kis.Realtime.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project bench/Kis.Realtime.Benchmarks -- stream-cpu [seconds] [rounds]</c>: what
/// <c>kisrt stream --format jsonl</c> costs as a whole process at fixed rates (100, 1,250 and 10,000 records/s over the
/// five default subscriptions, one record a frame): its CPU time (user + system, every thread, runtime options
/// included) per record written, and the share of one core. The simulator runs in this process, so its CPU is not
/// counted; <c>kisrt</c> is the child whose standard output this process reads and counts line by line.
/// A figure per round and the median; the load average is printed beside it because the machine may be shared.
/// </summary>
internal static class CliStreamCpuHarness
{
    private static readonly int[] Rates = [100, 1_250, 10_000];

    public static async Task<int> RunAsync(string[] args)
    {
        var seconds = args.Length > 1 ? double.Parse(args[1], CultureInfo.InvariantCulture) : 20;
        var rounds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 3;
        var kisrt = Path.Combine(AppContext.BaseDirectory, "kisrt.dll");
        Console.WriteLine($"kisrt stream --format jsonl, CPU per record written ({seconds:0} s windows after 8 s of warm-up)");
        foreach (var rate in Rates)
        {
            var figures = new List<double>();
            for (var round = 0; round < rounds; round++)
            {
                var (perRecord, share, records) = await MeasureAsync(kisrt, rate, TimeSpan.FromSeconds(seconds));
                figures.Add(perRecord);
                Console.WriteLine($"  {rate,6:N0}/s  round {round + 1}: {perRecord,7:0.0} µs/record  {share,5:0.0}% of a core  ({records:N0} records, load {LoadAverage()})");
            }
            figures.Sort();
            Console.WriteLine($"  {rate,6:N0}/s  median: {figures[figures.Count / 2]:0.0} µs/record");
        }
        return 0;
    }

    private static async Task<(double MicrosPerRecord, double CoreShare, long Records)> MeasureAsync(string kisrt, int rate, TimeSpan window)
    {
        await using var sim = await KisSimulator.StartAsync(SimulatorOptions.Default with
        {
            Pace = MarketPace.PerSecond(rate / 5.0),
            MaxRecordsPerFrame = 1,
        });
        var start = new ProcessStartInfo("dotnet", [kisrt, "stream", "--ws-url", sim.WebSocketUrl.ToString(), "--rest-url", sim.RestBaseUrl.ToString(), "--format", "jsonl"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            // Measured as configured here, nothing else: no appsettings.json of the current folder, no credentials or
            // kisrt settings of the developer's environment (they would go to the simulator, or change the run).
            WorkingDirectory = Directory.CreateTempSubdirectory("kisrt-stream-cpu-").FullName,
        };
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("KIS_", StringComparison.Ordinal) || k.StartsWith("KISRT_", StringComparison.Ordinal)).ToList())
            start.Environment.Remove(name);
        using var child = Process.Start(start)!;
        long lines = 0;
        var stdout = child.StandardOutput.BaseStream;
        var counting = Task.Run(async () =>
        {
            var buffer = new byte[64 * 1024];
            int n;
            while ((n = await stdout.ReadAsync(buffer)) > 0) Interlocked.Add(ref lines, buffer.AsSpan(0, n).Count((byte)'\n'));
        });
        var draining = child.StandardError.ReadToEndAsync();
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(8)); // connect, subscribe, tiered compilation
            child.Refresh();
            var cpu0 = child.TotalProcessorTime;
            var lines0 = Interlocked.Read(ref lines);
            var wall = Stopwatch.StartNew();
            await Task.Delay(window);
            child.Refresh();
            var cpu = child.TotalProcessorTime - cpu0;
            var records = Interlocked.Read(ref lines) - lines0;
            if (records == 0) throw new InvalidOperationException("kisrt wrote no record: " + (child.HasExited ? await draining : "still running"));
            return (cpu.TotalMicroseconds / records, 100 * cpu.TotalSeconds / wall.Elapsed.TotalSeconds, records);
        }
        finally
        {
            child.Kill();
            await child.WaitForExitAsync();
            await counting;
        }
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";
}
