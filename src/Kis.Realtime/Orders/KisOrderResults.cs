using Kis.Realtime.Internal;

namespace Kis.Realtime;

/// <summary>What became of an order call (place, amend, cancel).</summary>
public enum KisOrderOutcome
{
    /// <summary>The venue took it: <see cref="KisOrderResult.OrderNumber"/> is its number.</summary>
    Accepted,
    /// <summary>The venue refused it (<see cref="KisOrderResult.Refusal"/>): nothing was placed.</summary>
    Refused,
    /// <summary>It never left this machine (no connection could be made, the request was invalid): nothing was placed; safe to send again.</summary>
    NotSent,
    /// <summary>
    /// It was sent but its answer was lost (timeout, reset, HTTP 5xx), and reconciling against today's orders and the
    /// notices found no single order that is it: it may or may not exist. Sending it again may double it; check with
    /// <see cref="KisOrderClient.ReconcileAsync"/> or the venue before doing so.
    /// </summary>
    Unknown,
}

/// <summary>KIS's refusal of a call: its <c>rt_cd</c>, <c>msg_cd</c> and <c>msg1</c> (secrets removed), and the HTTP status.</summary>
/// <param name="ReturnCode">rt_cd (anything but "0").</param>
/// <param name="MessageCode">msg_cd, e.g. APBK0919 or EGW00201.</param>
/// <param name="Message">msg1, KIS's text.</param>
/// <param name="HttpStatus">The HTTP status of the answer.</param>
public sealed record KisRefusal(string ReturnCode, string MessageCode, string Message, int HttpStatus)
{
    /// <summary>EGW00201: more calls a second than KIS allows the app key.</summary>
    public bool IsRateLimit => MessageCode == "EGW00201";

    /// <summary>"APBK0919 주문가능금액을 초과 했습니다".</summary>
    public override string ToString() => $"{MessageCode} {Message}".Trim();
}

/// <summary>The typed answer of a place, amend or cancel call. Never carries a secret.</summary>
public sealed record KisOrderResult
{
    /// <summary>What became of it.</summary>
    public required KisOrderOutcome Outcome { get; init; }
    /// <summary>The order's number (ODNO) when accepted; for an amendment or cancel, its own number.</summary>
    public string? OrderNumber { get; init; }
    /// <summary>The branch that took it (KRX_FWDG_ORD_ORGNO / ORD_GNO_BRNO), needed to amend or cancel a stock order.</summary>
    public string? Branch { get; init; }
    /// <summary>The venue's time of the order (KST), when it said.</summary>
    public TimeOnly? OrderTime { get; init; }
    /// <summary>KIS's message of an accepted call (msg_cd and msg1).</summary>
    public string? Message { get; init; }
    /// <summary>The venue's refusal, when <see cref="KisOrderOutcome.Refused"/>.</summary>
    public KisRefusal? Refusal { get; init; }
    /// <summary>The check of a <see cref="KisRiskGuard"/> that refused it before sending; null when the venue answered.</summary>
    public KisRiskCheck? RiskCheck { get; init; }
    /// <summary>Why the outcome is <see cref="KisOrderOutcome.Unknown"/> or <see cref="KisOrderOutcome.NotSent"/>: what was lost and what reconciling
    /// found.</summary>
    public string? Problem { get; init; }
    /// <summary>True when the answer was lost and the order was found by reconciling (today's orders or its notices).</summary>
    public bool Reconciled { get; init; }
    /// <summary>HTTP calls made for it (the order call itself, retries after a refusal for rate, the reconciling inquiries).</summary>
    public int Attempts { get; init; }
    /// <summary>The order followed through its notices, when accepted (null otherwise).</summary>
    public KisOrderHandle? Handle { get; init; }

    /// <summary>The call, kept with an unknown result for <see cref="KisOrderClient.ReconcileAsync"/>, and with one found by
    /// reconciling (what was asked, for a <see cref="KisRiskGuard"/> that did not send it).</summary>
    internal PendingCall? Pending { get; init; }

    /// <summary>True when <see cref="KisOrderOutcome.Accepted"/>.</summary>
    public bool IsAccepted => Outcome == KisOrderOutcome.Accepted;

    /// <summary>One line: "accepted 0000012345", "refused APBK0919 …", "unknown: …".</summary>
    public override string ToString() => Outcome switch
    {
        KisOrderOutcome.Accepted => $"accepted {OrderNumber}{(Reconciled ? " (found by reconciling)" : "")}",
        KisOrderOutcome.Refused => $"refused {Refusal}",
        KisOrderOutcome.NotSent => $"not sent: {Problem}",
        _ => $"unknown: {Problem}",
    };
}

/// <summary>One order as a venue lists it today (inquire-daily-ccld for stocks, inquire-ccnl for futures/options).</summary>
public sealed record KisOrderRow
{
    /// <summary>Stock or futures/options.</summary>
    public required KisProduct Product { get; init; }
    /// <summary>Its number (ODNO).</summary>
    public required string OrderNumber { get; init; }
    /// <summary>The order it amends or cancels; null for a new order.</summary>
    public string? OriginalOrderNumber { get; init; }
    /// <summary>The branch (ORD_GNO_BRNO).</summary>
    public string Branch { get; init; } = "";
    /// <summary>The code.</summary>
    public required string Code { get; init; }
    /// <summary>The name, as the venue gives it.</summary>
    public string Name { get; init; } = "";
    /// <summary>Buy or sell.</summary>
    public OrderSide Side { get; init; }
    /// <summary>Ordered quantity.</summary>
    public long Quantity { get; init; }
    /// <summary>Ordered price (0 for a market order).</summary>
    public decimal Price { get; init; }
    /// <summary>Filled so far.</summary>
    public long FilledQuantity { get; init; }
    /// <summary>Average fill price (0 before any).</summary>
    public decimal AveragePrice { get; init; }
    /// <summary>Still working.</summary>
    public long RemainingQuantity { get; init; }
    /// <summary>Cancelled (stocks; 0 where the venue does not say).</summary>
    public long CancelledQuantity { get; init; }
    /// <summary>The order's date (KST).</summary>
    public DateOnly Date { get; init; }
    /// <summary>The order's time (KST).</summary>
    public TimeOnly Time { get; init; }
}

/// <summary>One holding of a balance.</summary>
public sealed record KisPosition
{
    /// <summary>The code.</summary>
    public required string Code { get; init; }
    /// <summary>The name.</summary>
    public string Name { get; init; } = "";
    /// <summary>Held quantity: shares, or contracts (negative when short).</summary>
    public long Quantity { get; init; }
    /// <summary>Quantity that can be sold or closed now.</summary>
    public long OrderableQuantity { get; init; }
    /// <summary>Average price paid.</summary>
    public decimal AveragePrice { get; init; }
    /// <summary>The venue's current price.</summary>
    public decimal CurrentPrice { get; init; }
    /// <summary>Valuation in KRW.</summary>
    public decimal Value { get; init; }
    /// <summary>Unrealized profit or loss in KRW.</summary>
    public decimal ProfitLoss { get; init; }
}

/// <summary>An account's holdings and cash (inquire-balance).</summary>
public sealed record KisBalance
{
    /// <summary>Stock or futures/options.</summary>
    public required KisProduct Product { get; init; }
    /// <summary>Deposit (dnca_tot_amt / dnca_cash), KRW.</summary>
    public decimal Cash { get; init; }
    /// <summary>Valuation of the positions, KRW.</summary>
    public decimal PositionsValue { get; init; }
    /// <summary>Cash plus positions as the venue totals them, KRW.</summary>
    public decimal TotalValue { get; init; }
    /// <summary>The holdings.</summary>
    public IReadOnlyList<KisPosition> Positions { get; init; } = [];
}

/// <summary>What an order may be now (inquire-psbl-order).</summary>
public sealed record KisBuyingPower
{
    /// <summary>Cash available to order with, KRW (stocks: ord_psbl_cash; futures/options: 0, as KIS's answer names none:
    /// the contracts say what the margin allows).</summary>
    public decimal Cash { get; init; }
    /// <summary>The largest quantity of the code orderable at the price without borrowing (stocks: nrcvb_buy_qty; futures/options: ord_psbl_qty).</summary>
    public long Quantity { get; init; }
    /// <summary>The largest quantity with everything the account can use (stocks: max_buy_qty; futures/options: tot_psbl_qty).</summary>
    public long MaxQuantity { get; init; }
    /// <summary>The price the quantities were computed at (stocks: psbl_qty_calc_unpr; futures/options: the price asked, 0
    /// for a market order's, which KIS sizes at the day's upper limit).</summary>
    public decimal Price { get; init; }
}

/// <summary>Which of today's orders an inquiry lists.</summary>
public enum KisOrderFilter
{
    /// <summary>Every order of the day.</summary>
    All,
    /// <summary>Orders with fills (the fills inquiry).</summary>
    Filled,
    /// <summary>Orders with a part still unfilled.</summary>
    Unfilled,
}
