using Kis.Realtime.Protocol;

namespace Kis.Realtime;

/// <summary>
/// A source of KIS real-time records: a direct session (<see cref="KisRealtimeClient"/>), a gateway
/// (<c>KisGatewayClient</c>) or a recording (<c>KisReplayClient</c>). The interface is small on purpose
/// so every implementation honours all of it; the typed helpers (<c>SubscribeStockTradesAsync</c>,
/// <c>SubscribeIndexTicksAsync</c> …) are extension methods over it (<see cref="KisSubscribeExtensions"/>), so they work
/// on every source and on your test doubles. Leaving an enumeration ends its subscription; disposing the client ends
/// them all.
/// </summary>
public interface IKisRealtimeClient : IAsyncDisposable
{
    /// <summary>The client's state, summarising its connections.</summary>
    KisConnectionState State { get; }

    /// <summary>A snapshot of the client's counters.</summary>
    KisRealtimeStatistics Statistics { get; }

    /// <summary>Raised on every state change (never under a library lock; keep handlers short).</summary>
    event EventHandler<KisStateChangedEventArgs>? StateChanged;

    /// <summary>
    /// Raised for every gap or overlap found on a trade subscription from KIS's cumulative volume (off the library's
    /// threads and locks). Every source of the library raises it; the default (for test doubles) raises nothing.
    /// </summary>
    event Action<Kis.Realtime.VolumeGap>? GapDetected { add { } remove { } }

    /// <summary>The HTS ID the notice helpers use when none is given (null when none is configured).</summary>
    string? HtsId { get; }

    /// <summary>Connects; optional (the first subscription connects too).</summary>
    /// <exception cref="KisConnectionException">The source could not be reached.</exception>
    /// <exception cref="KisApprovalException">The credentials were refused (a direct session).</exception>
    Task ConnectAsync(CancellationToken cancellationToken = default);

    /// <summary>Any TR with a typed view: the records of <paramref name="key"/>, decoded.</summary>
    /// <typeparam name="T">The typed view; <paramref name="tr"/> must be one of its <c>Trs</c>.</typeparam>
    /// <param name="tr">The TR (its real-server id; a paper source maps it).</param>
    /// <param name="key">The <c>tr_key</c>.</param>
    /// <param name="cancellationToken">Ends the enumeration.</param>
    /// <exception cref="ArgumentException">The key is malformed, or <typeparamref name="T"/> does not decode the TR.</exception>
    /// <exception cref="KisSubscriptionException">The subscription was refused (thrown by the first <c>MoveNextAsync</c>).</exception>
    IAsyncEnumerable<T> SubscribeAsync<T>(TrDefinition tr, string key, CancellationToken cancellationToken = default)
        where T : struct, IKisRecord<T>;

    /// <summary>
    /// Any TR with a typed view, each record with its receive time (a recording's, the gateway's and PostgreSQL's are the
    /// original ones): what bars of TRs without a date on the wire are dated from. The library's clients decode in place
    /// and count records that do not decode in <see cref="KisRealtimeStatistics.DecodeErrors"/>; this default (for test
    /// doubles) decodes <see cref="SubscribeRecordsAsync"/>'s records and skips those that do not decode.
    /// </summary>
    /// <typeparam name="T">The typed view; <paramref name="tr"/> must be one of its <c>Trs</c>.</typeparam>
    /// <param name="tr">The TR (its real-server id; a paper source maps it).</param>
    /// <param name="key">The <c>tr_key</c>.</param>
    /// <param name="cancellationToken">Ends the enumeration.</param>
    /// <exception cref="ArgumentException">The key is malformed, or <typeparamref name="T"/> does not decode the TR.</exception>
    /// <exception cref="KisSubscriptionException">The subscription was refused (thrown by the first <c>MoveNextAsync</c>).</exception>
    IAsyncEnumerable<KisReceived<T>> SubscribeReceivedAsync<T>(TrDefinition tr, string key, CancellationToken cancellationToken = default)
        where T : struct, IKisRecord<T>
    {
        ArgumentNullException.ThrowIfNull(tr);
        if (!T.Trs.Contains(tr))
            throw new ArgumentException($"{typeof(T).Name} does not decode {tr.Id}; it decodes {string.Join(", ", T.Trs.Select(t => t.Id))}.", nameof(tr));
        return DecodeReceived<T>(SubscribeRecordsAsync(tr, key, cancellationToken));
    }

    private static async IAsyncEnumerable<KisReceived<T>> DecodeReceived<T>(IAsyncEnumerable<KisRecord> records)
        where T : struct, IKisRecord<T>
    {
        await foreach (var record in records.ConfigureAwait(false))
            if (T.TryDecode(record.Tr, record.Data.Span, out var value, out _))
                yield return new KisReceived<T>(value, record.ReceivedAt);
    }

    /// <summary>Any TR, raw: each record's plain (decrypted) fields as bytes, with its receive time.</summary>
    /// <param name="tr">The TR (its real-server id; a paper source maps it).</param>
    /// <param name="key">The <c>tr_key</c>.</param>
    /// <param name="cancellationToken">Ends the enumeration.</param>
    /// <exception cref="ArgumentException">The key is malformed.</exception>
    /// <exception cref="KisSubscriptionException">The subscription was refused (thrown by the first <c>MoveNextAsync</c>).</exception>
    IAsyncEnumerable<KisRecord> SubscribeRecordsAsync(TrDefinition tr, string key, CancellationToken cancellationToken = default);
}

/// <summary>
/// A capability of sources that see KIS's messages whole (a direct session, a recording): every message as received,
/// data frames and control messages alike. Test for it with <c>client is IKisRawMessageSource raw</c>; a gateway
/// client does not offer it (the KIS session is the gateway's).
/// </summary>
public interface IKisRawMessageSource
{
    /// <summary>
    /// Every message, as received. For recording. A live client buffers from <c>GetAsyncEnumerator</c> to the
    /// enumerator's disposal, bounded by <see cref="KisRealtimeOptions.RawMessageCapacity"/> (drops counted in
    /// <see cref="KisRealtimeStatistics.RawMessagesDropped"/>); a replay loses nothing.
    /// </summary>
    /// <param name="cancellationToken">Ends the enumeration.</param>
    IAsyncEnumerable<RawMessage> ReadRawMessagesAsync(CancellationToken cancellationToken = default);
}
