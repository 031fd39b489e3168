using System.Diagnostics;

namespace Kis.Realtime.Benchmarks;

/// <summary>
/// <c>replay-cpu [records] [rounds]</c>: <see cref="ReplayBenchmarks"/>' replay (a recording folder of N H0STCNT0
/// records plus N/10 frames of another TR, to <see cref="StockTrade"/> views) measured in process CPU time per record,
/// which a machine shared with other builds disturbs far less than wall time, with the bytes allocated per record and
/// the process's peak working set (the recording is written by a child process, so the peak is the replay's own: run
/// it at 100,000 and 1,000,000 records to see that memory does not grow with the recording).
/// <c>replay-write DIR N</c> is that child.
/// </summary>
internal static class ReplayCpuHarness
{
    public static async Task<int> RunAsync(string[] args)
    {
        var records = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1_000_000;
        var rounds = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 5;
        // Each round replays with gap detection on (the default) and then off, so the check's cost is measured in the same run.
        var directory = Path.Combine(Path.GetTempPath(), "kisrt-replay-cpu", Guid.NewGuid().ToString("N"));
        try
        {
            var self = Environment.ProcessPath!;
            string[] childArgs = ["replay-write", directory, records.ToString(System.Globalization.CultureInfo.InvariantCulture)];
            if (Path.GetFileNameWithoutExtension(self) == "dotnet") childArgs = [typeof(ReplayCpuHarness).Assembly.Location, .. childArgs];
            using (var writer = Process.Start(self, childArgs))
                await writer.WaitForExitAsync();
            await ReplayAsync(directory, records, detectGaps: true); // warm-up past tiered compilation
            await ReplayAsync(directory, records, detectGaps: false);
            var process = Process.GetCurrentProcess();
            for (var run = 0; run < rounds * 2; run++)
            {
                var detectGaps = run % 2 == 0;
                process.Refresh();
                var cpu0 = process.TotalProcessorTime;
                var alloc0 = GC.GetTotalAllocatedBytes(precise: true);
                var wall = Stopwatch.StartNew();
                await ReplayAsync(directory, records, detectGaps);
                wall.Stop();
                var allocated = GC.GetTotalAllocatedBytes(precise: true) - alloc0;
                process.Refresh();
                var cpu = (process.TotalProcessorTime - cpu0).TotalSeconds;
                Console.WriteLine($"{records:N0} records, gap detection {(detectGaps ? "on " : "off")}: {records / cpu / 1e6,5:0.00} M records per " +
                    $"CPU-second ({cpu * 1e9 / records,5:0} ns CPU/record), " +
                                  $"{records / wall.Elapsed.TotalSeconds / 1e6,5:0.00} M/s wall, {(double)allocated / records:0.000} B/record, " +
                                  $"peak working set {process.PeakWorkingSet64 / 1048576.0:0} MiB");
            }
        }
        finally
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
        return 0;
    }

    public static int Write(string[] args)
    {
        SyntheticRecording.WriteTradesAndTicks(args[1], int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture));
        return 0;
    }

    private static async Task ReplayAsync(string directory, int records, bool detectGaps)
    {
        await using var replay = new KisReplayClient(new KisRecordingFolder(directory), KisReplayOptions.Default with { DetectGaps = detectGaps });
        long count = 0;
        await foreach (var trade in replay.SubscribeAsync<StockTrade>(KisTrs.StockTrades, "005930"))
            count += trade.Price > 0 ? 1 : 0;
        if (count != records) throw new InvalidOperationException($"replayed {count:N0} records, expected {records:N0}");
        // A healthy recording: the check runs on every record and finds nothing (a gap or overlap would be logged and counted).
        var s = replay.Statistics;
        if (s.Gaps + s.Overlaps > 0) throw new InvalidOperationException($"{s.Gaps} gaps, {s.Overlaps} overlaps");
    }
}
