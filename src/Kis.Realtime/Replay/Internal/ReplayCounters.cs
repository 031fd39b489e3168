using System.Diagnostics.CodeAnalysis;
#pragma warning disable CS1591 // Plumbing (KISRT0001) for the sibling packages: the type's summary says what it is for.
namespace Kis.Realtime.Internal;

/// <summary>A replay's counters, all cursors together (cursors add theirs in batches; read as a snapshot).</summary>
[Experimental("KISRT0001")]
public sealed class ReplayCounters
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
    public void Delivered(long count) => AddIfAny(ref _delivered, count);
    public void NotDelivered(int count) => Interlocked.Add(ref _notDelivered, count);
    public void DecodeError() => Interlocked.Increment(ref _decodeErrors);

    /// <summary>The first few undecodable records the cursors located (they count them in their own counters).</summary>
    public UndecodableSamples FirstUndecodable { get; } = new();
    /// <summary>Adds a cursor's counts, gathered without atomics (zeros are skipped).</summary>
    public void Add(long messages, long bytes, long frames, long controls, long recordsRead, long delivered, long notDelivered, long decodeErrors)
    {
        AddIfAny(ref _messages, messages);
        AddIfAny(ref _bytes, bytes);
        AddIfAny(ref _frames, frames);
        AddIfAny(ref _controls, controls);
        AddIfAny(ref _recordsRead, recordsRead);
        AddIfAny(ref _delivered, delivered);
        AddIfAny(ref _notDelivered, notDelivered);
        AddIfAny(ref _decodeErrors, decodeErrors);
    }

    private static void AddIfAny(ref long counter, long value)
    {
        if (value != 0) Interlocked.Add(ref counter, value);
    }

    public void SubscriptionStarted() => Interlocked.Increment(ref _subscriptions);
    public void SubscriptionEnded() => Interlocked.Decrement(ref _subscriptions);

    public KisRealtimeStatistics Snapshot(long skippedBySource, IReadOnlyList<KisUndecodableRecord> firstSkippedBySource, ClientGaps gaps) => new()
    {
        Gaps = gaps.Gaps,
        MissingVolume = gaps.MissingVolume,
        Overlaps = gaps.Overlaps,
        LargestGaps = gaps.Largest,
        MessagesReceived = Interlocked.Read(ref _messages),
        FramesReceived = Interlocked.Read(ref _frames),
        ControlMessagesReceived = Interlocked.Read(ref _controls),
        BytesReceived = Interlocked.Read(ref _bytes),
        RecordsReceived = Interlocked.Read(ref _recordsRead),
        RecordsDelivered = Interlocked.Read(ref _delivered),
        RecordsUnrouted = Interlocked.Read(ref _notDelivered),
        DecodeErrors = Interlocked.Read(ref _decodeErrors) + skippedBySource,
        FirstUndecodable = UndecodableSamples.Merge(FirstUndecodable.Snapshot(), firstSkippedBySource),
        Registrations = Volatile.Read(ref _subscriptions),
    };
}
