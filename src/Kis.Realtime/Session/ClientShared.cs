using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Kis.Realtime.Session;

/// <summary>State shared by a client's sessions: counters, the raw tap, the event dispatcher.</summary>
internal sealed class ClientShared(TimeProvider time, ILogger logger, System.Diagnostics.Metrics.IMeterFactory? meterFactory)
{
    /// <summary>Where state changes and drop notices go to reach the user's handlers (off every session thread and lock).</summary>
    public required SessionEvents Events { get; init; }

    /// <summary>This client's instruments (on a meter from its <see cref="KisRealtimeOptions.MeterFactory"/> when given).</summary>
    public readonly KisInstruments Instruments = new(meterFactory);

    public readonly TimeProvider Time = time;

    /// <summary><see cref="KisRealtimeOptions.InlineDelivery"/>.</summary>
    public bool InlineDelivery { get; init; }

    /// <summary><see cref="KisRealtimeOptions.DeliveryThreads"/>: where waiting consumers continue (unless inline).</summary>
    public DeliveryThreads? Delivery { get; init; }
    public readonly ILogger Logger = logger;

    public long Messages, Frames, Controls, Heartbeats, Records, Delivered, Unrouted, Bytes, DecodeErrors, Dropped, Reconnects,
        SlowConsumers, ResubscribeRefusals, ConnectAttempts, ProtocolErrors;

    private readonly Dictionary<string, long> _unroutedByTr = new(StringComparer.Ordinal);
    private readonly Lock _unroutedGate = new();
    private long _unroutedLoggedAt; // under _unroutedGate

    /// <summary>Records that reached no registration, per TR id: counted, exposed and logged (never silent).</summary>
    public void OnUnrouted(string trId, long count)
    {
        Interlocked.Add(ref Unrouted, count);
        Instruments.Unrouted.Add(count, new KeyValuePair<string, object?>(KisInstruments.TrIdAttribute, trId));
        long total;
        bool log;
        lock (_unroutedGate)
        {
            // The first occurrence per TR as a warning, then at most one line every 10 s.
            var first = !_unroutedByTr.TryGetValue(trId, out total);
            _unroutedByTr[trId] = total += count;
            var now = Time.GetTimestamp();
            log = first || Time.GetElapsedTime(_unroutedLoggedAt, now) >= TimeSpan.FromSeconds(10);
            if (log) _unroutedLoggedAt = now;
        }
        if (log) Log.Unrouted(Logger, trId, count, total);
    }

    public IReadOnlyDictionary<string, long> UnroutedByTr()
    {
        lock (_unroutedGate) return new Dictionary<string, long>(_unroutedByTr);
    }

    private volatile Channel<RawMessage>[] _rawTaps = [];
    private readonly Lock _tapGate = new();

    public bool HasRawTaps => _rawTaps.Length != 0;

    /// <summary>The approval keys in use (set once by the client): masked in control messages given to raw taps.</summary>
    public Func<IReadOnlyCollection<string>>? KnownApprovalKeys { get; set; }

    public void PublishRaw(int session, DateTimeOffset receivedAt, ReadOnlySpan<byte> data)
    {
        var taps = _rawTaps;
        if (taps.Length == 0) return;
        // A control reply may carry an approval key (KIS echoes the rejected one in OPSP0011): masked before it can be
        // recorded. Data frames (never a key) are copied as they are.
        var bytes = data.Length > 0 && data[0] == (byte)'{' && KnownApprovalKeys is { } known
            ? Protocol.Redaction.RawControlMessage(data, known())
            : data.ToArray();
        var message = new RawMessage(receivedAt, session, bytes);
        foreach (var tap in taps) tap.Writer.TryWrite(message); // unbounded: never fails while open
    }

    public Channel<RawMessage> AddRawTap()
    {
        // Unbounded on purpose: recording must lose nothing; memory is the price of a slow disk.
        var channel = Channel.CreateUnbounded<RawMessage>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = false });
        lock (_tapGate) _rawTaps = [.. _rawTaps, channel];
        return channel;
    }

    public void RemoveRawTap(Channel<RawMessage> channel)
    {
        lock (_tapGate) _rawTaps = _rawTaps.Where(c => c != channel).ToArray();
        channel.Writer.TryComplete();
    }

    public void CompleteRawTaps()
    {
        lock (_tapGate)
        {
            foreach (var tap in _rawTaps) tap.Writer.TryComplete();
            _rawTaps = [];
        }
    }

    public void OnDecodeError(Kis.Realtime.Protocol.DecodeError error, Kis.Realtime.Protocol.TrDefinition? tr)
    {
        Interlocked.Increment(ref DecodeErrors);
        Instruments.DecodeErrors.Add(1);
        Log.DecodeError(Logger, error.Describe(tr));
    }

    public void OnDropped(Subscriber subscriber)
    {
        Interlocked.Increment(ref subscriber.DroppedCount);
        Interlocked.Increment(ref Dropped);
        subscriber.Owner?.OnDropped();
        Instruments.Dropped.Add(1);
        // Called where the record was dropped (usually the receive loop): the user's handler runs on the dispatcher.
        Events.PublishDropped(subscriber);
    }
}
