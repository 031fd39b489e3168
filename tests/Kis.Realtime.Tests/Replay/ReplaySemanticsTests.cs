using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text;
using Kis.Realtime.Benchmarks;
using Kis.Realtime.Internal;

namespace Kis.Realtime.Tests.Replay;

/// <summary>What a replay delivers and when: window, keys, paper/real ids, pacing, streaming, bad lines.</summary>
public class ReplaySemanticsTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 23, 0, 30, 0, TimeSpan.Zero); // 09:30 KST

    private static string Folder(Action<SyntheticRecording> write)
    {
        var dir = Cli.CliTestKit.EmptyDirectory();
        using var recording = new SyntheticRecording(dir);
        write(recording);
        return dir;
    }

    private static async Task<List<T>> AllAsync<T>(IAsyncEnumerable<T> source)
    {
        var list = new List<T>();
        await foreach (var item in source.WithCancellation(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token)) list.Add(item);
        return list;
    }

    private static byte[] Tick(string key, int n) => SyntheticRecording.Frame(KisTrs.IndexTicks, SyntheticRecording.Record(KisTrs.IndexTicks, key, n));

    [Fact]
    public async Task From_and_To_bound_what_is_delivered_and_each_key_gets_only_its_records_with_their_receive_times()
    {
        var dir = Folder(r =>
        {
            for (var i = 0; i < 10; i++)
            {
                r.Add(Start.AddSeconds(i), Tick("0001", i));
                r.Add(Start.AddSeconds(i).AddTicks(1), Tick("1001", i));
            }
        });
        var options = KisReplayOptions.Default with { From = Start.AddSeconds(3), To = Start.AddSeconds(6) };
        await using var replay = new KisReplayClient(new KisRecordingFolder(dir), options);

        var records = await AllAsync(replay.SubscribeRecordsAsync(KisTrs.IndexTicks, "0001"));
        Assert.Equal([3, 4, 5, 6], records.Select(r => (int)(r.ReceivedAt - Start).TotalSeconds));
        Assert.All(records, r => Assert.Equal("0001", r.TrKey));
        var other = await AllAsync(replay.SubscribeAsync<IndexTick>(KisTrs.IndexTicks, "1001"));
        Assert.Equal(3, other.Count); // 3, 4, 5 s (and a tick): the one at 6 s and a tick is after To
        Assert.All(other, t => Assert.Equal("1001", t.IndexCode));
        // Each cursor read the TR's 20 records: 4 + 3 delivered, the rest another key's or outside the window.
        Assert.Equal((7L, 33L, 0L), (replay.Statistics.RecordsDelivered, replay.Statistics.RecordsUnrouted, replay.Statistics.DecodeErrors));
    }

    [Fact]
    public async Task A_notice_recorded_under_the_paper_id_replays_to_a_subscription_of_the_real_id_and_HTS_IDs_ignore_case()
    {
        var paper = KisTrs.ForEnvironment(KisTrs.StockNotices, KisEnvironment.Paper);
        Assert.NotEqual(KisTrs.StockNotices.Id, paper.Id);
        var dir = Folder(r =>
        {
            for (var i = 0; i < 3; i++) r.Add(Start.AddSeconds(i), SyntheticRecording.Frame(paper, SyntheticRecording.Record(paper, "testuser", i)));
        });
        await using var replay = new KisReplayClient(new KisRecordingFolder(dir));
        var notices = await AllAsync(replay.SubscribeAsync<StockNotice>(KisTrs.StockNotices, "TESTUSER"));
        Assert.Equal(3, notices.Count);
    }

    [Fact]
    public async Task Paced_replay_delivers_across_subscriptions_in_received_order_and_no_faster_than_the_speed()
    {
        // Ticks every 100 ms from 0 s; from 3 s on, stock trades interleaved with them, to 4.9 s. At speed 2 a record is
        // due every 50 ms of the replay's clock. The clock is a manual one (a wall clock made this test fail under load):
        // each step releases exactly the one record now due, from whichever subscription holds it.
        var dir = Folder(r =>
        {
            for (var i = 0; i < 50; i++)
                r.Add(Start.AddMilliseconds(100 * i), i < 30 || i % 2 == 0 ? Tick("0001", i)
                    : SyntheticRecording.Frame(KisTrs.StockTrades, SyntheticRecording.Record(KisTrs.StockTrades, "005930", i)));
        });
        var clock = new Kis.Realtime.Tests.Simulator.ManualTimeProvider(Start);
        await using var replay = new KisReplayClient(new KisRecordingFolder(dir), KisReplayOptions.Default with { Speed = 2, TimeProvider = clock });
        var order = new ConcurrentQueue<DateTimeOffset>();
        var ticks = Task.Run(async () => { await foreach (var r in replay.SubscribeRecordsAsync(KisTrs.IndexTicks, "0001")) order.Enqueue(r.ReceivedAt); });
        var trades = Task.Run(async () => { await foreach (var r in replay.SubscribeRecordsAsync(KisTrs.StockTrades, "005930")) order.Enqueue(r.ReceivedAt); });

        // Before the clock moves: the first record only, and both loops waiting on the shared clock.
        await Client.ClientTestKit.UntilAsync(() => order.Count == 1 && clock.TimerCount == 2, "the first record and both loops waiting");
        for (var k = 1; k < 50; k++)
        {
            Assert.Equal(k, order.Count); // nothing before it is due
            clock.Advance(TimeSpan.FromMilliseconds(50));
            await Client.ClientTestKit.UntilAsync(() => order.Count >= k + 1, $"record {k} once due");
        }
        await Task.WhenAll(ticks, trades).WaitAsync(TimeSpan.FromSeconds(20));

        // In received order across TRs, exactly (unpaced, each loop would run through on its own).
        Assert.Equal(Enumerable.Range(0, 50).Select(i => Start.AddMilliseconds(100 * i)), order);
    }

    [Fact]
    public async Task A_replay_streams_an_endless_recording()
    {
        // A source that never ends: a replay that loaded its input first would never deliver anything.
        var source = new EndlessSource();
        await using var replay = new KisReplayClient(source);
        // 20,000 records: ten times what the decoders read ahead (workers × 3 slots of 64 KB). The bound only ends a
        // replay that never delivers; 100,000 in 20 s failed at load 40.
        var taken = 0;
        await foreach (var tick in replay.SubscribeAsync<IndexTick>(KisTrs.IndexTicks, "0001").WithCancellation(
            new CancellationTokenSource(TimeSpan.FromMinutes(2)).Token))
            if (++taken == 20_000) break;
        Assert.Equal(20_000, taken);
        Assert.Equal(0, replay.Statistics.Registrations); // leaving the loop ended the cursor
    }

    [Fact]
    public async Task Unreadable_lines_are_counted_and_the_replay_goes_on()
    {
        var dir = Folder(r =>
        {
            r.Add(Start, Tick("0001", 1));
            r.Add(Start.AddSeconds(1), "0|H0UPCNT0|001|too^few"u8); // fields missing
            r.Add(Start.AddSeconds(2), Tick("0001", 2));
        });
        var day = Directory.GetDirectories(dir).Single();
        await File.AppendAllTextAsync(Path.Combine(day, RawRecorder.RawFileName), "no receive time here\n", Encoding.ASCII);
        await File.AppendAllTextAsync(Path.Combine(day, RawRecorder.RawFileName), "2026-11-23T00:30:03.0000000Z\t" + Encoding.ASCII.GetString(Tick("0001", 3))
            + "\n");

        await using var replay = new KisReplayClient(new KisRecordingFolder(dir));
        var ticks = await AllAsync(replay.SubscribeAsync<IndexTick>(KisTrs.IndexTicks, "0001"));
        Assert.Equal(3, ticks.Count);
        Assert.Equal(2, replay.Statistics.DecodeErrors); // the short frame and the line without a time
    }

    [Fact]
    public async Task A_line_with_an_unreadable_receive_time_counts_once_and_keeps_its_record()
    {
        // Issue 46 item 7: the second line's time is no time (month 13): its record is a good tick.
        var dir = Folder(r =>
        {
            r.Add(Start, Tick("0001", 1));
            r.Add(Start.AddSeconds(2), Tick("0001", 3));
        });
        var raw = Path.Combine(Directory.GetDirectories(dir).Single(), RawRecorder.RawFileName);
        var lines = await File.ReadAllLinesAsync(raw, Encoding.ASCII);
        await File.WriteAllLinesAsync(raw, [lines[0], "2026-13-23T00:30:01.0000000Z\t" + Encoding.ASCII.GetString(Tick("0001", 2)), lines[1]], Encoding.ASCII);

        await using var replay = new KisReplayClient(new KisRecordingFolder(dir));
        var ticks = await AllAsync(replay.SubscribeReceivedAsync<IndexTick>(KisTrs.IndexTicks, "0001"));
        Assert.Equal(3, ticks.Count); // dropped before: two ticks
        Assert.Equal(1, replay.Statistics.DecodeErrors); // the unreadable time, once
        // A recording is in received order: the record is taken as received when the line before it was.
        Assert.Equal([Start, Start, Start.AddSeconds(2)], ticks.Select(t => t.ReceivedAt));
    }

    private sealed class EndlessSource : KisRecordingSource
    {
        public override string Description => "endless";

        public override async IAsyncEnumerable<RecordedMessage> ReadAsync(ReplayQuery query,
            [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            for (var i = 0; ; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                yield return new RecordedMessage(Start.AddTicks(i), 0, Tick("0001", i));
                if (i % 1024 == 0) await Task.Yield();
            }
        }
    }
}
