using System.Threading.Channels;
using Kis.Realtime.Protocol;
using Kis.Realtime.Trs;

namespace Kis.Realtime.Session;

/// <summary>The time a message arrived: a <see cref="TimeProvider"/> timestamp (latency) and the UTC time (for users).</summary>
internal readonly record struct MessageStamp(long Timestamp, DateTimeOffset ReceivedAt);

internal enum DeliverResult
{
    Delivered,
    Blocked,
    DecodeError,
    Closed,
}

/// <summary>Counts shared by every enumeration of one <see cref="KisSubscription{T}"/>.</summary>
internal interface ISubscriptionOwner
{
    void OnDropped();
}

/// <summary>One consumer of a registration: a bounded channel filled by the session's receive loop.</summary>
internal abstract class Subscriber(TrDefinition tr, string key, ISubscriptionOwner? owner)
{
    public readonly TrDefinition Tr = tr;
    public readonly string Key = key;
    public readonly ISubscriptionOwner? Owner = owner;
    public long DroppedCount;

    /// <summary>Why the last <see cref="DeliverResult.DecodeError"/> happened.</summary>
    public virtual DecodeError LastError => default;

    /// <summary>Decodes and queues a record. Runs on the receive loop: must not block.</summary>
    public abstract DeliverResult Deliver(TrDefinition tr, ReadOnlySpan<byte> record, in MessageStamp stamp);

    /// <summary>Wait mode: moves the records that did not fit into the channel, waiting for the consumer.</summary>
    public abstract ValueTask FlushAsync(CancellationToken cancellationToken);

    /// <summary>Ends the consumer's enumeration (with an error, or normally).</summary>
    public abstract void Complete(Exception? error);
}

/// <summary>A record and when its frame arrived.</summary>
internal readonly record struct Envelope<T>(T Value, long Timestamp);

internal abstract class ChannelSubscriber<T> : Subscriber
{
    private readonly Channel<Envelope<T>> _channel;
    private readonly bool _wait;
    private readonly Queue<Envelope<T>> _overflow = new();
    private volatile bool _completed;

    protected ChannelSubscriber(TrDefinition tr, string key, int capacity, KisFullMode mode, ClientShared shared, ISubscriptionOwner? owner)
        : base(tr, key, owner)
    {
        _wait = mode == KisFullMode.Wait;
        var options = new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            SingleWriter = true,
            AllowSynchronousContinuations = false,
            // DropWrite drops the arriving item: what users call "drop newest".
            FullMode = mode switch { KisFullMode.DropOldest => BoundedChannelFullMode.DropOldest, KisFullMode.DropNewest => BoundedChannelFullMode.DropWrite, _ => BoundedChannelFullMode.Wait },
        };
        _channel = _wait ? Channel.CreateBounded<Envelope<T>>(options) : Channel.CreateBounded<Envelope<T>>(options, _ => shared.OnDropped(this));
    }

    public ChannelReader<Envelope<T>> Reader => _channel.Reader;

    protected abstract bool TryCreate(TrDefinition tr, ReadOnlySpan<byte> record, in MessageStamp stamp, out T value);

    public sealed override DeliverResult Deliver(TrDefinition tr, ReadOnlySpan<byte> record, in MessageStamp stamp)
    {
        if (_completed) return DeliverResult.Closed;
        if (!TryCreate(tr, record, stamp, out var value)) return DeliverResult.DecodeError;
        var envelope = new Envelope<T>(value, stamp.Timestamp);
        if (_overflow.Count == 0 && _channel.Writer.TryWrite(envelope)) return DeliverResult.Delivered;
        if (!_wait) return DeliverResult.Closed;
        _overflow.Enqueue(envelope); // keeps order behind what is already waiting
        return DeliverResult.Blocked;
    }

    public sealed override async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (_overflow.TryPeek(out var item))
            {
                await _channel.Writer.WriteAsync(item, cancellationToken).ConfigureAwait(false);
                _overflow.Dequeue();
            }
        }
        catch (ChannelClosedException)
        {
            _overflow.Clear(); // the consumer left
        }
    }

    public sealed override void Complete(Exception? error)
    {
        _completed = true;
        _channel.Writer.TryComplete(error);
    }
}

/// <summary>A typed subscriber: decodes each record into <typeparamref name="T"/>.</summary>
internal sealed class TypedSubscriber<T>(TrDefinition tr, string key, int capacity, KisFullMode mode, ClientShared shared, ISubscriptionOwner? owner)
    : ChannelSubscriber<T>(tr, key, capacity, mode, shared, owner) where T : struct, IKisRecord<T>
{
    private DecodeError _lastError;

    public override DecodeError LastError => _lastError;

    protected override bool TryCreate(TrDefinition tr, ReadOnlySpan<byte> record, in MessageStamp stamp, out T value)
    {
        if (T.TryDecode(tr, record, out value, out var error)) return true;
        _lastError = error;
        return false;
    }
}

/// <summary>A raw subscriber: copies each record out of the receive buffer.</summary>
internal sealed class RecordSubscriber(TrDefinition tr, string key, int capacity, KisFullMode mode, ClientShared shared, ISubscriptionOwner? owner)
    : ChannelSubscriber<KisRecord>(tr, key, capacity, mode, shared, owner)
{
    protected override bool TryCreate(TrDefinition tr, ReadOnlySpan<byte> record, in MessageStamp stamp, out KisRecord value)
    {
        value = new KisRecord(tr, Key, stamp.ReceivedAt, record.ToArray());
        return true;
    }
}
