using Kis.Realtime.Simulator.Market;
using Kis.Realtime.Simulator.Rules;
using Kis.Realtime.Simulator.Trading.Core;
using Kis.Realtime.Simulator.Trading.Rules;
using Kis.Realtime.Simulator.Trading.Ledger;

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
            equity = EquityLocked();
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
        return Refused(PreTradeCheck.NewOrder(_ledger, request.Code, derivative: true, request.Side == OrderSide.Buy, request.Quantity, market,
            Hundredths(market, request.Price), DerivativeBand(request.Code)));
    }

    /// <summary>A limit in points as hundredths (0 for a market order); one off the grid of hundredths is off every KRX
    /// grid (-1: the check refuses it so).</summary>
    private static long Hundredths(bool market, decimal points)
    {
        if (market) return 0;
        var hundredths = points * 100;
        return hundredths == decimal.Truncate(hundredths) && hundredths is > 0 and <= long.MaxValue ? (long)hundredths : -1;
    }

    /// <summary>A futures/options code's limits (a future's from the recording; none known for an option); its grid is
    /// KRX's by code and price (tick 0: the core's <see cref="KrxRules.DerivativeTick"/>).</summary>
    private PriceBand DerivativeBand(string code)
    {
        var instrument = Instrument(code);
        return new PriceBand(instrument.Lower, instrument.Upper, 0);
    }

    /// <summary>What a position adds to the account's value at its last trade, KRW: a stock's shares at it, a futures/options
    /// position's profit against its cost (its margin is not spent).</summary>
    private decimal Held(string code, LedgerPosition position)
    {
        var instrument = Instrument(code);
        return instrument.Derivative
            ? FuturesOptionRules.Krw(code, FuturesOptionRules.Unrealized(position.Quantity, (long)position.Cost, instrument.Last))
            : position.Quantity * (decimal)instrument.Last;
    }

    private static decimal Points(long hundredths) => hundredths / 100m;

    private KisBalance DerivativeBalance()
    {
        var positions = _ledger.Positions.Where(p => p.Value.Quantity != 0 && Instrument(p.Key).Derivative)
            .OrderBy(p => p.Key, StringComparer.Ordinal).Select(p =>
        {
            var instrument = Instrument(p.Key);
            return new KisPosition
            {
                Code = p.Key, Name = p.Key, Quantity = p.Value.Quantity, OrderableQuantity = Math.Abs(p.Value.Quantity),
                AveragePrice = AveragePrice.Of(p.Value.Cost / 100, p.Value.Quantity), CurrentPrice = Points(instrument.Last),
                Value = p.Value.Quantity * Points(instrument.Last) * instrument.Multiplier, ProfitLoss = Held(p.Key, p.Value),
            };
        }).ToList();
        var profit = positions.Sum(p => p.ProfitLoss);
        return new KisBalance
        {
            Product = KisProduct.FuturesOptions, Cash = _ledger.Cash, PositionsValue = profit, TotalValue = _ledger.Cash + profit, Positions = positions,
        };
    }

    /// <summary>A futures/options order's buying power, by the venue core's rule (<see cref="PreTradeCheck.DerivativeBuyingPower"/>)
    /// and in the shape KIS's inquire-psbl-order gives the order client: the contracts and the price asked (0: a market
    /// order's, at the upper limit); KIS's answer names no cash, so neither does this (the free cash: <see cref="FreeCash"/>).</summary>
    private KisBuyingPower DerivativeBuyingPower(string code, OrderSide side, decimal price)
    {
        var market = price <= 0;
        var (_, total) = PreTradeCheck.DerivativeBuyingPower(_ledger, code, side == OrderSide.Buy, market, Hundredths(market, price), Instrument(code).Upper);
        return new KisBuyingPower { Price = price, Quantity = total, MaxQuantity = total };
    }
}
