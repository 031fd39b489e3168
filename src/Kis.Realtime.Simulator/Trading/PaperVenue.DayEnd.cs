using Kis.Realtime.Simulator.Market;
using Kis.Realtime.Simulator.Trading.Core;
using Kis.Realtime.Simulator.Trading.Rules;

namespace Kis.Realtime.Simulator.Trading;

/// <summary>
/// The end of a trading day at the venue. Order-cash's <c>00</c>/<c>01</c> and the futures order's limit/market orders
/// are KRX day orders: they end with the day's order hours of their market, by the venue core's one rule, the
/// backtest's too (<see cref="TradingHours.OrderHoursEnd"/>: KRX stocks 15:30, after the closing auction's print;
/// day-session futures/options 15:45; moved on KRX's changed-hours days). When the market clock passes it, the venue
/// cancels what is left of the order with one cancel notice stamped then (once the market's whole second is past it,
/// <see cref="VenueCore.ExpiryDue"/>: every record stamped with the end's second still reaches the order) (the simulator's choice: KIS does not document
/// what it sends for an expiry; a program sees every order end). A stock's closing print still owed then (its day
/// opened, no feed has asked for the print yet) is made first, so resting orders fill from it as on KRX. Days end
/// lazily: every call that carries the market time (an order, a trade, a notice stream's poll, an inquiry) ends the
/// days that are over before it does anything else, so no observer sees an expired order still open. The first call of
/// a new date also starts the accounts' day: today's bought and sold quantities and the day's realised F/O profit go
/// back to zero.
/// </summary>
internal sealed partial class PaperVenue
{
    private DateTime _day; // the date of the latest call

    /// <summary>Ends the sessions and days that are over at <paramref name="now"/>. Under the lock.</summary>
    private void EndDays(DateTime now)
    {
        // What the market did up to now comes first: a resting order fills from it before its day can end.
        ReadTape();
        if (_core.ExpiryDue(now)) ExpireDayOrders(now); // the core's one rule, the backtest's too
        if (now.Date <= _day) return;
        if (_day != default)
            foreach (var account in _accounts.All)
            {
                account.StartDay();
                _changes.Changed(account);
            }
        _day = now.Date;
    }

    /// <summary>The venue core's expiry (<see cref="VenueCore.ExpireDue"/>, the backtest's rule), after the closing print
    /// owed today of each stock with orders due. Under the lock.</summary>
    private void ExpireDayOrders(DateTime now)
    {
        var due = _core.DueToExpire(now);
        // A stock's closing print owed today fills its resting orders before they expire.
        var auctioned = due.Where(o => ((PaperOrder)o).Rules.HasClosingAuction && o.ExpiresAt.Date == now.Date).Select(o => o.Code);
        foreach (var code in auctioned.Distinct(StringComparer.Ordinal).ToList())
        {
            _market.OrderBookFor(code).PrintCloseIfOwed(now); // on the tape: an auction print
        }
        ReadTape();
        // The exchange's cancel has no order of its own: the core's expiry names the order itself (as number and
        // original, so a notice-driven view reduces that order), at the end of its day's order hours.
        _core.ExpireDue(now);
    }
}
