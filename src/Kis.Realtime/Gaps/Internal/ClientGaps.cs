using System.Diagnostics.CodeAnalysis;
using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

#pragma warning disable CS1591 // Plumbing (KISRT0001) for the sibling packages: the type's summary says what it is for.
#pragma warning disable RS0026, RS0027 // Experimental plumbing: its overloads are not a compatibility promise.
namespace Kis.Realtime.Internal;

/// <summary>
/// A client's gap detection (direct session, gateway and replay alike): the totals for <c>Statistics</c>, the Meter's
/// <c>kis.realtime.gaps</c> and <c>kis.realtime.gaps.volume</c>, a rate-limited log line per gap, the largest gaps, and
/// the <c>GapDetected</c> event, raised from a task of its own (never on a receive loop, a consumer's thread or under a
/// lock). Each subscription checks its own records with a <see cref="GapCheck"/> (<see cref="For"/>).
/// </summary>
[Experimental("KISRT0001")]
public sealed class ClientGaps : IDisposable
{
    /// <summary>The largest gaps kept for summaries.</summary>
    public const int LargestKept = 5;

    // At most this many gaps are logged per window; the rest are counted and named in the next line logged.
    private const int LogBurst = 10;
    private static readonly TimeSpan LogWindow = TimeSpan.FromSeconds(10);
    // Events waiting for a slow handler; past this they are counted (GapEventsDropped) and logged, never queued unbounded.
    private const int EventCapacity = 10_000;

    private readonly bool _enabled;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Meter? _ownMeter;
    private readonly Counter<long> _gapCounter, _volumeCounter;
    private readonly Channel<VolumeGap> _events;
    private readonly Lock _gate = new(); // guards _largest, the log window and _handler's dispatcher start
    private readonly List<VolumeGap> _largest = [];
    private long _windowStart;
    private int _loggedInWindow;
    private long _notLogged;
    private Action<VolumeGap>? _handler;
    private Task? _dispatcher;
    private long _gaps, _missingVolume, _overlaps, _eventsDropped;

    /// <summary>Gap detection on <paramref name="meter"/> (or on a meter of its own, disposed with it).</summary>
    public ClientGaps(bool enabled, ILogger logger, TimeProvider time, Meter? meter)
    {
        _enabled = enabled;
        _logger = logger;
        _time = time;
        if (meter is null) meter = _ownMeter = new Meter(KisInstruments.MeterName);
        _gapCounter = meter.CreateCounter<long>("kis.realtime.gaps", "{gap}",
            "Gaps found from KIS's cumulative volume: trades missed between two received ones (attribute kis.tr_id)");
        _volumeCounter = meter.CreateCounter<long>("kis.realtime.gaps.volume", "{share}",
            "Volume (shares, contracts) of the trades missed (attribute kis.tr_id)");
        _events = Channel.CreateBounded<VolumeGap>(new BoundedChannelOptions(EventCapacity) { SingleReader = true,
            FullMode = BoundedChannelFullMode.DropWrite },
            _ => Interlocked.Increment(ref _eventsDropped));
    }

    /// <summary>Gaps found (missing volume).</summary>
    public long Gaps => Interlocked.Read(ref _gaps);
    /// <summary>Volume missed in them.</summary>
    public long MissingVolume => Interlocked.Read(ref _missingVolume);
    /// <summary>Overlaps found (a record repeating or overlapping one seen).</summary>
    public long Overlaps => Interlocked.Read(ref _overlaps);
    /// <summary>Gap events not raised because the handler fell <see cref="EventCapacity"/> behind (the gaps are counted).</summary>
    public long EventsDropped => Interlocked.Read(ref _eventsDropped);

    /// <summary>The largest gaps so far (by missing volume, largest first).</summary>
    public IReadOnlyList<VolumeGap> Largest
    {
        get
        {
            lock (_gate) return [.. _largest];
        }
    }

    /// <summary>A check for one subscription of (<paramref name="tr"/>, <paramref name="key"/>); null when off or not a trade TR.</summary>
    public GapCheck? For(Protocol.TrDefinition tr, string key)
        => _enabled && TradeVolumeFields.For(tr) is { } fields ? new GapCheck(this, fields, tr.Id, key) : null;

    /// <summary>The handlers of the client's <c>GapDetected</c> event.</summary>
    public event Action<VolumeGap>? GapDetected
    {
        add
        {
            lock (_gate)
            {
                _handler += value;
                _dispatcher ??= Task.Run(DispatchAsync);
            }
        }
        remove
        {
            lock (_gate) _handler -= value;
        }
    }

    /// <summary>
    /// Takes back <paramref name="volume"/> of a gap counted before: its trades came late after all (a merged tape's
    /// hole filled by a slower source); <paramref name="filledWhole"/>: the whole gap, so it is no gap. The meter's
    /// counters only grow: they keep what was reported.
    /// </summary>
    public void Retract(string trId, long volume, bool filledWhole)
    {
        ArgumentNullException.ThrowIfNull(trId);
        Interlocked.Add(ref _missingVolume, -volume);
        if (filledWhole) Interlocked.Decrement(ref _gaps);
    }

    /// <summary>Counts, meters, logs and queues one gap or overlap (on the thread that found it).</summary>
    internal void Report(in VolumeGap gap)
    {
        var tr = new KeyValuePair<string, object?>(KisInstruments.TrIdAttribute, gap.TrId);
        if (gap.Kind == VolumeGapKind.Missing)
        {
            Interlocked.Increment(ref _gaps);
            Interlocked.Add(ref _missingVolume, gap.MissingVolume);
            _gapCounter.Add(1, tr);
            _volumeCounter.Add(gap.MissingVolume, tr);
        }
        else Interlocked.Increment(ref _overlaps);

        bool log;
        long notLogged;
        lock (_gate)
        {
            if (gap.Kind == VolumeGapKind.Missing) KeepIfLarge(gap);
            var now = _time.GetTimestamp();
            if (_loggedInWindow == 0 || _time.GetElapsedTime(_windowStart, now) >= LogWindow) (_windowStart, _loggedInWindow) = (now, 0);
            log = _loggedInWindow < LogBurst;
            if (log) _loggedInWindow++;
            else _notLogged++;
            notLogged = log ? _notLogged : 0;
            if (log) _notLogged = 0;
        }
        if (log) Log(gap, notLogged);
        if (Volatile.Read(ref _handler) is not null) _events.Writer.TryWrite(gap);
    }

    private void KeepIfLarge(in VolumeGap gap)
    {
        if (_largest.Count == LargestKept && _largest[^1].MissingVolume >= gap.MissingVolume) return;
        var volume = gap.MissingVolume;
        var at = _largest.FindIndex(g => g.MissingVolume < volume);
        _largest.Insert(at < 0 ? _largest.Count : at, gap);
        if (_largest.Count > LargestKept) _largest.RemoveAt(LargestKept);
    }

    private void Log(in VolumeGap gap, long notLogged)
    {
        // The rate limit's tail only when it held lines back: "0 gap(s) before it not logged" on every line said nothing.
        var held = notLogged > 0 ? $"; {notLogged} gap(s) before it not logged (rate limit)" : "";
        if (gap.Kind == VolumeGapKind.Missing)
            GapLog.Missing(_logger, gap.TrId, gap.Key, gap.MissingVolume, gap.From, gap.To, gap.AcrossReconnect ? ", with a reconnect between them" : "", held);
        else
            GapLog.Overlap(_logger, gap.TrId, gap.Key, -gap.MissingVolume, gap.To, held);
    }

    private async Task DispatchAsync()
    {
        await foreach (var gap in _events.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                Volatile.Read(ref _handler)?.Invoke(gap);
            }
            catch (Exception e)
            {
                GapLog.HandlerFailed(_logger, e);
            }
        }
    }

    /// <summary>Delivers what is queued and stops the dispatcher (without waiting for a handler that never returns).</summary>
    public void Dispose()
    {
        _events.Writer.TryComplete();
        _ownMeter?.Dispose();
    }
}

/// <summary>
/// One subscription's gap check: a <see cref="GapDetector"/> fed with each record's time, volume and cumulative volume,
/// read from the plain record (<see cref="TradeVolumeFields"/>). One feeder (the subscription's consumer; in an unpaced replay, its cursor's decoding task).
/// </summary>
[Experimental("KISRT0001")]
public sealed class GapCheck
{
    private readonly ClientGaps _owner;
    private readonly TradeVolumeFields _fields;
    private readonly GapDetector _detector;
    private KstDayClock _clock;
    private long _reconnects = -1;

    internal GapCheck(ClientGaps owner, TradeVolumeFields fields, string trId, string key)
    {
        _owner = owner;
        _fields = fields;
        _detector = new GapDetector(trId, key);
    }

    /// <summary>The detector (its counts are this subscription's).</summary>
    public GapDetector Detector => _detector;

    /// <summary>
    /// Checks one record received at <paramref name="receivedAt"/> (whose KST date dates trades without one) on a
    /// connection that had seen <paramref name="reconnects"/> reconnects (a change marks the next gap as across one).
    /// </summary>
    public void Observe(ReadOnlySpan<byte> record, DateTimeOffset receivedAt, long reconnects = 0)
    {
        if (_fields.TryRead(record, out var trade)) Observe(trade, receivedAt, reconnects); // else the decoder counts it
    }

    /// <summary>As <see cref="Observe(ReadOnlySpan{byte}, DateTimeOffset, long)"/>, from the record's field ends found
    /// already (<see cref="TradeVolumeFields.TryRead(ReadOnlySpan{byte}, ReadOnlySpan{int}, out TradeVolume)"/>).</summary>
    public void Observe(ReadOnlySpan<byte> record, ReadOnlySpan<int> ends, DateTimeOffset receivedAt)
    {
        if (_fields.TryRead(record, ends, out var trade)) Observe(trade, receivedAt); // else the decoder counts it
    }

    /// <summary>Checks one trade whose fields were read elsewhere
    /// (<see cref="TradeVolumeFields.TryRead(ReadOnlySpan{byte}, out TradeVolume)"/>), in recording order.</summary>
    public void Observe(in TradeVolume trade, DateTimeOffset receivedAt, long reconnects = 0)
    {
        var (date, time, volume, accumulated) = trade;
        if (reconnects != _reconnects)
        {
            if (_reconnects >= 0) _detector.NoteReconnect();
            _reconnects = reconnects;
        }
        // A trade without a date of its own is dated from its receive time (KstDayClock); the receive date is only the
        // fallback's first date (computed once, not per record).
        DateOnly? receivedDate = date is null && !_clock.HasDate ? KoreaTime.DateOf(receivedAt) : null;
        if (_detector.Observe(_clock.Ticks(_detector.Calendar, date, time, receivedDate, TimeProvider.System, receivedAt.UtcTicks), KoreaTime.Offset, volume,
            accumulated, out var gap))
            _owner.Report(gap);
    }
}

/// <summary>Gap detection's log lines (event ids 2401–2403).</summary>
internal static partial class GapLog
{
    [LoggerMessage(2401, LogLevel.Warning,
        "{TrId} {Key}: {Volume} missed between {From:HH:mm:ss} and {To:HH:mm:ss} KST (cumulative volume){Reconnect}{NotLogged}")]
    public static partial void Missing(ILogger logger, string trId, string key, long volume, DateTimeOffset from, DateTimeOffset to, string reconnect,
        string notLogged);

    [LoggerMessage(2402, LogLevel.Information, "{TrId} {Key}: a record at {To:HH:mm:ss} KST repeats {Volume} already seen (cumulative volume){NotLogged}")]
    public static partial void Overlap(ILogger logger, string trId, string key, long volume, DateTimeOffset to, string notLogged);

    [LoggerMessage(2403, LogLevel.Warning, "A GapDetected handler threw; the next gaps are still raised")]
    public static partial void HandlerFailed(ILogger logger, Exception exception);
}
