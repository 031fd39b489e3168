using Kis.Realtime.Protocol;
using Kis.Realtime.Trs;

namespace Kis.Realtime;

/// <summary>
/// What an application needs of <see cref="KisRealtimeClient"/>: subscriptions as <see cref="IAsyncEnumerable{T}"/>,
/// state and counters. Depend on this to replace the client with a fake in your tests; register it with
/// <c>services.AddKisRealtime(…)</c>. Leaving an enumeration releases its registration; disposing the client
/// releases them all.
/// </summary>
public interface IKisRealtimeClient : IAsyncDisposable
{
    /// <summary>The options in effect.</summary>
    KisRealtimeOptions Options { get; }

    /// <summary>The client's state, summarising its sessions.</summary>
    KisConnectionState State { get; }

    /// <summary>A snapshot of the client's counters.</summary>
    KisRealtimeStatistics Statistics { get; }

    /// <summary>Raised on every session state change (from the session's thread; keep handlers short).</summary>
    event EventHandler<KisStateChangedEventArgs>? StateChanged;

    /// <summary>Issues the approval key and opens the first session; optional (the first subscription connects too).</summary>
    /// <exception cref="KisApprovalException">The approval key could not be issued.</exception>
    /// <exception cref="KisConnectionException">The server could not be reached (and <see cref="KisRealtimeOptions.RetryOnInitialConnect"/> is off).</exception>
    Task ConnectAsync(CancellationToken cancellationToken = default);

    /// <summary>H0UPCNT0: ticks of a domestic index (0001 KOSPI, 1001 KOSDAQ …).</summary>
    IAsyncEnumerable<IndexTick> SubscribeIndexTicksAsync(string indexCode, CancellationToken cancellationToken = default);

    /// <summary>H0BJCNT0: trades of an exchange-listed bond (12-character standard code).</summary>
    IAsyncEnumerable<BondTrade> SubscribeBondTradesAsync(string isin, CancellationToken cancellationToken = default);

    /// <summary>H0NXPGM0 / H0UNPGM0: program trading of a stock (6-character code).</summary>
    IAsyncEnumerable<ProgramTrade> SubscribeProgramTradesAsync(string stockCode, ProgramTradeVenue venue = ProgramTradeVenue.Unified,
        CancellationToken cancellationToken = default);

    /// <summary>H0IFCNI0 / H0IFCNI9: your futures/options order and fill notices; null uses <see cref="KisRealtimeOptions.HtsId"/>.</summary>
    IAsyncEnumerable<FuturesOptionsNotice> SubscribeFuturesOptionsNoticesAsync(string? htsId = null, CancellationToken cancellationToken = default);

    /// <summary>Any TR with a typed view.</summary>
    IAsyncEnumerable<T> SubscribeAsync<T>(TrDefinition tr, string key, CancellationToken cancellationToken = default)
        where T : struct, IKisRecord<T>;

    /// <summary>Any TR, raw: each record's plain fields as bytes.</summary>
    IAsyncEnumerable<KisRecord> SubscribeRecordsAsync(TrDefinition tr, string key, CancellationToken cancellationToken = default);

    /// <summary>Every message every session receives, as received, with nothing dropped. For recording.</summary>
    IAsyncEnumerable<RawMessage> ReadRawMessagesAsync(CancellationToken cancellationToken = default);
}
