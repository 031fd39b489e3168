using Kis.Realtime.Benchmarks;
using Kis.Realtime.Internal;
using static Kis.Realtime.Tests.Cli.CliTestKit;
using static Kis.Realtime.Tests.Replay.RecordedDays;

namespace Kis.Realtime.Tests.Replay;

/// <summary>
/// An undecodable record of a recording is named by its file and line, not only counted (issue 46, item 7). Failed
/// before: "kisrt: 1 undecodable records in the … source" and nothing a person could open.
/// </summary>
public sealed class UndecodableLocationTests
{
    private static readonly string DayFile = Path.Combine("2026-11-23", "raw.log");

    /// <summary>A <c>kisrt record</c> folder of five trades with a damaged record (too few fields) in the middle.</summary>
    private static (string Dir, long DamagedLine) RecordingWithADamagedLine(params string[] damaged)
    {
        var dir = EmptyDirectory();
        var trades = new[]
        {
            T("2026-11-23 10:00:00", 100, 10, 10), T("2026-11-23 10:00:30", 101, 10, 20),
            T("2026-11-23 10:01:30", 102, 10, 30), T("2026-11-23 10:02:00", 103, 10, 40),
        };
        using (var recording = new SyntheticRecording(dir))
        {
            for (var i = 0; i < trades.Length; i++)
            {
                var received = new DateTimeOffset(trades[i].Kst, Kst).AddMilliseconds(5);
                recording.Add(received, SyntheticRecording.Frame(KisTrs.H0STCNT0, Record(KisTrs.H0STCNT0, "005930", trades[i])));
                if (i == 1) // in the middle of the day
                    foreach (var line in damaged) recording.Add(received.AddSeconds(1), System.Text.Encoding.ASCII.GetBytes(line));
            }
        }
        var lines = File.ReadAllLines(Path.Combine(dir, DayFile));
        return (dir, Array.FindIndex(lines, l => l.Contains(damaged[0], StringComparison.Ordinal)) + 1);
    }

    [Fact]
    public async Task Kisrt_bars_replay_names_the_file_and_line_of_an_undecodable_record()
    {
        var (dir, line) = RecordingWithADamagedLine("0|H0STCNT0|001|005930^100031^too^few");
        Assert.Equal(3, line);

        var (bars, summary) = await BarsAsync(dir, "stock:005930", "1m");

        Assert.Equal(3, bars.Count); // the damaged record is skipped; the four good trades make their bars
        Assert.Contains($"1 undecodable records in the replay source; first at {DayFile}:3 (H0STCNT0 record 1 has 4 fields, fewer than the 46 known)",
            summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_replay_statistics_locate_the_first_few_undecodable_records_and_no_more()
    {
        // Seven damaged lines in a row (lines 3 to 9): the statistics name the first five, in recording order, and count all seven.
        var damaged = Enumerable.Range(0, 7).Select(i => $"0|H0STCNT0|001|005930^10003{i}^too^few").ToArray();
        var (dir, first) = RecordingWithADamagedLine(damaged);

        await using var replay = new KisReplayClient(new KisRecordingFolder(dir));
        var trades = 0;
        await foreach (var _ in replay.SubscribeAsync<StockTrade>(KisTrs.H0STCNT0, "005930").WithCancellation(default)) trades++;

        Assert.Equal(4, trades);
        var statistics = replay.Statistics;
        Assert.Equal(7, statistics.DecodeErrors);
        Assert.Equal(Enumerable.Range(0, UndecodableSamples.Capacity).Select(i => new RecordingLocation(DayFile, first + i)),
            statistics.FirstUndecodable.Select(r => r.Location));
        Assert.All(statistics.FirstUndecodable, r => Assert.StartsWith("H0STCNT0 record 1 has 4 fields", r.Reason, StringComparison.Ordinal));
    }

    [Fact]
    public void The_kept_records_are_the_earliest_whatever_order_they_are_reported_in()
    {
        var samples = new UndecodableSamples();
        foreach (var line in new long[] { 9, 3, 7, 1, 8, 2, 6, 3, 5, 4 }) samples.Add(new RecordingLocation("d/raw.log", line), "bad");
        Assert.Equal([1L, 2, 3, 4, 5], samples.Snapshot().Select(r => r.Location.Line));
    }
}
