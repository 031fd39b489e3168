using System.Globalization;
using System.Text;
using System.Threading.Channels;
using Kis.Realtime.Internal;
using Kis.Realtime.Protocol;

namespace Kis.Realtime.Tests.Gaps;

/// <summary>
/// Issue 57, item 5: the merge of redundant sources (<see cref="FeedMerge"/>, <see cref="KisMergedClient"/>): every
/// trade once, in exchange order, a gap only where every source missed it; records without a sequence once per copy a
/// source sent; memory bounded per key.
/// </summary>
public sealed class FeedMergeTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 27, 0, 30, 0, TimeSpan.Zero); // 09:30 KST
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(1);

    // Trade n (1-based) of a day whose trades have volume 10 + n: acml_vol is the sum of the volumes up to it.
    private static long VolumeOf(int n) => 10 + n;
    private static long AccumulatedOf(int n) => Enumerable.Range(1, n).Sum(i => VolumeOf(i));

    private static KisRecord Trade(int n, TimeSpan? receivedAfter = null)
    {
        var tr = KisTrs.H0STCNT0;
        var fields = Enumerable.Repeat("0", tr.Fields.Count).ToArray();
        fields[tr.IndexOf("stck_cntg_hour")] = (T0.ToOffset(KoreaTime.Offset) + TimeSpan.FromSeconds(n)).ToString("HHmmss", CultureInfo.InvariantCulture);
        fields[tr.IndexOf("bsop_date")] = "20261127";
        fields[tr.IndexOf("stck_prpr")] = (70_000 + n).ToString(CultureInfo.InvariantCulture);
        fields[tr.IndexOf("cntg_vol")] = VolumeOf(n).ToString(CultureInfo.InvariantCulture);
        fields[tr.IndexOf("acml_vol")] = AccumulatedOf(n).ToString(CultureInfo.InvariantCulture);
        return new KisRecord(tr, "005930", T0 + TimeSpan.FromSeconds(n) + (receivedAfter ?? TimeSpan.Zero), Encoding.ASCII.GetBytes(string.Join('^', fields)));
    }

    private static KisRecord Book(string content, int second) =>
        new(KisTrs.H0STASP0, "005930", T0 + TimeSpan.FromSeconds(second), Encoding.ASCII.GetBytes(content));

    private static (FeedMerge Merge, FeedCounters[] Feeds) Merge(TrDefinition tr, int sources = 2, int maxKept = 8192)
    {
        var feeds = Enumerable.Range(0, sources).Select(_ => new FeedCounters()).ToArray();
        return (new FeedMerge(tr, "005930", feeds, Window, TimeSpan.FromSeconds(10), maxKept), feeds);
    }

    private static int NumberOf(KisRecord trade)
    {
        Assert.True(TradeVolumeFields.For(trade.Tr)!.TryRead(trade.Data.Span, out var t));
        return Enumerable.Range(1, 1000).First(n => AccumulatedOf(n) == t.Accumulated);
    }

    private static long Now(int second, int milliseconds = 0) => (T0 + TimeSpan.FromSeconds(second) + TimeSpan.FromMilliseconds(milliseconds)).UtcTicks;

    [Fact]
    public void The_next_deadline_is_never_past_while_trades_wait_for_a_hole()
    {
        // Failed before: the deadline came from the oldest waiting trade, the release from the lowest; with an older trade
        // behind a later, lower one the deadline was 100 ms past while nothing was due, and the merge loop spun.
        var (merge, _) = Merge(KisTrs.H0STCNT0, sources: 3);
        var output = new List<KisRecord>();
        for (var s = 0; s < 3; s++) merge.Offer(s, Trade(1), Now(1), output); // all three start; C then goes quiet
        merge.Offer(0, Trade(4), Now(2), output);       // A missed 2 and 3
        merge.Offer(1, Trade(3), Now(2, 500), output);  // B missed 2: arrives later, lower
        var now = Now(3, 100);
        merge.Expire(now, output);
        Assert.Equal(2, merge.WaitingCount);
        Assert.True(merge.NextDeadline > now, $"the deadline is {(now - merge.NextDeadline) / 10_000} ms past while trades wait");
    }

    [Fact]
    public void A_trade_one_source_missed_comes_from_the_other_once_and_in_exchange_order()
    {
        var (merge, feeds) = Merge(KisTrs.H0STCNT0);
        var output = new List<KisRecord>();
        // A misses trade 3 (a reconnect); B runs 200 ms behind and has every trade.
        (int Source, int Trade)[] arrivals = [(0, 1), (0, 2), (1, 1), (0, 4), (1, 2), (1, 3), (0, 5), (1, 4), (1, 5), (0, 6), (1, 6)];
        var second = 0;
        foreach (var (source, n) in arrivals)
            merge.Offer(source, Trade(n, source == 1 ? TimeSpan.FromMilliseconds(200) : null), Now(++second / 2), output);
        Assert.Equal([1, 2, 3, 4, 5, 6], output.Select(NumberOf));
        Assert.Equal(0, merge.WaitingCount);
        Assert.Equal(5, feeds[0].FirstDelivered);
        Assert.Equal(1, feeds[1].FirstDelivered); // trade 3
        Assert.Equal(5, feeds[1].Repeats);
        Assert.Equal(TimeSpan.FromMilliseconds(200), feeds[1].LastLag);
    }

    [Fact]
    public void A_hole_every_source_missed_goes_on_at_once_without_waiting_the_window()
    {
        var (merge, _) = Merge(KisTrs.H0STCNT0);
        var output = new List<KisRecord>();
        foreach (var n in new[] { 1, 2, 4 }) merge.Offer(0, Trade(n), Now(n), output);
        Assert.Equal([1, 2], output.Select(NumberOf)); // trade 4 waits: B may bring trade 3
        foreach (var n in new[] { 1, 2 }) merge.Offer(1, Trade(n), Now(4, 100), output);
        Assert.Equal(1, merge.WaitingCount);
        merge.Offer(1, Trade(4), Now(4, 200), output); // B went past the hole too: nobody will bring trade 3
        Assert.Equal([1, 2, 4], output.Select(NumberOf));
        Assert.Equal(0, merge.WaitingCount);
    }

    [Fact]
    public void A_trade_after_a_hole_waits_the_window_then_goes_on_and_the_holes_trade_later_goes_out_once_late()
    {
        var (merge, feeds) = Merge(KisTrs.H0STCNT0);
        var output = new List<KisRecord>();
        foreach (var n in new[] { 1, 2 }) { merge.Offer(0, Trade(n), Now(n), output); merge.Offer(1, Trade(n), Now(n, 1), output); }
        merge.Offer(0, Trade(4), Now(4), output); // B is silent (down) after trade 2
        merge.Expire(Now(4, 999), output);
        Assert.Equal([1, 2], output.Select(NumberOf));
        Assert.Equal(Now(5), merge.NextDeadline);
        merge.Expire(Now(5), output);
        Assert.Equal([1, 2, 4], output.Select(NumberOf));
        merge.Offer(1, Trade(3), Now(6), output); // B was only slow: trade 3 is late, once
        merge.Offer(1, Trade(4), Now(6), output);
        Assert.Equal([1, 2, 4, 3], output.Select(NumberOf));
        Assert.Equal(1, feeds[1].Late);
    }

    // Source A alone after trade 1 misses every even trade up to 140: 70 holes, each given up after the window (B is
    // slow, not down), so the six oldest (2 … 12) are no longer remembered.
    private static (FeedMerge Merge, FeedCounters[] Feeds, List<KisRecord> Output) SeventyHolesGivenUp(int maxKept)
    {
        var (merge, feeds) = Merge(KisTrs.H0STCNT0, maxKept: maxKept);
        var output = new List<KisRecord>();
        merge.Offer(0, Trade(1), Now(1), output);
        merge.Offer(1, Trade(1), Now(1, 1), output);
        for (var n = 3; n <= 141; n += 2) merge.Offer(0, Trade(n), Now(n), output);
        merge.Expire(Now(200), output);
        Assert.Equal(Enumerable.Range(0, 71).Select(i => 2 * i + 1), output.Select(NumberOf));
        return (merge, feeds, output);
    }

    [Fact]
    public void A_late_trade_of_a_hole_beyond_the_64_remembered_is_sent_once_not_taken_for_a_copy()
    {
        // Failed before: trade 2 was taken for a copy of a trade sent, and lost without a word.
        var (merge, feeds, output) = SeventyHolesGivenUp(maxKept: 8192);
        foreach (var n in new[] { 2, 3, 2, 140 }) merge.Offer(1, Trade(n), Now(201), output); // B was only slow
        Assert.Equal([2, 140], output.Skip(71).Select(NumberOf));
        Assert.Equal((2L, 0L), (feeds[1].Late, feeds[1].Unplaced));
    }

    [Fact]
    public void A_late_trade_of_a_forgotten_hole_that_may_be_an_old_copy_is_not_sent_and_is_counted()
    {
        // With 16 trades remembered, a copy of trade 3 sent long ago could look the same: never sent twice, never silent.
        var (merge, feeds, output) = SeventyHolesGivenUp(maxKept: 16);
        merge.Offer(1, Trade(2), Now(201), output);
        Assert.Equal(71, output.Count);
        Assert.Equal((0L, 1L), (feeds[1].Late, feeds[1].Unplaced));
    }

    [Fact]
    public void The_first_trades_of_the_sources_in_any_order_start_the_tape_at_the_lowest()
    {
        var (merge, _) = Merge(KisTrs.H0STCNT0);
        var output = new List<KisRecord>();
        merge.Offer(1, Trade(2), Now(2), output); // B joined after trade 1 and its trade 2 comes first
        Assert.Empty(output);
        merge.Offer(0, Trade(1), Now(2, 10), output);
        merge.Offer(0, Trade(2), Now(2, 20), output);
        Assert.Equal([1, 2], output.Select(NumberOf));
    }

    [Fact]
    public void A_record_without_a_sequence_goes_out_once_per_copy_a_source_sent()
    {
        var (merge, feeds) = Merge(KisTrs.H0STASP0);
        var output = new List<KisRecord>();
        // A sends an unchanged book twice (two records), B the same two; then a new book from B first.
        merge.Offer(0, Book("book-x", 1), Now(1), output);
        merge.Offer(1, Book("book-x", 1), Now(1, 50), output);
        merge.Offer(0, Book("book-x", 2), Now(2), output);
        merge.Offer(1, Book("book-x", 2), Now(2, 50), output);
        merge.Offer(1, Book("book-y", 3), Now(3), output);
        merge.Offer(0, Book("book-y", 3), Now(3, 50), output);
        Assert.Equal(["book-x", "book-x", "book-y"], output.Select(r => Encoding.ASCII.GetString(r.Data.Span)));
        Assert.Equal(3, feeds[0].Repeats + feeds[1].Repeats);
        // Past the duplicate window a copy is a record again (a source that far behind is stale).
        merge.Offer(1, Book("book-y", 20), Now(20), output);
        Assert.Equal(4, output.Count);
    }

    [Fact]
    public void Trades_waiting_behind_a_hole_stay_bounded()
    {
        var (merge, _) = Merge(KisTrs.H0STCNT0, maxKept: 16);
        var output = new List<KisRecord>();
        merge.Offer(0, Trade(1), Now(1), output);
        merge.Offer(1, Trade(1), Now(1), output);
        for (var n = 3; n <= 200; n++) merge.Offer(0, Trade(n), Now(1, n), output); // trade 2 never comes; B is silent
        Assert.True(merge.WaitingCount <= 16, $"{merge.WaitingCount} waiting");
        Assert.Equal(Enumerable.Range(1, 200).Where(n => n != 2).Take(output.Count), output.Select(NumberOf));
    }

    [Fact]
    public async Task The_merged_client_reports_a_gap_only_where_every_source_missed_the_trades()
    {
        var a = new ScriptedSource();
        var b = new ScriptedSource();
        await using var merged = new KisMergedClient([a, b], KisMergeOptions.Default with { ReorderWindow = TimeSpan.FromSeconds(30) });
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var received = new List<int>();
        var consumer = Task.Run(async () =>
        {
            await foreach (var record in merged.SubscribeRecordsAsync(KisTrs.H0STCNT0, "005930", stop.Token))
            {
                received.Add(NumberOf(record));
                if (received.Count == 8) break;
            }
        });
        // A misses 3 and 4, B misses 4 and 6: only trade 4 is missed by both.
        foreach (var n in new[] { 1, 2, 5, 6, 7, 8, 9 }) await a.Records.Writer.WriteAsync(Trade(n));
        foreach (var n in new[] { 1, 2, 3, 5, 7, 8, 9 }) await b.Records.Writer.WriteAsync(Trade(n));
        await consumer.WaitAsync(stop.Token);
        Assert.Equal([1, 2, 3, 5, 6, 7, 8, 9], received);
        var stats = merged.Statistics;
        Assert.Equal(1, stats.Gaps);
        Assert.Equal(VolumeOf(4), stats.MissingVolume);
        Assert.Equal(["A", "B"], merged.GetFeedHealth().Select(f => f.Name));
    }

    [Fact]
    public async Task A_source_whose_subscription_fails_holds_no_trade_back()
    {
        var a = new ScriptedSource();
        var b = new ScriptedSource { Failure = new InvalidOperationException("refused") };
        await using var merged = new KisMergedClient([a, b], KisMergeOptions.Default with { ReorderWindow = TimeSpan.FromMinutes(10) });
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var received = new List<int>();
        var consumer = Task.Run(async () =>
        {
            await foreach (var record in merged.SubscribeRecordsAsync(KisTrs.H0STCNT0, "005930", stop.Token))
            {
                received.Add(NumberOf(record));
                if (received.Count == 3) break;
            }
        });
        foreach (var n in new[] { 1, 2, 4 }) await a.Records.Writer.WriteAsync(Trade(n)); // trade 4 after a hole nobody else can fill
        await consumer.WaitAsync(stop.Token); // not the ten minutes' window
        Assert.Equal([1, 2, 4], received);
        Assert.Equal(1, merged.GetFeedHealth()[1].SubscriptionFailures);
        Assert.Equal(1, merged.Statistics.Gaps);
    }

    [Fact]
    public async Task Connecting_succeeds_on_the_sources_that_connect_and_names_the_one_that_did_not()
    {
        var a = new ScriptedSource();
        var b = new ScriptedSource { ConnectFailure = new KisConnectionException(new Uri("ws://127.0.0.1:1/"), "B unreachable") };
        await using var merged = new KisMergedClient([a, b]);
        await merged.ConnectAsync();
        var health = merged.GetFeedHealth();
        Assert.Null(health[0].ConnectFailure);
        Assert.Equal("Could not connect to ws://127.0.0.1:1/: B unreachable", health[1].ConnectFailure);
        Assert.Contains("did not connect at start (Could not connect to ws://127.0.0.1:1/: B unreachable)", health[1].ToString());

        // Every source failing is the merged client's failure.
        var down = new ScriptedSource { ConnectFailure = new KisConnectionException(new Uri("ws://127.0.0.1:2/"), "A down") };
        await using var none = new KisMergedClient([down, b]);
        var e = await Assert.ThrowsAsync<KisConnectionException>(() => none.ConnectAsync());
        Assert.Equal("A down", e.Reason);
    }

    [Fact]
    public void The_merged_client_refuses_no_source_or_the_same_source_twice()
    {
        var a = new ScriptedSource();
        Assert.Throws<ArgumentException>(() => new KisMergedClient([]));
        Assert.Throws<ArgumentException>(() => new KisMergedClient([a, a]));
    }

    /// <summary>A source whose records a test writes.</summary>
    private sealed class ScriptedSource : IKisRealtimeClient
    {
        public Channel<KisRecord> Records { get; } = Channel.CreateUnbounded<KisRecord>();
        public Exception? Failure { get; init; }
        public KisConnectionState State => KisConnectionState.Connected;
        public KisRealtimeStatistics Statistics { get; } = new();
        public event EventHandler<KisStateChangedEventArgs>? StateChanged { add { } remove { } }
        public string? HtsId => null;
        public Exception? ConnectFailure { get; init; }
        public Task ConnectAsync(CancellationToken cancellationToken = default) =>
            ConnectFailure is { } failure ? Task.FromException(failure) : Task.CompletedTask;

        public IAsyncEnumerable<T> SubscribeAsync<T>(TrDefinition tr, string key, CancellationToken cancellationToken = default)
            where T : struct, IKisRecord<T> => throw new NotSupportedException();

        public IAsyncEnumerable<KisRecord> SubscribeRecordsAsync(TrDefinition tr, string key, CancellationToken cancellationToken = default)
            => Failure is { } failure ? Fail(failure) : Records.Reader.ReadAllAsync(cancellationToken);

        private static async IAsyncEnumerable<KisRecord> Fail(Exception failure)
        {
            await Task.Yield();
            if (failure is not null) throw failure;
            yield break;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
