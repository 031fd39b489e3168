using Kis.Realtime.Simulator.Trading.Rules;

namespace Kis.Realtime.Simulator.Trading;

/// <summary>A fill at the venue (see <see cref="PaperVenue"/>); what it does to cash and positions is the account's
/// ledger's (<c>Trading/Ledger</c>, the venue core). Under the lock.</summary>
internal sealed partial class PaperVenue
{
    private void Fill(PaperOrder order, long quantity, long price, DateTime now)
    {
        if (quantity <= 0) return;
        var remaining = order.Remaining;
        order.Remaining -= quantity;
        order.Filled += quantity;
        order.FilledValue += checked(quantity * price);
        // The venue core settles it: the hold released, the costs charged (KisTradingCosts), cash and position.
        var (commission, tax) = order.Account.Fill(order.Terms, remaining, quantity, price);
        order.Commission += commission;
        order.Tax += tax;
        Notify(order, PaperNoticeKind.Filled, quantity, price, now);
        if (order.Remaining == 0) order.Closed = true;
    }
}
