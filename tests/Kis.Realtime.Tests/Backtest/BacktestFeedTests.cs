using System.Runtime.InteropServices;
using Kis.Realtime.Simulator.Backtest;
using Kis.Realtime.Simulator;

namespace Kis.Realtime.Tests.Backtest;

/// <summary>
/// A backtest subscription's queue: a typed subscription's records share one reused buffer (no array per record), yet
/// every record reads as it was offered, however far the strategy falls behind, and the one it holds is never overwritten.
/// </summary>
public sealed class BacktestFeedTests
{
    private static BacktestFeed Feed(bool transient) =>
        new(new BacktestPump(), KisTrs.H0STCNT0, "005930", new HashSet<string>(StringComparer.Ordinal) { KisTrs.H0STCNT0.Id }, transient);

    /// <summary>A distinct record for each index (lengths vary, 200–330 bytes).</summary>
    private static byte[] RecordBytes(int i) => System.Text.Encoding.ASCII.GetBytes($"005930^{i:D6}^" + new string((char)('a' + i % 26), 180 + i * 7 % 131));

    private static void Offer(BacktestFeed feed, int i)
    {
        byte[]? copy = null;
        var bytes = RecordBytes(i);
        feed.Offer(KisTrs.H0STCNT0, bytes, DateTimeOffset.UnixEpoch.AddSeconds(i), ref copy);
        Array.Fill(bytes, (byte)'#'); // the driver's span is gone once Offer returns
    }

    private static KisRecord Next(BacktestFeed feed)
    {
        var waited = feed.WaitAsync();
        Assert.True(waited.IsCompletedSuccessfully && waited.Result, "a record is queued");
        return feed.Take();
    }

    [Fact]
    public void A_transient_feed_keeps_every_record_intact_while_the_strategy_falls_behind()
    {
        var feed = Feed(transient: true);
        var offered = 0;
        for (; offered < 100; offered++) Offer(feed, offered); // about 26 KB queued: more than one buffer
        for (var taken = 0; taken < 300; taken++)
        {
            var record = Next(feed);
            // Offered while this one is held (the driver runs between the strategy's reads): it must not be overwritten.
            if (offered < 300) Offer(feed, offered++);
            if (offered < 300 && taken % 3 == 0) Offer(feed, offered++);
            Assert.Equal(RecordBytes(taken), record.Data.ToArray());
            Assert.Equal(DateTimeOffset.UnixEpoch.AddSeconds(taken), record.ReceivedAt);
        }
        Assert.Equal(0, feed.Pending);
    }

    [Fact]
    public void The_record_a_strategy_holds_survives_the_next_offer_when_nothing_else_is_queued()
    {
        var feed = Feed(transient: true);
        Offer(feed, 0);
        for (var i = 0; i < 200; i++)
        {
            var record = Next(feed); // nothing else queued now; the strategy still reads this one
            Offer(feed, i + 1);
            Assert.Equal(RecordBytes(i), record.Data.ToArray());
        }
    }

    [Fact]
    public void A_transient_feed_reuses_its_buffer_once_the_strategy_caught_up()
    {
        var feed = Feed(transient: true);
        ArraySegment<byte> first = default;
        for (var i = 0; i < 1_000; i++)
        {
            Offer(feed, i);
            var record = Next(feed);
            Assert.Equal(RecordBytes(i), record.Data.ToArray());
            Assert.True(MemoryMarshal.TryGetArray(record.Data, out var segment));
            if (i == 0) first = segment;
            Assert.Same(first.Array, segment.Array);
            Assert.Equal(0, segment.Offset);
            Assert.False(feed.WaitAsync().IsCompleted); // the strategy waits for the next: done with this one
        }
    }

    [Fact]
    public void A_raw_feed_hands_out_records_the_strategy_may_keep()
    {
        var feed = Feed(transient: false);
        var kept = new List<KisRecord>();
        for (var i = 0; i < 200; i++)
        {
            Offer(feed, i);
            kept.Add(Next(feed));
            Assert.False(feed.WaitAsync().IsCompleted);
        }
        for (var i = 0; i < kept.Count; i++) Assert.Equal(RecordBytes(i), kept[i].Data.ToArray());
    }
}

/// <summary>
/// A strategy may leave the backtest's pump (an await on the thread pool with ConfigureAwait(false)): it then takes
/// records from a pool thread while the driver offers the next ones on its own, so the feed's and the pump's locks are
/// contended for real. Nothing may be lost, doubled or reordered, and the run must end.
/// </summary>
public sealed class BacktestOffThePumpTests
{
    [Fact]
    public async Task A_strategy_that_reads_from_the_thread_pool_sees_every_trade_once_in_order()
    {
        var dir = BacktestRecording.Write(Cli.CliTestKit.EmptyDirectory(), 3_000);
        async Task<List<(TimeOnly, decimal, long)>> Seen(bool leave)
        {
            var seen = new List<(TimeOnly, decimal, long)>();
            await KisBacktest.RunAsync(new KisRecordingFolder(dir), async (data, _, ct) =>
            {
                await foreach (var trade in data.SubscribeStockTradesAsync("005930", cancellationToken: ct))
                {
                    lock (seen) seen.Add((trade.Time, trade.Price, trade.CumulativeVolume));
                    // Every second trade the loop goes on from a pool thread, racing the driver's next offers.
                    if (leave && seen.Count % 2 == 0) await Task.Run(() => Thread.SpinWait(200), CancellationToken.None).ConfigureAwait(false);
                }
            }, new KisBacktestOptions()).WaitAsync(TimeSpan.FromSeconds(60));
            return seen;
        }
        var onThePump = await Seen(leave: false);
        Assert.Equal(3_000, onThePump.Count);
        for (var round = 0; round < 8; round++)
            Assert.Equal(onThePump, await Seen(leave: true));
    }
}
