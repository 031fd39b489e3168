namespace Kis.Realtime.Simulator.Hosting;

/// <summary>
/// KIS's order divisions as the order calls carry them (order-cash's and order-rvsecncl's <c>ORD_DVSN</c>, the
/// futures/options calls' <c>ORD_DVSN_CD</c>) into the library's <see cref="KisOrderKind"/>: the endpoints translate
/// a call into the kind it asks for, the venue core decides what it does with it (<c>PreTradeCheck.AmendmentKind</c>).
/// The codes are the ones the library's order client sends (tested against it: <c>AmendKindParityTests</c>).
/// </summary>
internal static class KisOrderDivisions
{
    /// <summary>A stock order's <c>ORD_DVSN</c>; null for a code KIS does not define.</summary>
    public static KisOrderKind? Stock(string? code) => code switch
    {
        "00" => KisOrderKind.Limit, "01" => KisOrderKind.Market, "02" => KisOrderKind.ConditionalLimit, "03" => KisOrderKind.BestLimit,
        "04" => KisOrderKind.PriorityLimit, "05" => KisOrderKind.PreMarketOffHours, "06" => KisOrderKind.AfterMarketOffHours,
        "07" => KisOrderKind.OffHoursSinglePrice, "11" => KisOrderKind.IocLimit, "12" => KisOrderKind.FokLimit, "13" => KisOrderKind.IocMarket,
        "14" => KisOrderKind.FokMarket, "15" => KisOrderKind.IocBestLimit, "16" => KisOrderKind.FokBestLimit, "21" => KisOrderKind.Midpoint,
        "22" => KisOrderKind.StopLimit, "23" => KisOrderKind.MidpointIoc, "24" => KisOrderKind.MidpointFok,
        _ => null,
    };

    /// <summary>A futures/options order's <c>ORD_DVSN_CD</c>; null for a code KIS does not define.</summary>
    public static KisOrderKind? FuturesOptions(string? code) => code switch
    {
        "01" => KisOrderKind.Limit, "02" => KisOrderKind.Market, "03" => KisOrderKind.ConditionalLimit, "04" => KisOrderKind.BestLimit,
        "10" => KisOrderKind.IocLimit, "11" => KisOrderKind.FokLimit, "12" => KisOrderKind.IocMarket, "13" => KisOrderKind.FokMarket,
        "14" => KisOrderKind.IocBestLimit, "15" => KisOrderKind.FokBestLimit,
        _ => null,
    };
}
