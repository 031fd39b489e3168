using System.Threading.Channels;

namespace Kis.Realtime.Session;

/// <summary>
/// The open <see cref="KisRealtimeClient.ReadRawMessagesAsync"/> enumerations of a client: every session's receive loop
/// publishes each message to all of them. Readers take a copy-on-write array, so publishing takes no lock.
/// </summary>
internal sealed class RawTaps
{
    private volatile Channel<RawMessage>[] _taps = [];
    private readonly Lock _gate = new();

    public bool Any => _taps.Length != 0;

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
        foreach (var tap in taps) tap.Writer.TryWrite(message); // unbounded: never fails while open
    }

    public Channel<RawMessage> Add()
    {
        // Unbounded on purpose: recording must lose nothing; memory is the price of a slow disk.
        var channel = Channel.CreateUnbounded<RawMessage>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = false });
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
