using Kis.Realtime.Internal;
using Kis.Realtime.PostgreSql.Internal;
using Kis.Realtime.PostgreSql;
using Kis.Realtime.Simulator;
using Kis.Realtime.Tests.Cli;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Replay;

/// <summary>
/// A session recorded from the simulator (files and PostgreSQL at once, as <c>kisrt record --out --postgres</c> does)
/// replays, from either, the typed records the live session delivered: values and order per TR and key.
/// </summary>
public class ReplayOfRecordingTests
{
    private sealed record Live(List<IndexTick> Ticks, List<StockTrade> Trades, List<ProgramTrade> Programs, List<FuturesOptionsNotice> Notices,
        List<KisRecord> Raw);

    [Fact]
    public async Task A_recorded_session_replays_from_files_and_from_PostgreSQL_as_the_live_session_delivered_it()
    {
        await using var db = await PostgresTestDatabase.CreateAsync();
        var dir = CliTestKit.EmptyDirectory();
        var live = await RecordAsync(dir, db);

        foreach (KisRecordingSource source in new KisRecordingSource[]
                 {
                     new KisRecordingFolder(dir),
                     new KisPostgresHistory(KisPostgresHistoryOptions.Default
                         with { ConnectionString = db.ConnectionString, Schema = db.Schema, PageSize = 97 }),
                 })
        {
            await using IKisRealtimeClient replay = new KisReplayClient(source, KisReplayOptions.Default with { HtsId = SimulatorOptions.DefaultHtsId });
            await replay.ConnectAsync().WaitAsync(TestTimeout);
            // Started in the opposite order to the live loops, one after the other: each still gets all of its records.
            var notices = await AllAsync(replay.SubscribeFuturesOptionsNoticesAsync());
            var programs = await AllAsync(replay.SubscribeProgramTradesAsync("005930", StockVenue.Unified));
            var trades = await AllAsync(replay.SubscribeStockTradesAsync("005930"));
            var ticks = await AllAsync(replay.SubscribeIndexTicksAsync("0001"));
            var raw = await AllAsync(replay.SubscribeRecordsAsync(KisTrs.IndexTicks, "0001"));

            // The live loops stopped after their count; the recording goes on a little (until the session closed).
            AssertStartsWith(live.Ticks, ticks, source);
            AssertStartsWith(live.Trades, trades, source);
            AssertStartsWith(live.Programs, programs, source);
            AssertStartsWith(live.Notices, notices, source);
            // Each record with its original receive time (PostgreSQL keeps microseconds).
            var precision = source is KisPostgresHistory ? TimeSpan.TicksPerMicrosecond : 1;
            // The live raw loop joined a registration the tick loop had already made, so it may have missed the first
            // records the recording holds: the replay is compared from the live loop's first record on, and what comes
            // before it must have been received before it.
            var skipped = raw.FindIndex(r => r.ReceivedAt.UtcTicks / precision == live.Raw[0].ReceivedAt.UtcTicks / precision
                                             && r.Data.Span.SequenceEqual(live.Raw[0].Data.Span));
            Assert.True(skipped >= 0, $"{source.Description}: the live raw loop's first record is not in the replay");
            Assert.All(raw.Take(skipped), r => Assert.True(r.ReceivedAt <= live.Raw[0].ReceivedAt));
            Assert.True(raw.Count - skipped >= live.Raw.Count, source.Description);
            for (var i = 0; i < live.Raw.Count; i++)
            {
                Assert.Equal(live.Raw[i].Data.ToArray(), raw[skipped + i].Data.ToArray());
                Assert.Equal(live.Raw[i].ReceivedAt.UtcTicks / precision, raw[skipped + i].ReceivedAt.UtcTicks / precision);
            }
            var stats = replay.Statistics;
            Assert.Equal(0, stats.DecodeErrors);
            Assert.Equal(notices.Count + programs.Count + trades.Count + ticks.Count + raw.Count, stats.RecordsDelivered);
            Assert.Equal(0, stats.Registrations);
        }
    }

    private static void AssertStartsWith<T>(List<T> live, List<T> replayed, KisRecordingSource source)
    {
        Assert.NotEmpty(live);
        Assert.True(replayed.Count >= live.Count, $"{source.Description}: {typeof(T).Name} replayed {replayed.Count}, live {live.Count}");
        Assert.Equal(live, replayed.Take(live.Count));
    }

    /// <summary>Records a few seconds of a fast simulator into <paramref name="dir"/> and <paramref name="db"/>, returning what the live subscriptions
    /// got.</summary>
    private static async Task<Live> RecordAsync(string dir, PostgresTestDatabase db)
    {
        await using var sim = await StartSimAsync(o => o with { Pace = MarketPace.PerSecond(400) });
        var files = new RawRecorder(dir, RecorderLimits.Default);
        var database = new PostgresRecorder(db.ConnectionString, db.Schema, 64L << 20);
        var client = new KisRealtimeClient(Options(sim));
        var tap = client.ReadRawMessagesAsync().GetAsyncEnumerator(); // opens the tap before any subscription
        var drain = Task.Run(() => RawRecorder.DrainAsync(tap, files.Queue, database.Queue));
        var writers = Task.WhenAll(Task.Run(() => files.WriteAsync()), Task.Run(() => database.WriteAsync(CancellationToken.None)));
        try
        {
            var ticks = TakeAsync(client.SubscribeIndexTicksAsync("0001"), 150);
            var trades = TakeAsync(client.SubscribeStockTradesAsync("005930"), 150);
            var programs = TakeAsync(client.SubscribeProgramTradesAsync("005930", StockVenue.Unified), 20);
            var notices = TakeAsync(client.SubscribeFuturesOptionsNoticesAsync(), 2); // encrypted on the wire
            var raw = TakeAsync(client.SubscribeRecordsAsync(KisTrs.IndexTicks, "0001"), 150);
            await Task.WhenAll(ticks, trades, programs, notices, raw).WaitAsync(TimeSpan.FromSeconds(30));
            return new Live(ticks.Result, trades.Result, programs.Result, notices.Result, raw.Result);
        }
        finally
        {
            await client.DisposeAsync(); // the raw tap completes after the last message; the writers write it all
            await drain.WaitAsync(TestTimeout);
            await writers.WaitAsync(TimeSpan.FromSeconds(30));
        }
    }

    private static async Task<List<T>> TakeAsync<T>(IAsyncEnumerable<T> source, int count)
    {
        var list = new List<T>();
        await foreach (var item in source)
        {
            list.Add(item);
            if (list.Count == count) break;
        }
        return list;
    }

    private static async Task<List<T>> AllAsync<T>(IAsyncEnumerable<T> source)
    {
        var list = new List<T>();
        await foreach (var item in source.WithCancellation(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token)) list.Add(item);
        return list;
    }
}
