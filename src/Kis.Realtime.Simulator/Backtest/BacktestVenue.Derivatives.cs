using Kis.Realtime.Simulator.Market;
using Kis.Realtime.Simulator.Rules;
using Kis.Realtime.Simulator.Trading.Core;
using Kis.Realtime.Simulator.Trading.Rules;

namespace Kis.Realtime.Simulator.Backtest;

/// <summary>
/// KRX day-session futures and options in a backtest: the venue core's <see cref="PreTradeCheck"/> checks them, as on
/// paper (per-order cap, grid, limits; initial margin out of the free cash, none for the contracts an order closes), and
/// <see cref="FuturesOptionRules"/> settle them (signed positions; a closing fill's profit in cash at once, through the contract multiplier). Their prices are
/// held in hundredths of a point, as the simulator holds them; the files and the inquiries show points.
/// </summary>
internal sealed partial class BacktestVenue
{
    /// <summary>
    /// A recorded futures/options trade (price and previous close in hundredths). KIS's derivatives trades do not say
    /// who initiated them: the tick test decides (up: a buyer's; down: a seller's; unchanged: as the last), as the
    /// simulator's own derivatives feeds do.
    /// </summary>
    public BacktestNoticeBatch? OnDerivativeTrade(DateTimeOffset at, string code, long price, long volume, long previousClose, out decimal equity)
    {
        lock (_gate)
        {
            MoveTo(at);
            var instrument = Instrument(code);
            instrument.MarkDerivative(code);
            var side = instrument.Last == 0 || price == instrument.Last ? instrument.LastSide : price > instrument.Last ? TradeSide.Buy : TradeSide.Sell;
            instrument.LastSide = side;
            var notices = TradeLocked(code, price, volume, previousClose, side);
            equity = _account.Equity();
            return notices;
        }
    }

    /// <summary>The checks of a futures/options order: the products the rules price, then the venue core's pre-trade check.</summary>
    private KisRefusal? RefuseDerivative(KisOrderRequest request)
    {
        // The paper venue's one rule of codes (six or eight characters), its refusal too.
        if (Refused(PreTradeCheck.DerivativeProduct(request.Code)) is { } product) return product;
        var instrument = Instrument(request.Code);
        instrument.MarkDerivative(request.Code);
        if (instrument.Last == 0) return Refused(PreTradeCheck.NoTradeYet(request.Code)); // the paper venue's refusal too
        // KRX's day-session hours by the market's time (the recording's stamps), the paper venue's rule too.
        if (Refused(TradingHours.OrderHours(derivative: true, Kst)) is { } closed) return closed;
        var market = request.Kind == KisOrderKind.Market;
        // The venue core's one check, the paper venue's too: a market order on an option (no limits known), contracts,
        // grid, limits, then initial margin on the contracts the order opens (none on those it closes).
        return Refused(PreTradeCheck.NewOrder(_account.Ledger, request.Code, derivative: true, request.Side == OrderSide.Buy, request.Quantity, market,
            BacktestPrices.Hundredths(market, request.Price), DerivativeBand(request.Code)));
    }

    /// <summary>A futures/options code's limits (a future's from the recording; none known for an option); its grid is
    /// KRX's by code and price (tick 0: the core's <see cref="KrxRules.DerivativeTick"/>).</summary>
    private PriceBand DerivativeBand(string code)
    {
        var instrument = Instrument(code);
        return new PriceBand(instrument.Lower, instrument.Upper, 0);
    }
}
