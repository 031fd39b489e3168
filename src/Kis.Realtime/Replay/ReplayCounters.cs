namespace Kis.Realtime.Replay;

/// <summary>A replay's counters, all cursors together (each counter one atomic add; read as a snapshot).</summary>
internal sealed class ReplayCounters
{
    private long _messages, _frames, _controls, _bytes, _recordsRead, _delivered, _notDelivered, _decodeErrors;
    private int _subscriptions;

    public void Message(int bytes)
    {
        Interlocked.Increment(ref _messages);
        Interlocked.Add(ref _bytes, bytes);
    }

    public void Frame() => Interlocked.Increment(ref _frames);
    public void Control() => Interlocked.Increment(ref _controls);
    public void RecordsRead(int count) => Interlocked.Add(ref _recordsRead, count);
    public void Delivered() => Interlocked.Increment(ref _delivered);
    public void NotDelivered(int count) => Interlocked.Add(ref _notDelivered, count);
    public void DecodeError() => Interlocked.Increment(ref _decodeErrors);
    public void SubscriptionStarted() => Interlocked.Increment(ref _subscriptions);
    public void SubscriptionEnded() => Interlocked.Decrement(ref _subscriptions);

    public KisRealtimeStatistics Snapshot(long skippedBySource) => new()
    {
        MessagesReceived = Interlocked.Read(ref _messages),
        FramesReceived = Interlocked.Read(ref _frames),
        ControlMessagesReceived = Interlocked.Read(ref _controls),
        BytesReceived = Interlocked.Read(ref _bytes),
        RecordsReceived = Interlocked.Read(ref _recordsRead),
        RecordsDelivered = Interlocked.Read(ref _delivered),
        RecordsUnrouted = Interlocked.Read(ref _notDelivered),
        DecodeErrors = Interlocked.Read(ref _decodeErrors) + skippedBySource,
        Registrations = Volatile.Read(ref _subscriptions),
    };
}
