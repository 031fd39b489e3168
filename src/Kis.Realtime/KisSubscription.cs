using Kis.Realtime.Protocol;
using Kis.Realtime.Session;

namespace Kis.Realtime;

/// <summary>
/// A subscription to one TR key, consumed with <c>await foreach</c>. Enumerating registers the key on the server
/// (the first <c>MoveNextAsync</c> waits for KIS's reply and throws <see cref="KisSubscriptionException"/> if KIS
/// refuses); leaving the loop releases the registration. Survives reconnects: the client replays the registration.
/// Each enumeration is an independent consumer; consumers of the same key share one server registration.
/// </summary>
/// <typeparam name="T">The record type.</typeparam>
public sealed class KisSubscription<T> : IAsyncEnumerable<T>, ISubscriptionOwner
{
    private readonly KisRealtimeClient _client;
    private readonly Func<ISubscriptionOwner, LocalSubscriber<T>> _createSubscriber;
    private readonly CancellationToken _cancellationToken;
    private long _dropped;

    internal KisSubscription(KisRealtimeClient client, TrDefinition tr, string trKey,
        Func<ISubscriptionOwner, LocalSubscriber<T>> createSubscriber, CancellationToken cancellationToken)
    {
        _client = client;
        Tr = tr;
        TrKey = trKey;
        _createSubscriber = createSubscriber;
        _cancellationToken = cancellationToken;
    }

    /// <summary>The TR (after the environment mapping, e.g. H0IFCNI9 on paper).</summary>
    public TrDefinition Tr { get; }

    /// <summary>The key (<c>tr_key</c>).</summary>
    public string TrKey { get; }

    /// <summary>Records this subscription dropped because its consumer fell behind (see <see cref="KisRealtimeOptions.FullMode"/>).</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    void ISubscriptionOwner.OnDropped() => Interlocked.Increment(ref _dropped);

    /// <inheritdoc/>
    public IAsyncEnumerator<T> GetAsyncEnumerator(CancellationToken cancellationToken = default) => Enumerate(cancellationToken);

    private async IAsyncEnumerator<T> Enumerate(CancellationToken cancellationToken)
    {
        using var linked = cancellationToken.CanBeCanceled && _cancellationToken.CanBeCanceled
            ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _cancellationToken)
            : null;
        var token = linked?.Token ?? (cancellationToken.CanBeCanceled ? cancellationToken : _cancellationToken);

        var subscriber = _createSubscriber(this);
        var session = await _client.AttachAsync(subscriber, token).ConfigureAwait(false);
        try
        {
            var reader = subscriber.Reader;
            var time = _client.Options.TimeProvider;
            var instruments = _client.Instruments;
            var gaps = _client.Gaps.For(Tr, TrKey); // null unless a trade TR with a cumulative volume (and detection on)
            while (await subscriber.WaitToReadAsync(token).ConfigureAwait(false))
            {
                while (reader.TryRead(out var item))
                {
                    subscriber.OnConsumed();
                    if (!subscriber.TryCreate(item, out var value)) continue; // counted as a decode error
                    gaps?.Observe(item.Span, item.ReceivedAt, item.Reconnects); // as received, not as consumed
                    if (instruments.DeliveryDuration.Enabled) instruments.RecordDelivery(time.GetElapsedTime(item.Timestamp), Tr.Id);
                    yield return value;
                }
            }
        }
        finally
        {
            await session.RemoveAsync(subscriber).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Tr.Id} {TrKey}";
}
