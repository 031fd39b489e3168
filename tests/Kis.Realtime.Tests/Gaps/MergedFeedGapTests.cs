using System.Globalization;
using System.Text;
using System.Threading.Channels;
using Kis.Realtime.Internal;
using Kis.Realtime.Protocol;
using Microsoft.Extensions.Logging;

namespace Kis.Realtime.Tests.Gaps;

/// <summary>
/// Issue 74 finding 5: in A/B mode a feed's own gap is told with the feed's name and whether the other feed covered it
/// (the merged tape's gaps are where neither did).
/// </summary>
public sealed class MergedFeedGapTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 27, 0, 30, 0, TimeSpan.Zero); // 09:30 KST

    private static long VolumeOf(int n) => 10 + n;
    private static long AccumulatedOf(int n) => Enumerable.Range(1, n).Sum(i => VolumeOf(i));

    private static KisRecord Trade(int n)
    {
        var tr = KisTrs.H0STCNT0;
        var fields = Enumerable.Repeat("0", tr.Fields.Count).ToArray();
        fields[tr.IndexOf("stck_cntg_hour")] = (T0.ToOffset(KoreaTime.Offset) + TimeSpan.FromSeconds(n)).ToString("HHmmss", CultureInfo.InvariantCulture);
        fields[tr.IndexOf("bsop_date")] = "20261127";
        fields[tr.IndexOf("cntg_vol")] = VolumeOf(n).ToString(CultureInfo.InvariantCulture);
        fields[tr.IndexOf("acml_vol")] = AccumulatedOf(n).ToString(CultureInfo.InvariantCulture);
        return new KisRecord(tr, "005930", T0 + TimeSpan.FromSeconds(n), Encoding.ASCII.GetBytes(string.Join('^', fields)));
    }

    private static long Now(int second) => (T0 + TimeSpan.FromSeconds(second)).UtcTicks;

    [Fact]
    public void Each_feeds_own_gap_is_reported_with_how_much_of_it_the_merged_tape_lacks()
    {
        var feeds = new[] { new FeedCounters(), new FeedCounters() };
        var merge = new FeedMerge(KisTrs.H0STCNT0, "005930", feeds, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(10), 8192);
        var output = new List<KisRecord>();
        // A misses 3 (B has it, within the window); both miss 6.
        foreach (var n in new[] { 1, 2, 4, 5, 7 }) merge.Offer(0, Trade(n), Now(n), output);
        foreach (var n in new[] { 1, 2, 3, 4, 5, 7 }) merge.Offer(1, Trade(n), Now(n), output);
        merge.Flush(output);
        var gaps = new List<FeedMerge.FeedGap>();
        while (merge.TryTakeFeedGap(out var gap)) gaps.Add(gap);
        Assert.Equal([(0, VolumeOf(3), 0L), (0, VolumeOf(6), VolumeOf(6)), (1, VolumeOf(6), VolumeOf(6))],
            gaps.Select(g => (g.Source, g.Volume, g.MissingFromMerged)).OrderBy(g => g.Volume).ThenBy(g => g.Source));
    }

    [Fact]
    public async Task The_feeds_gap_warning_names_the_feed_and_says_whether_the_other_covered_it()
    {
        using var provider = new Client.CapturingLoggerProvider();
        using var loggers = LoggerFactory.Create(b => b.AddProvider(provider));
        var a = new ScriptedSource();
        var b = new ScriptedSource();
        await using var merged = new KisMergedClient([a, b], KisMergeOptions.Default with
        {
            ReorderWindow = TimeSpan.FromSeconds(30), SourceNames = ["KRX-1", "KRX-2"], LoggerFactory = loggers,
        });
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var received = 0;
        var consumer = Task.Run(async () =>
        {
            await foreach (var _ in merged.SubscribeRecordsAsync(KisTrs.H0STCNT0, "005930", stop.Token))
                if (++received == 6) break;
        });
        foreach (var n in new[] { 1, 2, 4, 5, 7 }) await a.Records.Writer.WriteAsync(Trade(n));
        foreach (var n in new[] { 1, 2, 3, 4, 5, 7 }) await b.Records.Writer.WriteAsync(Trade(n));
        await consumer.WaitAsync(stop.Token);
        var lines = provider.Lines.Where(l => l.Contains("missed", StringComparison.Ordinal)).ToArray();
        Assert.Contains(lines, l => l.Contains($"Feed KRX-1: H0STCNT0 005930: {VolumeOf(3)} missed between 09:30:02 and 09:30:04 KST " +
            "(cumulative volume); feed KRX-2 covered it: not a gap of the merged tape", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains($"Feed KRX-2: H0STCNT0 005930: {VolumeOf(6)} missed between 09:30:05 and 09:30:07 KST " +
            "(cumulative volume); feed KRX-1 did not cover it: a gap of the merged tape", StringComparison.Ordinal));
    }

    /// <summary>A source whose records a test writes.</summary>
    private sealed class ScriptedSource : IKisRealtimeClient
    {
        public Channel<KisRecord> Records { get; } = Channel.CreateUnbounded<KisRecord>();
        public KisConnectionState State => KisConnectionState.Connected;
        public KisRealtimeStatistics Statistics { get; } = new();
        public event EventHandler<KisStateChangedEventArgs>? StateChanged { add { } remove { } }
        public string? HtsId => null;
        public Task ConnectAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

        public IAsyncEnumerable<T> SubscribeAsync<T>(TrDefinition tr, string key, CancellationToken cancellationToken = default)
            where T : struct, IKisRecord<T> => throw new NotSupportedException();

        public IAsyncEnumerable<KisRecord> SubscribeRecordsAsync(TrDefinition tr, string key, CancellationToken cancellationToken = default)
            => Records.Reader.ReadAllAsync(cancellationToken);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
