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
                Console.WriteLine(
                    $"  {rate,6:N0}/s  round {round + 1}: {perRecord,7:0.0} µs/record  {share,5:0.0}% of a core  ({records:N0} records, load {LoadAverage()})");
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
        await using var child = new KisrtStreamChild(kisrt, sim);
        await Task.Delay(TimeSpan.FromSeconds(8)); // connect, subscribe, tiered compilation
        child.Process.Refresh();
        var cpu0 = child.Process.TotalProcessorTime;
        var lines0 = child.Lines;
        var wall = Stopwatch.StartNew();
        await Task.Delay(window);
        child.Process.Refresh();
        var cpu = child.Process.TotalProcessorTime - cpu0;
        var records = child.Lines - lines0;
        if (records == 0) throw new InvalidOperationException("kisrt wrote no record: " + await child.FailureAsync());
        return (cpu.TotalMicroseconds / records, 100 * cpu.TotalSeconds / wall.Elapsed.TotalSeconds, records);
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";
}
