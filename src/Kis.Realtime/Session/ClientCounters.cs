using Kis.Realtime.Internal;
using Kis.Realtime.Protocol;
using Microsoft.Extensions.Logging;

namespace Kis.Realtime.Session;

/// <summary>
/// The counters of a client's sessions (all together), with the per-TR count of unrouted records. Every count that
/// has an instrument or a log line is raised here, so none is counted in one place and forgotten in another.
/// </summary>
internal sealed class ClientCounters(TimeProvider time, ILogger logger, KisInstruments instruments, SessionEvents events)
{
    public long Messages, Frames, Controls, Heartbeats, Records, Delivered, Unrouted, Bytes, DecodeErrors, Dropped, RawDropped, Reconnects,
        SlowConsumers, ResubscribeRefusals, ConnectAttempts, ProtocolErrors;

    private readonly Dictionary<string, long> _unroutedByTr = new(StringComparer.Ordinal);
    private readonly Lock _unroutedGate = new();
    private long _unroutedLoggedAt; // under _unroutedGate

    /// <summary>Records that reached no registration, per TR id: counted, exposed and logged (never silent).</summary>
    public void OnUnrouted(string trId, long count)
    {
        Interlocked.Add(ref Unrouted, count);
        instruments.Unrouted.Add(count, new KeyValuePair<string, object?>(KisInstruments.TrIdAttribute, trId));
        long total;
        bool log;
        lock (_unroutedGate)
        {
            // The first occurrence per TR as a warning, then at most one line every 10 s.
            var first = !_unroutedByTr.TryGetValue(trId, out total);
            _unroutedByTr[trId] = total += count;
            var now = time.GetTimestamp();
            log = first || time.GetElapsedTime(_unroutedLoggedAt, now) >= TimeSpan.FromSeconds(10);
            if (log) _unroutedLoggedAt = now;
        }
        if (log) Log.Unrouted(logger, trId, count, total);
    }

    public void OnDecodeError(DecodeError error, TrDefinition? tr)
    {
        Interlocked.Increment(ref DecodeErrors);
        instruments.DecodeErrors.Add(1);
        Log.DecodeError(logger, error.Describe(tr));
    }

    public void OnDropped(LocalSubscriber subscriber)
    {
        Interlocked.Increment(ref subscriber.DroppedCount);
        Interlocked.Increment(ref Dropped);
        subscriber.Owner?.OnDropped();
        instruments.Dropped.Add(1);
        // Called where the record was dropped (usually the receive loop): the user's handler runs on the dispatcher.
        events.PublishDropped(subscriber);
    }

    /// <summary>A raw tap's reader fell behind: counted, and logged on the first drop and then at most every 10 s.</summary>
    public void OnRawDropped()
    {
        var total = Interlocked.Increment(ref RawDropped);
        var now = time.GetTimestamp();
        var last = Interlocked.Read(ref _rawDroppedLoggedAt);
        if ((total == 1 || time.GetElapsedTime(last, now) >= TimeSpan.FromSeconds(10))
            && Interlocked.CompareExchange(ref _rawDroppedLoggedAt, now, last) == last)
            Log.RawMessagesDropped(logger, total);
    }

    private long _rawDroppedLoggedAt;

    /// <summary>A consistent-enough snapshot: each counter is read atomically, the set is not (no lock on the hot path).</summary>
    public KisRealtimeStatistics Snapshot(int registrations)
    {
        Dictionary<string, long> unroutedByTr;
        lock (_unroutedGate) unroutedByTr = new Dictionary<string, long>(_unroutedByTr);
        return new KisRealtimeStatistics
        {
            MessagesReceived = Interlocked.Read(ref Messages),
            FramesReceived = Interlocked.Read(ref Frames),
            ControlMessagesReceived = Interlocked.Read(ref Controls),
            HeartbeatsAnswered = Interlocked.Read(ref Heartbeats),
            RecordsReceived = Interlocked.Read(ref Records),
            RecordsDelivered = Interlocked.Read(ref Delivered),
            RecordsUnrouted = Interlocked.Read(ref Unrouted),
            BytesReceived = Interlocked.Read(ref Bytes),
            DecodeErrors = Interlocked.Read(ref DecodeErrors),
            Dropped = Interlocked.Read(ref Dropped),
            RawMessagesDropped = Interlocked.Read(ref RawDropped),
            Reconnects = Interlocked.Read(ref Reconnects),
            ConnectAttempts = Interlocked.Read(ref ConnectAttempts),
            SlowConsumers = Interlocked.Read(ref SlowConsumers),
            ResubscribeRefusals = Interlocked.Read(ref ResubscribeRefusals),
            ProtocolErrors = Interlocked.Read(ref ProtocolErrors),
            UnroutedByTr = unroutedByTr,
            Registrations = registrations,
        };
    }
}
