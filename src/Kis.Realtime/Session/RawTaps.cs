using System.Threading.Channels;

namespace Kis.Realtime.Session;

/// <summary>
/// The open <see cref="KisRealtimeClient.ReadRawMessagesAsync"/> enumerations of a client: every session's receive loop
/// publishes each message to all of them. Readers take a copy-on-write array, so publishing takes no lock.
/// Each tap is bounded like a subscription's buffer (<see cref="KisRealtimeOptions.RawMessageCapacity"/>): a reader
/// that falls behind loses messages, counted in <see cref="KisRealtimeStatistics.RawMessagesDropped"/>, never memory.
/// </summary>
internal sealed class RawTaps(int capacity, KisFullMode fullMode, ClientCounters counters)
{
    private volatile Channel<RawMessage>[] _taps = [];
    private readonly Lock _gate = new();

    public bool Any => _taps.Length != 0;

    /// <summary>Taps open now.</summary>
    public int Count => _taps.Length;

    /// <summary>Messages buffered in all taps together.</summary>
    public int Buffered => _taps.Sum(t => t.Reader.Count);

    /// <summary>The approval keys in use (set once by the client): masked in control messages given to raw taps.</summary>
    public Func<IReadOnlyCollection<string>>? KnownApprovalKeys { get; set; }

    public void Publish(int session, DateTimeOffset receivedAt, ReadOnlySpan<byte> data)
    {
        var taps = _taps;
        if (taps.Length == 0) return;
        // A control reply may carry an approval key (KIS echoes the rejected one in OPSP0011): masked before it can be
        // recorded. Data frames (never a key) are copied as they are.
        var bytes = data.Length > 0 && data[0] == (byte)'{' && KnownApprovalKeys is { } known
            ? Protocol.Redaction.RawControlMessage(data, known())
            : data.ToArray();
        var message = new RawMessage(receivedAt, session, bytes);
        foreach (var tap in taps) tap.Writer.TryWrite(message); // a full tap drops (and counts) rather than wait
    }

    public Channel<RawMessage> Add()
    {
        // The receive loop never waits for a tap (it would stall every subscription of the session): Wait mode drops
        // the arriving message like DropNewest. Either way the channel reports each drop through the callback.
        var options = new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = fullMode == KisFullMode.DropOldest ? BoundedChannelFullMode.DropOldest : BoundedChannelFullMode.DropWrite,
        };
        var channel = Channel.CreateBounded<RawMessage>(options, _ => counters.OnRawDropped());
        lock (_gate) _taps = [.. _taps, channel];
        return channel;
    }

    public void Remove(Channel<RawMessage> channel)
    {
        lock (_gate) _taps = _taps.Where(c => c != channel).ToArray();
        channel.Writer.TryComplete();
    }

    public void CompleteAll()
    {
        lock (_gate)
        {
            foreach (var tap in _taps) tap.Writer.TryComplete();
            _taps = [];
        }
    }
}
