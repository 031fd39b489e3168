using System.Globalization;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Kis.Realtime.Internal;
using Kis.Realtime.Protocol;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kis.Realtime;

/// <summary>
/// Redundant feeds (A/B): any number of sources of the same keys (two app keys, a direct session beside a gateway …)
/// merged into one tape, so one source's drop or reconnect loses nothing. Every subscription subscribes on every source;
/// trades go out once each, in exchange order (by KIS's cumulative volume); records without a sequence (books, notices)
/// once per copy a source sent, the other sources' copies suppressed; a gap only when every source missed the trades.
/// Each source's health is in <see cref="GetFeedHealth"/>. An <see cref="IKisRealtimeClient"/> itself: bars, recording and the
/// typed helpers work on it as on any source (docs/library.md, "Redundant feeds").
/// </summary>
public sealed class KisMergedClient : IKisRealtimeClient
{
    private readonly IKisRealtimeClient[] _sources;
    private readonly FeedCounters[] _feeds;
    private readonly string[] _names;
    private readonly KisMergeOptions _options;
    private readonly ClientGaps _gaps;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _disposed = new();
    private readonly EventHandler<KisStateChangedEventArgs>[] _forwarders;
    private long _recordsDelivered, _decodeErrors;
    private int _disposing;

    /// <summary>Merges <paramref name="sources"/> (at least one; at most 64).</summary>
    /// <exception cref="ArgumentException">No source, the same source twice, or invalid options.</exception>
    public KisMergedClient(IReadOnlyList<IKisRealtimeClient> sources, KisMergeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(sources);
        if (sources.Count is 0 or > 64) throw new ArgumentException("A merged client needs 1 to 64 sources.", nameof(sources));
        if (sources.Any(s => s is null)) throw new ArgumentException("A source is null.", nameof(sources));
        if (sources.Distinct(ReferenceEqualityComparer.Instance).Count() != sources.Count)
            throw new ArgumentException("The same source is given twice; a merge wants independent sessions.", nameof(sources));
        _options = options ?? KisMergeOptions.Default;
        _options.Validate(sources.Count);
        _sources = [.. sources];
        _names = _options.SourceNames is { } names ? [.. names] : [.. sources.Select((_, i) => DefaultName(i))];
        _feeds = [.. sources.Select(_ => new FeedCounters())];
        _gaps = new ClientGaps(enabled: true, NullLogger.Instance, _options.TimeProvider, meter: null);
        _logger = _options.LoggerFactory?.CreateLogger<KisMergedClient>() ?? (ILogger)NullLogger.Instance;
        // Each source's state changes are the merged client's, the session index being the source's.
        _forwarders = new EventHandler<KisStateChangedEventArgs>[_sources.Length];
        for (var i = 0; i < _sources.Length; i++)
        {
            var index = i;
            _forwarders[i] = (_, e) => StateChanged?.Invoke(this,
                new KisStateChangedEventArgs(index, e.AppKey, e.Previous, e.Current, $"{_names[index]}: {e.Reason}", e.Code, e.RetryIn));
            _sources[i].StateChanged += _forwarders[i];
        }
    }

    // A, B … Z, then A1, B1 …
    private static string DefaultName(int index)
        => ((char)('A' + index % 26)).ToString() + (index >= 26 ? (index / 26).ToString(CultureInfo.InvariantCulture) : "");

    /// <summary>The sources, in the order given.</summary>
    public IReadOnlyList<IKisRealtimeClient> Sources => _sources;

    /// <summary>Each source's health, now (in the order of <see cref="Sources"/>): a snapshot built at each call.</summary>
    public IReadOnlyList<KisFeedHealth> GetFeedHealth() => [.. _sources.Select((source, i) => Health(source, i))];

    private KisFeedHealth Health(IKisRealtimeClient source, int i)
    {
        var feed = _feeds[i];
        var stats = source.Statistics;
        return new KisFeedHealth
        {
            Name = _names[i],
            State = source.State,
            Records = feed.Records,
            FirstDelivered = feed.FirstDelivered,
            DuplicatesSuppressed = feed.Repeats,
            LateTrades = feed.Late,
            UnplacedTrades = feed.Unplaced,
            Lag = feed.LastLag,
            MaxLag = feed.MaxLag,
            LastRecordAt = feed.LastReceivedAt,
            Reconnects = stats.Reconnects,
            Gaps = stats.Gaps,
            SubscriptionFailures = feed.Failures,
            LastFailure = feed.LastFailure,
            ConnectFailure = feed.ConnectFailure,
        };
    }

    /// <summary>Connected while any source is; else the most hopeful of theirs (connecting, reconnecting, then closed, faulted).</summary>
    public KisConnectionState State
    {
        get
        {
            var states = _sources.Select(s => s.State).ToList();
            foreach (var state in (KisConnectionState[])[KisConnectionState.Connected, KisConnectionState.Reconnecting, KisConnectionState.Connecting,
                         KisConnectionState.Closed])
                if (states.Contains(state)) return state;
            return KisConnectionState.Faulted;
        }
    }

    /// <summary>
    /// The merged tape's counters: records delivered and its gaps (only where every source missed the trades) are its
    /// own; records received, drops, reconnects and decode errors are the sources' summed (<see cref="GetFeedHealth"/> has each).
    /// </summary>
    public KisRealtimeStatistics Statistics
    {
        get
        {
            var sources = _sources.Select(s => s.Statistics).ToList();
            return new KisRealtimeStatistics
            {
                MessagesReceived = sources.Sum(s => s.MessagesReceived),
                FramesReceived = sources.Sum(s => s.FramesReceived),
                RecordsReceived = sources.Sum(s => s.RecordsReceived),
                RecordsDelivered = Interlocked.Read(ref _recordsDelivered),
                BytesReceived = sources.Sum(s => s.BytesReceived),
                DecodeErrors = sources.Sum(s => s.DecodeErrors) + Interlocked.Read(ref _decodeErrors),
                Dropped = sources.Sum(s => s.Dropped),
                Reconnects = sources.Sum(s => s.Reconnects),
                Registrations = sources.Sum(s => s.Registrations),
                ConnectAttempts = sources.Sum(s => s.ConnectAttempts),
                SlowConsumers = sources.Sum(s => s.SlowConsumers),
                Gaps = _gaps.Gaps,
                MissingVolume = _gaps.MissingVolume,
                Overlaps = _gaps.Overlaps,
                LargestGaps = _gaps.Largest,
            };
        }
    }

    /// <summary>Every source's state changes; <see cref="KisStateChangedEventArgs.SessionIndex"/> is the source's index.</summary>
    public event EventHandler<KisStateChangedEventArgs>? StateChanged;

    /// <summary>Gaps of the merged tape: trades every source missed (never one a source covered for another).</summary>
    public event Action<VolumeGap>? GapDetected
    {
        add => _gaps.GapDetected += value;
        remove => _gaps.GapDetected -= value;
    }

    /// <summary>The first source's HTS ID that is set.</summary>
    public string? HtsId => _sources.Select(s => s.HtsId).FirstOrDefault(id => id is not null);

    /// <summary>
    /// Connects every source; succeeds when one does: a source that could not connect is named with its failure in
    /// <see cref="GetFeedHealth"/> (<see cref="KisFeedHealth.ConnectFailure"/>), and each subscription tries it again.
    /// </summary>
    /// <exception cref="KisConnectionException">No source could be reached (the first source's failure).</exception>
    public async Task ConnectAsync(CancellationToken cancellationToken = default)
    {
        var attempts = _sources.Select(s => s.ConnectAsync(cancellationToken)).ToArray();
        try
        {
            await Task.WhenAll(attempts).ConfigureAwait(false);
        }
        catch when (attempts.Any(a => a.IsCompletedSuccessfully) && !cancellationToken.IsCancellationRequested)
        {
            // One source is enough to start; the others' failures are their health.
        }
        for (var i = 0; i < attempts.Length; i++)
            if (attempts[i].Exception?.InnerException is { } failure) _feeds[i].ConnectFailed(failure.Message);
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<T> SubscribeAsync<T>(TrDefinition tr, string key, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        where T : struct, IKisRecord<T>
    {
        ArgumentNullException.ThrowIfNull(tr);
        if (!T.Trs.Contains(tr))
            throw new ArgumentException($"{typeof(T).Name} does not decode {tr.Id}; it decodes {string.Join(", ", T.Trs.Select(t => t.Id))}.", nameof(tr));
        await foreach (var record in SubscribeRecordsAsync(tr, key, cancellationToken).ConfigureAwait(false))
        {
            if (T.TryDecode(record.Tr, record.Data.Span, out var value, out _)) yield return value;
            else Interlocked.Increment(ref _decodeErrors);
        }
    }

    /// <summary>
    /// The merged records of <paramref name="key"/>: subscribed on every source; a source whose subscription fails is
    /// counted in <see cref="GetFeedHealth"/> and the others carry on.
    /// </summary>
    /// <exception cref="KisSubscriptionException">Every source refused (the first refusal).</exception>
    public async IAsyncEnumerable<KisRecord> SubscribeRecordsAsync(TrDefinition tr, string key,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tr);
        ArgumentNullException.ThrowIfNull(key);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposing) != 0, this);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposed.Token);
        var merge = new FeedMerge(tr, key, _feeds, _options.ReorderWindow, _options.DuplicateWindow, _options.MaxKeptPerKey);
        // Recordings replayed flat out: merged in receive-time order on their receive clock, so thread timing cannot change
        // the tape. Paced replays keep the wall clock's windows, as live sources: a recording silent on a key for an hour
        // must not hold the other's records back for that hour.
        var queue = new MergeQueue(merge, _sources.Length, _options.QueuedRecordsPerSubscription,
            _sources.All(s => s is KisReplayClient { Options.Speed: null }), _options.TimeProvider);
        var failures = new Exception?[_sources.Length];
        var pumps = _sources.Select((source, i) => Task.Run(() => PumpAsync(source, i, tr, key, queue.Writer, failures, stop.Token))).ToArray();
        _ = Task.WhenAll(pumps).ContinueWith(_ => queue.Writer.TryComplete(), TaskScheduler.Default);

        var check = _gaps.For(tr, key); // the merged tape's own gaps: what every source missed
        var output = new List<KisRecord>();
        try
        {
            while (true)
            {
                queue.TakeReady(output);
                LogFeedGaps(merge, tr, key);
                foreach (var record in output)
                {
                    Observe(merge, check, tr, record);
                    yield return record;
                }
                var more = false;
                try
                {
                    more = await queue.WaitAsync(stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                {
                    // Disposed: the subscription ends like a completed one.
                }
                if (!more) break;
            }
            cancellationToken.ThrowIfCancellationRequested();
            queue.TakeRest(output);
            LogFeedGaps(merge, tr, key);
            foreach (var record in output)
            {
                Observe(merge, check, tr, record);
                yield return record;
            }
            if (failures.All(f => f is not null)) throw failures.First(f => f is KisSubscriptionException) ?? failures[0]!;
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            try
            {
                await Task.WhenAll(pumps).ConfigureAwait(false);
            }
            catch (Exception)
            {
                // Each pump records its own failure.
            }
        }
    }

    // The merged tape's gap check sees each record as it goes out; a late trade filling a hole given up on takes back
    // the gap it was counted in (a repeat for the check, which never moves back).
    private void Observe(FeedMerge merge, GapCheck? check, TrDefinition tr, KisRecord record)
    {
        if (merge.TryTakeLateFill(record, out var volume, out var filledWhole)) _gaps.Retract(tr.Id, volume, filledWhole);
        else check?.Observe(record.Data.Span, record.ReceivedAt);
        Interlocked.Increment(ref _recordsDelivered);
    }

    // A source's own gap, decided: named, and whether the other sources covered it (KisMergeOptions.LoggerFactory).
    private void LogFeedGaps(FeedMerge merge, TrDefinition tr, string key)
    {
        while (merge.TryTakeFeedGap(out var gap))
        {
            var others = _sources.Length == 2 ? $"feed {_names[1 - gap.Source]}" : "the other feeds";
            var cover = gap.MissingFromMerged == 0 ? $"{others} covered it: not a gap of the merged tape"
                : gap.MissingFromMerged >= gap.Volume ? $"{others} did not cover it: a gap of the merged tape"
                : $"{others} covered {gap.Volume - gap.MissingFromMerged} of it: {gap.MissingFromMerged} missing from the merged tape";
            MergeLog.FeedGap(_logger, _names[gap.Source], tr.Id, key, gap.Volume, gap.From, gap.To, cover);
        }
    }

    private async Task PumpAsync(IKisRealtimeClient source, int index, TrDefinition tr, string key,
        ChannelWriter<(int, KisRecord?)> queue, Exception?[] failures, CancellationToken stop)
    {
        try
        {
            await foreach (var record in source.SubscribeRecordsAsync(tr, key, stop).ConfigureAwait(false))
                await queue.WriteAsync((index, record), stop).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return; // the merged subscription ends: nobody waits for this source any more
        }
        catch (Exception e)
        {
            // The other sources carry on; the failure is the source's health, and the subscription's if every source fails.
            failures[index] = e;
            _feeds[index].Failed($"{tr.Id} {key}: {e.Message}");
        }
        // Failed, or ended (a replay at its end, a source disposed): either way the merge waits for it no more.
        try
        {
            await queue.WriteAsync((index, null), stop).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    /// <summary>Ends every subscription; disposes the sources when <see cref="KisMergeOptions.OwnsSources"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposing, 1) != 0) return;
        await _disposed.CancelAsync().ConfigureAwait(false);
        for (var i = 0; i < _sources.Length; i++) _sources[i].StateChanged -= _forwarders[i];
        if (_options.OwnsSources)
            foreach (var source in _sources) await source.DisposeAsync().ConfigureAwait(false);
        _gaps.Dispose();
        _disposed.Dispose();
    }
}
