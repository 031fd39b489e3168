using System.Threading.Channels;
using Kis.Realtime.Protocol;

namespace Kis.Realtime.Session;

/// <summary>
/// The time a message arrived: a <see cref="TimeProvider"/> timestamp (latency) and the UTC time (for users), and the
/// session's reconnect count on the connection that received it. The count travels with each record because a record
/// from before a drop may still be buffered when the session has reconnected: read at consume time, the reconnect
/// would be pinned on it and the gap found at the first record after the drop would lose its AcrossReconnect mark.
/// </summary>
internal readonly record struct MessageStamp(long Timestamp, DateTimeOffset ReceivedAt, long Reconnects);

/// <summary>
/// A record waiting in a subscription's channel: a slice of a per-frame copy of the plain payload (one copy per
/// frame, shared by every record and subscriber of that frame), decoded on the consumer's thread. Decoding there
/// keeps the receive loop short and lets it run in parallel with the consumers.
/// </summary>
internal readonly record struct PendingRecord(TrDefinition Tr, byte[] Buffer, int Offset, int Length, long Timestamp, DateTimeOffset ReceivedAt,
    long Reconnects)
{
    public ReadOnlySpan<byte> Span => Buffer.AsSpan(Offset, Length);
}

/// <summary>Counts shared by every enumeration of one <see cref="KisSubscription{T}"/>.</summary>
internal interface ISubscriptionOwner
{
    void OnDropped();
}

/// <summary>
/// One local consumer of a <see cref="TrKeyRegistration"/> (one enumeration of a subscription or one record feed): a
/// bounded channel filled by the session's receive loop. Not the gateway's subscribers (see docs/library.md, Names).
/// </summary>
internal abstract class LocalSubscriber
{
    public readonly TrDefinition Tr;
    public readonly string Key;
    public readonly ISubscriptionOwner? Owner;
    public long DroppedCount;
    /// <summary>1 while a drop notice of this subscriber waits in <see cref="SessionEvents"/>.</summary>
    public int DropNoticeQueued;
    /// <summary>The running total the last drop notice carried (written by the event dispatcher only).</summary>
    public long DropsReported;

    private readonly Channel<PendingRecord> _channel;
    private readonly bool _wait;
    private readonly Queue<PendingRecord> _overflow = new();
    private volatile bool _completed;
    private readonly int _lowWater;
    private volatile TaskCompletionSource? _space;
    private readonly DeliveryThread? _delivery;

    protected LocalSubscriber(TrDefinition tr, string key, int capacity, KisFullMode mode, ClientShared shared, ISubscriptionOwner? owner)
    {
        Tr = tr;
        Key = key;
        Owner = owner;
        Shared = shared;
        _wait = mode == KisFullMode.Wait;
        _lowWater = capacity / 2;
        _delivery = shared.InlineDelivery ? null : shared.Delivery?.Next();
        var options = new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            SingleWriter = true,
            // Inline: the consumer's loop body runs on the receive loop. With a delivery thread only the hop to it does
            // (WaitToReadAsync). Otherwise off: the body runs on a pool thread, never on the receive loop.
            AllowSynchronousContinuations = shared.InlineDelivery || _delivery is not null,
            // DropWrite drops the arriving item: what users call "drop newest".
            FullMode = mode switch { KisFullMode.DropOldest => BoundedChannelFullMode.DropOldest, KisFullMode.DropNewest => BoundedChannelFullMode.DropWrite, _
                => BoundedChannelFullMode.Wait },
        };
        _channel = _wait ? Channel.CreateBounded<PendingRecord>(options) : Channel.CreateBounded<PendingRecord>(options, _ => shared.Counters.OnDropped(this));
    }

    protected ClientShared Shared { get; }

    public ChannelReader<PendingRecord> Reader => _channel.Reader;

    /// <summary>Waits for a record (or the end); a consumer that had to wait continues on its delivery thread.</summary>
    public ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken)
        => _delivery is null ? _channel.Reader.WaitToReadAsync(cancellationToken) : _delivery.WaitToReadAsync(_channel.Reader, cancellationToken);

    /// <summary>Queues a record; false when it is held back (Wait mode, full) and <see cref="FlushAsync"/> must run.</summary>
    public bool Deliver(in PendingRecord record)
    {
        if (_completed) return true;
        if (_overflow.Count == 0 && _channel.Writer.TryWrite(record)) return true;
        if (!_wait) return true; // completed meanwhile
        _overflow.Enqueue(record); // keeps order behind what is already waiting
        return false;
    }

    /// <summary>
    /// Wait mode: moves the held-back records into the channel as the consumer makes room. Resumes only once the
    /// consumer has drained the channel to half its capacity: waking per freed slot would make the two threads
    /// ping-pong for every record.
    /// </summary>
    public async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        var writer = _channel.Writer;
        while (_overflow.TryPeek(out var item))
        {
            if (_completed)
            {
                _overflow.Clear(); // the consumer left
                return;
            }
            if (writer.TryWrite(item))
            {
                _overflow.Dequeue();
                continue;
            }
            var space = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _space = space;
            if (_channel.Reader.Count <= _lowWater || _completed)
            {
                _space = null; // drained (or left) before the consumer could see the request
                continue;
            }
            await space.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Called by the consumer after each read: wakes a waiting receive loop once the channel is half empty.</summary>
    public void OnConsumed()
    {
        var space = _space;
        if (space is null || _channel.Reader.Count > _lowWater) return;
        _space = null;
        space.TrySetResult();
    }

    /// <summary>Ends the consumer's enumeration (with an error, or normally).</summary>
    public void Complete(Exception? error)
    {
        _completed = true;
        _channel.Writer.TryComplete(error);
        Interlocked.Exchange(ref _space, null)?.TrySetResult();
    }

    /// <summary>Counts a record the consumer side could not decode (it is skipped).</summary>
    protected void DecodeFailed(DecodeError error) => Shared.Counters.OnDecodeError(error, Tr);
}

/// <summary>A subscriber whose consumer sees <typeparamref name="T"/>.</summary>
internal abstract class LocalSubscriber<T>(TrDefinition tr, string key, int capacity, KisFullMode mode, ClientShared shared, ISubscriptionOwner? owner)
    : LocalSubscriber(tr, key, capacity, mode, shared, owner)
{
    /// <summary>Turns a queued record into what the consumer sees; false (counted) when it does not decode.</summary>
    public abstract bool TryCreate(in PendingRecord record, out T value);
}

/// <summary>A typed subscriber: decodes each record into <typeparamref name="T"/>.</summary>
internal sealed class TypedLocalSubscriber<T>(TrDefinition tr, string key, int capacity, KisFullMode mode, ClientShared shared, ISubscriptionOwner? owner)
    : LocalSubscriber<T>(tr, key, capacity, mode, shared, owner) where T : struct, IKisRecord<T>
{
    public override bool TryCreate(in PendingRecord record, out T value)
    {
        if (T.TryDecode(record.Tr, record.Span, out value, out var error)) return true;
        DecodeFailed(error);
        return false;
    }
}

/// <summary>A typed subscriber that keeps each record's receive time.</summary>
internal sealed class ReceivedLocalSubscriber<T>(TrDefinition tr, string key, int capacity, KisFullMode mode, ClientShared shared, ISubscriptionOwner? owner)
    : LocalSubscriber<KisReceived<T>>(tr, key, capacity, mode, shared, owner) where T : struct, IKisRecord<T>
{
    public override bool TryCreate(in PendingRecord record, out KisReceived<T> value)
    {
        if (T.TryDecode(record.Tr, record.Span, out var decoded, out var error))
        {
            value = new KisReceived<T>(decoded, record.ReceivedAt);
            return true;
        }
        DecodeFailed(error);
        value = default;
        return false;
    }
}

/// <summary>A raw subscriber: the record's bytes (a slice of the frame's copy).</summary>
internal sealed class RecordLocalSubscriber(TrDefinition tr, string key, int capacity, KisFullMode mode, ClientShared shared, ISubscriptionOwner? owner)
    : LocalSubscriber<KisRecord>(tr, key, capacity, mode, shared, owner)
{
    public override bool TryCreate(in PendingRecord record, out KisRecord value)
    {
        value = new KisRecord(record.Tr, Key, record.ReceivedAt, record.Buffer.AsMemory(record.Offset, record.Length))
        {
            SessionReconnects = record.Reconnects,
        };
        return true;
    }
}
