using Kis.Realtime.Protocol;
using Kis.Realtime.Trs;

namespace Kis.Realtime;

// IKisRealtimeClient returns plain IAsyncEnumerable<T> so fakes can implement it; the class's own methods return
// KisSubscription<T> (with its Tr, TrKey and Dropped), which these forward to.
public sealed partial class KisRealtimeClient
{
    IAsyncEnumerable<IndexTick> IKisRealtimeClient.SubscribeIndexTicksAsync(string indexCode, CancellationToken cancellationToken)
        => SubscribeIndexTicksAsync(indexCode, cancellationToken);

    IAsyncEnumerable<BondTrade> IKisRealtimeClient.SubscribeBondTradesAsync(string isin, CancellationToken cancellationToken)
        => SubscribeBondTradesAsync(isin, cancellationToken);

    IAsyncEnumerable<ProgramTrade> IKisRealtimeClient.SubscribeProgramTradesAsync(string stockCode, ProgramTradeVenue venue, CancellationToken cancellationToken)
        => SubscribeProgramTradesAsync(stockCode, venue, cancellationToken);

    IAsyncEnumerable<FuturesOptionsNotice> IKisRealtimeClient.SubscribeFuturesOptionsNoticesAsync(string? htsId, CancellationToken cancellationToken)
        => SubscribeFuturesOptionsNoticesAsync(htsId, cancellationToken);

    IAsyncEnumerable<T> IKisRealtimeClient.SubscribeAsync<T>(TrDefinition tr, string key, CancellationToken cancellationToken)
        => SubscribeAsync<T>(tr, key, cancellationToken);

    IAsyncEnumerable<KisRecord> IKisRealtimeClient.SubscribeRecordsAsync(TrDefinition tr, string key, CancellationToken cancellationToken)
        => SubscribeRecordsAsync(tr, key, cancellationToken);
}
