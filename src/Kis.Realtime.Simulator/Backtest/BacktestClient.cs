using Kis.Realtime.Simulator.Market;
using Kis.Realtime.Internal;

namespace Kis.Realtime.Simulator.Backtest;

/// <summary>
/// A backtest's <see cref="IKisRealtimeClient"/>: the strategy's subscriptions, fed by the driver with the recording's
/// records in received order (and the venue's notices on H0STCNI0/9), each delivered through the pump. A subscription
/// starts at its first <c>MoveNextAsync</c> and sees what the recording holds from the driver's next step on, as a live
/// one sees what comes after it subscribed. Trade subscriptions are checked for gaps as a replay's are.
/// </summary>
internal sealed class BacktestClient : IKisRealtimeClient
{
    private readonly Lock _gate = new();
    private readonly BacktestPump _pump;
    private readonly Dictionary<string, List<BacktestFeed>> _byTr = new(StringComparer.Ordinal);
    private readonly List<BacktestFeed> _feeds = [];
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2213",
        Justification = "Nothing to free (no timer, no wait handle); undisposed, a call racing disposal never meets ObjectDisposedException")]
    private readonly CancellationTokenSource _disposed = new();

    public BacktestClient(BacktestPump pump, KisBacktestOptions options)
    {
        _pump = pump;
        HtsId = options.HtsId;
        Gaps = new Kis.Realtime.Internal.ClientGaps(
            options.DetectGaps, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, TimeProvider.System, null);
    }

    internal Kis.Realtime.Internal.ClientGaps Gaps { get; }

    /// <summary>The strategy's queue (where its subscriptions resume it).</summary>
    internal BacktestPump Pump => _pump;

    internal ReplayCounters Counters { get; } = new();

    public KisConnectionState State => _disposed.IsCancellationRequested ? KisConnectionState.Closed : KisConnectionState.Connected;

    public KisRealtimeStatistics Statistics => Counters.Snapshot(0, [], Gaps);

    /// <summary>The statistics with the lines <paramref name="recording"/> skipped as unreadable (located, as a replay's).</summary>
    public KisRealtimeStatistics StatisticsWith(KisRecordingSource recording) => Counters.Snapshot(recording.Skipped, recording.FirstSkipped, Gaps);

    public event EventHandler<KisStateChangedEventArgs>? StateChanged { add { } remove { } }

    public event Action<Kis.Realtime.VolumeGap>? GapDetected
    {
        add => Gaps.GapDetected += value;
        remove => Gaps.GapDetected -= value;
    }

    public string? HtsId { get; }

    public Task ConnectAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    /// <summary>The feeds of a recorded TR id (null when nothing subscribes to it): what the driver routes a frame to.</summary>
    public List<BacktestFeed>? FeedsOf(string trId)
    {
        lock (_gate) return _byTr.TryGetValue(trId, out var feeds) && feeds.Count > 0 ? feeds : null;
    }

    /// <summary>The keys subscribed to stock TRs (what the venue follows the market of).</summary>
    public IReadOnlyList<BacktestFeed> Feeds
    {
        get
        {
            lock (_gate) return [.. _feeds];
        }
    }

    /// <summary>Hands the venue's notices to the notice subscriptions of their HTS IDs (each record's first field).</summary>
    public void Notices(BacktestNoticeBatch notices, DateTimeOffset at)
    {
        for (var i = 0; i < notices.Count; i++) Notice(notices[i], at);
    }

    private void Notice(ReadOnlySpan<byte> record, DateTimeOffset at)
    {
        var htsId = record[..record.IndexOf((byte)'^')];
        // A notice subscription is filed under both of its ids (H0STCNI0 and H0STCNI9): each feed once. A futures/options
        // order's notice has H0IFCNI0's 22 fields, a stock order's H0STCNI0's 26.
        var tr = record.Count((byte)'^') == OrderNotices.DerivativeFields - 1 ? KisTrs.H0IFCNI0 : KisTrs.H0STCNI0;
        if (FeedsOf(tr.Id) is not { } feeds) return;
        byte[]? copy = null; // the record's one copy for every feed that keeps records (a transient one copies its own)
        foreach (var feed in feeds)
            if (SameHtsId(htsId, feed))
                feed.Offer(feed.Tr, record, at, ref copy);
    }

    /// <summary>An HTS ID matches regardless of case, as in a live session (the bytes compared first: the usual case).</summary>
    private static bool SameHtsId(ReadOnlySpan<byte> htsId, BacktestFeed feed) =>
        htsId.SequenceEqual(feed.KeyBytes) || string.Equals(System.Text.Encoding.UTF8.GetString(htsId), feed.Key, StringComparison.OrdinalIgnoreCase);

    /// <summary>The recording ended: every subscription's loop ends after what is queued.</summary>
    public void EndAll(Func<BacktestFeed, bool> which)
    {
        foreach (var feed in Feeds)
            if (which(feed)) feed.End();
    }

    public IAsyncEnumerable<T> SubscribeAsync<T>(TrDefinition tr, string key, CancellationToken cancellationToken = default)
        where T : struct, IKisRecord<T>
    {
        Check<T>(tr, key);
        return Typed<T>(tr, key, cancellationToken);
    }

    public IAsyncEnumerable<KisReceived<T>> SubscribeReceivedAsync<T>(TrDefinition tr, string key, CancellationToken cancellationToken = default)
        where T : struct, IKisRecord<T>
    {
        Check<T>(tr, key);
        return Received<T>(tr, key, cancellationToken);
    }

    public IAsyncEnumerable<KisRecord> SubscribeRecordsAsync(TrDefinition tr, string key, CancellationToken cancellationToken = default)
    {
        Check(tr, key);
        return Raw(tr, key, transient: false, cancellationToken);
    }

    // Transient: each record is read before the next is asked for, and its bytes are not handed out (typed ones).
    private BacktestSubscription<T, DecodedReader<T>> Typed<T>(TrDefinition tr, string key, CancellationToken cancellationToken)
        where T : struct, IKisRecord<T> => new(this, tr, key, transient: true, cancellationToken);

    private BacktestSubscription<KisReceived<T>, ReceivedReader<T>> Received<T>(TrDefinition tr, string key, CancellationToken cancellationToken)
        where T : struct, IKisRecord<T> => new(this, tr, key, transient: true, cancellationToken);

    private BacktestSubscription<KisRecord, RawReader> Raw(TrDefinition tr, string key, bool transient, CancellationToken cancellationToken) =>
        new(this, tr, key, transient, cancellationToken);

    /// <summary>A subscription starts: its feed, checked for gaps, registered (the driver routes to it from its next step).</summary>
    internal BacktestFeed Open(TrDefinition tr, string key, bool transient, bool takesDecodedTrades = false)
    {
        var feed = new BacktestFeed(_pump, tr, key, new HashSet<string>(StringComparer.Ordinal)
        {
            tr.Id, KisTrs.ForEnvironment(tr, KisEnvironment.Paper).Id, KisTrs.ForEnvironment(tr, KisEnvironment.Real).Id,
        }, transient, takesDecodedTrades);
        feed.GapChecks = new Kis.Realtime.Internal.GapChecks(Gaps, key);
        Register(feed);
        return feed;
    }

    /// <summary>A subscription ended (its records did, it failed or it was disposed).</summary>
    internal void Close(BacktestFeed feed) => Unregister(feed);

    /// <summary>Cancelled when the client is disposed: every subscription ends.</summary>
    internal CancellationToken Disposed => _disposed.Token;

    /// <summary>Changes at every subscription and unsubscription (the driver refreshes what it follows).</summary>
    public int Version => Volatile.Read(ref _version);

    private int _version;

    private void Register(BacktestFeed feed)
    {
        Counters.SubscriptionStarted();
        lock (_gate)
        {
            _feeds.Add(feed);
            foreach (var id in feed.TrIds)
            {
                if (!_byTr.TryGetValue(id, out var feeds)) _byTr[id] = feeds = [];
                // Copied on write: the driver iterates a list it got without the lock.
                _byTr[id] = [.. feeds, feed];
            }
            Volatile.Write(ref _version, _version + 1); // after the lists: the driver reads it without the lock
        }
    }

    private void Unregister(BacktestFeed feed)
    {
        Counters.SubscriptionEnded();
        lock (_gate)
        {
            _feeds.Remove(feed);
            foreach (var id in feed.TrIds)
                if (_byTr.TryGetValue(id, out var feeds)) _byTr[id] = [.. feeds.Where(f => f != feed)];
            Volatile.Write(ref _version, _version + 1);
        }
    }

    private void Check<T>(TrDefinition tr, string key) where T : struct, IKisRecord<T>
    {
        Check(tr, key);
        if (!T.Trs.Contains(tr))
            throw new ArgumentException($"{typeof(T).Name} does not decode {tr.Id}; it decodes {string.Join(", ", T.Trs.Select(t => t.Id))}.", nameof(tr));
    }

    private void Check(TrDefinition tr, string key)
    {
        ArgumentNullException.ThrowIfNull(tr);
        ArgumentNullException.ThrowIfNull(key);
        ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
        if (!tr.IsValidKey(key)) throw new ArgumentException($"'{key}' is not a valid {tr.Id} key ({tr.KeyFormat}).", nameof(key));
    }

    public ValueTask DisposeAsync()
    {
        if (!_disposed.IsCancellationRequested)
        {
            _disposed.Cancel();
            Gaps.Dispose();
        }
        return ValueTask.CompletedTask;
    }
}
