using System.Diagnostics;

namespace Kis.Realtime.Benchmarks;

/// <summary>
/// <c>replay-folder [rounds]</c>: <see cref="ReplayFolderBenchmarks"/> timed by a stopwatch, for profiling between
/// BenchmarkDotNet runs: each round replays cold (page cache dropped) and warm, one subscription and two, and prints
/// records per second of wall time and of process CPU time.
/// </summary>
internal static class ReplayFolderHarness
{
    public static async Task<int> RunAsync(string[] args)
    {
        var rounds = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 3;
        // `replay-folder ROUNDS DIR [warm|both] [CASE|all] [DECODE-WORKERS]`: DIR written once and kept (for profiling: perf record over warm rounds only).
        var bench = new ReplayFolderBenchmarks();
        var kept = args.Length > 2 ? args[2] : null;
        if (kept is null) bench.Setup();
        else if (Directory.Exists(kept)) bench.Directory = kept;
        else { bench.Directory = kept; SyntheticRecording.WriteMarketDays(kept); }
        var modes = args.Length > 3 && args[3] == "warm" ? new[] { false } : new[] { true, false };
        var only = args.Length > 4 && args[4] != "all" ? args[4] : null; // one case ("read only", "trades", "trades+books"), e.g. under perf stat
        if (args.Length > 5) bench.DecodeWorkers = int.Parse(args[5], System.Globalization.CultureInfo.InvariantCulture); // KisReplayOptions.DecodeWorkers
        try
        {
            var process = Process.GetCurrentProcess();
            for (var round = 0; round < rounds; round++)
                foreach (var cold in modes)
                    foreach (var (name, run) in new (string, Func<Task<long>>)[] { ("read only", () => ReadOnlyAsync(bench.Directory)),
                        ("trades", bench.TradesOnly), ("trades+books", bench.TradesAndBooks) })
                    {
                        if (only is not null && only != name) continue;
                        bench.Cold = cold;
                        bench.DropPageCache();
                        process.Refresh();
                        var cpu0 = process.TotalProcessorTime;
                        var wall = Stopwatch.StartNew();
                        var count = await run();
                        wall.Stop();
                        process.Refresh();
                        var cpu = (process.TotalProcessorTime - cpu0).TotalSeconds;
                        Console.WriteLine($"{(cold ? "cold" : "warm")} {name,-12}: {count / wall.Elapsed.TotalSeconds / 1e6,5:0.00} M records/s wall, " +
                                          $"{cpu * 1e9 / count,5:0} ns CPU/record, peak working set {process.PeakWorkingSet64 / 1048576.0:0} MiB");
                    }
        }
        finally
        {
            if (kept is null) bench.Cleanup();
        }
        return 0;
    }

    /// <summary>The folder reader alone, as a trades subscription asks it (what the replay's decoding thread waits for).</summary>
    private static async Task<long> ReadOnlyAsync(string directory)
    {
        long count = 0;
        var query = new ReplayQuery(TrIds: new HashSet<string> { "H0STCNT0", "H0STCNT9" });
        await foreach (var message in new KisRecordingFolder(directory).ReadAsync(query)) count += message.Data.Length > 0 ? 1 : 0;
        return count;
    }
}
