namespace Kis.Realtime;

/// <summary>
/// Orders at one venue, the same for every venue (KIS's real and paper servers, <c>kisrt sim</c>, the in-process
/// simulator, a backtest): so a strategy moves from one to the next unchanged, as it does for data with
/// <see cref="IKisRealtimeClient"/>. Calls return typed results (<see cref="KisOrderResult"/>: accepted, refused with
/// KIS's code and message, not sent, or unknown) rather than throwing for a refusal; the inquiries throw
/// <see cref="KisRestException"/> when they fail. <see cref="Book"/> follows each accepted order through the venue's
/// notices, so <see cref="KisOrderHandle.WaitDoneAsync"/> awaits "filled or done".
/// </summary>
public interface IKisOrderVenue
{
    /// <summary>The orders as their notices tell them; feed it the venue's notices
    /// (<see cref="KisOrderBook.FollowAsync(IAsyncEnumerable{StockNotice}, CancellationToken)"/>).</summary>
    KisOrderBook Book { get; }

    /// <summary>Places a new order. Never sent twice: an answer lost after sending is reconciled, not resent.</summary>
    Task<KisOrderResult> PlaceAsync(KisOrderRequest order, CancellationToken cancellationToken = default);

    /// <summary>Amends a working order (price, kind, quantity); the amendment has its own order number.</summary>
    Task<KisOrderResult> AmendAsync(KisAmendRequest amend, CancellationToken cancellationToken = default);

    /// <summary>Cancels what is left of a working order (or part of it).</summary>
    Task<KisOrderResult> CancelAsync(KisCancelRequest cancel, CancellationToken cancellationToken = default);

    /// <summary>
    /// Looks again for the order of an <see cref="KisOrderOutcome.Unknown"/> result (its answer was lost): accepted when
    /// the venue now shows the one order that is it, unknown still otherwise; any other result is returned as it is. A
    /// venue that never answers unknown returns the result unchanged.
    /// </summary>
    Task<KisOrderResult> ReconcileAsync(KisOrderResult result, CancellationToken cancellationToken = default) => Task.FromResult(result);

    /// <summary>
    /// Reconciles the calls an earlier run (or another process's handle that is gone) left in flight or unknown in the
    /// account's order journal (<see cref="KisOrderClient.ReconcileJournalAsync"/>); call it at start, before sending.
    /// A venue without a journal (a backtest) has none: empty.
    /// </summary>
    Task<IReadOnlyList<KisOrderResult>> ReconcileJournalAsync(CancellationToken cancellationToken = default)
        => Task.FromResult<IReadOnlyList<KisOrderResult>>([]);

    /// <summary>Today's orders of <paramref name="product"/>, newest first: all, those with fills, or those still unfilled.</summary>
    Task<IReadOnlyList<KisOrderRow>> GetOrdersAsync(KisProduct product, KisOrderFilter filter = KisOrderFilter.All, string? code = null,
        CancellationToken cancellationToken = default);

    /// <summary>The account's holdings and cash.</summary>
    Task<KisBalance> GetBalanceAsync(KisProduct product, CancellationToken cancellationToken = default);

    /// <summary>How much of <paramref name="code"/> may be ordered now on <paramref name="side"/> at <paramref name="price"/> (0: the venue's price).</summary>
    Task<KisBuyingPower> GetBuyingPowerAsync(KisProduct product, string code, OrderSide side = OrderSide.Buy, decimal price = 0,
        CancellationToken cancellationToken = default);
}
