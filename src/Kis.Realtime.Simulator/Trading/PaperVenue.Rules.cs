using Kis.Realtime.Simulator.Trading.Rules;

namespace Kis.Realtime.Simulator.Trading;

/// <summary>A fill at the venue (see <see cref="PaperVenue"/>); what it does to cash and positions is the order's
/// <see cref="Rules.ProductRules"/>' (<c>Trading/Rules</c>). Under the lock.</summary>
internal sealed partial class PaperVenue
{
    private void Fill(PaperOrder order, long quantity, long price, DateTime now)
    {
        if (quantity <= 0) return;
        var position = order.Account.Position(order.Code);
        order.Remaining -= quantity;
        order.Filled += quantity;
        order.FilledValue += checked(quantity * price);
        order.Rules.Settle(order, position, quantity, price);
        // The backtest's cost rule (KisTradingCosts), at the venue's rates.
        var account = order.Account;
        var (commission, tax) = order.Rules.IsDerivative
            ? (account.Costs.OfDerivativeFill(order.Code, quantity, price), 0m)
            : account.Costs.OfStockFill(order.Buy, quantity, price);
        order.Commission += commission;
        order.Tax += tax;
        account.Charge(commission + tax);
        Notify(order, PaperNoticeKind.Filled, quantity, price, now);
        if (order.Remaining == 0) order.Closed = true;
    }
}
