using Kis.Realtime.Protocol;

namespace Kis.Realtime.Internal;

internal static class DerivativesCodes
{
    public static DerivativesMarket Market(TrDefinition tr) => (tr.Id[2], tr.Id[3]) switch
    {
        ('I', 'F') => DerivativesMarket.IndexFutures,
        ('I', 'O') => DerivativesMarket.IndexOptions,
        ('C', 'F') => DerivativesMarket.CommodityFutures,
        ('Z', 'F') => DerivativesMarket.StockFutures,
        ('Z', 'O') => DerivativesMarket.StockOptions,
        ('M', 'F') => DerivativesMarket.NightFutures,
        _ => DerivativesMarket.NightOptions,
    };
}
