using System.Diagnostics.CodeAnalysis;
using Kis.Realtime.Protocol;

namespace Kis.Realtime.Session;

/// <summary>
/// A raw subscription whose registration KIS has already accepted (see <see cref="KisRealtimeClient.OpenRecordFeedAsync"/>):
/// for relays such as a gateway, which must answer "subscribed" or "refused" before the first record arrives, and
/// which must know which session carries it. Read it once with <see cref="ReadAllAsync"/>; dispose it to release the registration.
/// </summary>
[Experimental("KISRT0001")]
public sealed class KisRecordFeed : IAsyncDisposable, ISubscriptionOwner
{
    private readonly LocalSubscriber<KisRecord> _subscriber;
    private readonly KisSession _session;
    private int _enumerated;
    private int _disposed;
    private int _reading; // 1 while an enumeration runs: only a reader still reading takes the records a release drains
    private long _dropped;

    internal KisRecordFeed(LocalSubscriber<KisRecord> subscriber, KisSession session)
    {
        _subscriber = subscriber;
        _session = session;
        SessionReconnectsAtOpen = session.Reconnections;
    }

    /// <summary>The session's reconnect count when the feed opened: a record whose <see cref="KisRecord.SessionReconnects"/> is
    /// higher came after a reconnect, and what KIS sent while the session was away is missing before it.</summary>
    public long SessionReconnectsAtOpen { get; }

    /// <summary>The TR (after the environment mapping).</summary>
    public TrDefinition Tr => _subscriber.Tr;

    /// <summary>The key (<c>tr_key</c>).</summary>
    public string TrKey => _subscriber.Key;

    /// <summary>The session carrying the registration (index into <see cref="KisRealtimeOptions.Credentials"/>).</summary>
    public int SessionIndex => _session.Index;

    /// <summary>Records dropped because this feed's buffer was full (never in <see cref="KisFullMode.Wait"/>).</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    void ISubscriptionOwner.OnDropped() => Interlocked.Increment(ref _dropped);

    internal LocalSubscriber<KisRecord> LocalSubscriber => _subscriber;

    /// <summary>The records in arrival order; ends when the feed is disposed or the client shuts down.</summary>
    /// <param name="cancellationToken">Ends the enumeration (the registration stays until the feed is disposed).</param>
    /// <exception cref="InvalidOperationException">The feed is read a second time.</exception>
    public IAsyncEnumerable<KisRecord> ReadAllAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _enumerated, 1) != 0)
            throw new InvalidOperationException($"The feed {Tr.Id} {TrKey} is read once; open another feed for another reader.");
        return Enumerate(cancellationToken);
    }

    private async IAsyncEnumerable<KisRecord> Enumerate([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var reader = _subscriber.Reader;
        Volatile.Write(ref _reading, 1);
        try
        {
            while (await _subscriber.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (reader.TryRead(out var item))
                {
                    _subscriber.OnConsumed();
                    if (_subscriber.TryCreate(item, out var record)) yield return record;
                }
            }
        }
        finally
        {
            Volatile.Write(ref _reading, 0);
        }
    }

    /// <summary>
    /// Releases the registration and ends the enumeration. While a reader is still reading (<see cref="ReadAllAsync"/>), it
    /// ends once KIS has answered the release: the records KIS sent before its answer are still read (a relay's stop loses
    /// none of them), so that reader must go on reading until it ends. A feed nobody reads (never read, or its loop left)
    /// ends at once: a full buffer nobody empties would hold up the session's receive loop in <see cref="KisFullMode.Wait"/>.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        try
        {
            await _session.RemoveAsync(_subscriber, drain: Volatile.Read(ref _reading) == 1).ConfigureAwait(false);
        }
        finally
        {
            _subscriber.Complete(null);
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Tr.Id} {TrKey} (session {SessionIndex})";
}
