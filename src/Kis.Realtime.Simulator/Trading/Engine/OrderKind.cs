namespace Kis.Realtime.Simulator.Trading.Engine;

/// <summary>
/// The order kinds the venues match: KIS's order-cash ORD_DVSN <c>00</c> (limit) and <c>01</c> (market), the futures
/// order's ORD_DVSN_CD <c>01</c>/<c>02</c>, a backtest's <see cref="KisOrderKind.Limit"/>/<see cref="KisOrderKind.Market"/>.
/// KIS's other kinds (conditional limit, best and priority limit, off-hours, IOC/FOK) are not modelled: the venues refuse
/// them at the door with <see cref="OrderKinds.NotModelledCode"/>, KIS's answer to an order kind it does not take.
/// </summary>
internal enum OrderKind
{
    /// <summary>At its limit price or better; what is left rests at that price.</summary>
    Limit,

    /// <summary>At any price: walks the book, what is left takes the next liquidity of its side (first in every queue).</summary>
    Market,
}

/// <summary>The one gate from KIS's order kinds to the ones the venues model.</summary>
internal static class OrderKinds
{
    /// <summary>KIS's msg_cd for an order division it does not take.</summary>
    public const string NotModelledCode = "APBK0505";

    /// <summary>The modelled kind of <paramref name="kind"/>; null for a kind the venues do not model.</summary>
    public static OrderKind? Modelled(KisOrderKind kind) => kind switch
    {
        KisOrderKind.Limit => OrderKind.Limit,
        KisOrderKind.Market => OrderKind.Market,
        _ => null,
    };

    /// <summary>The refusal message of a kind the venues do not model (with <see cref="NotModelledCode"/>).</summary>
    public static string NotModelled(string what)
        => $"주문구분을 확인하세요. ({what}: the venue matches limit and market orders only; conditional, best, priority, off-hours, IOC and FOK are not modelled)";
}
