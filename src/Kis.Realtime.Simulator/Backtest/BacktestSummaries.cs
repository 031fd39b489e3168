namespace Kis.Realtime.Simulator.Backtest;

/// <summary>The summary's arithmetic, kept apart so tools/backtest-check can follow it line by line.</summary>
internal static class BacktestSummaries
{
    public static KisBacktestSummary Of(KisBacktestOptions options, int calls, int refused, IReadOnlyList<BacktestFillRow> fills,
        IReadOnlyList<(DateTimeOffset Time, decimal Equity)> equity,
        IReadOnlyList<BacktestInstrument> instruments, long records)
    {
        var cash = fills.Count == 0 ? options.StartingCash : fills[^1].Cash;
        // A stock's shares at their last price; a futures/options position's profit against its cost (its margin was not spent).
        var held = instruments.Sum(i => i.Held);
        var multiplier = instruments.ToDictionary(i => i.Code, i => (decimal)i.Multiplier, StringComparer.Ordinal);
        var commission = fills.Sum(f => f.Commission);
        var tax = fills.Sum(f => f.Tax);
        var net = cash + held - options.StartingCash;
        // The curve starts at the starting cash: a loss on the first fill is a drawdown too.
        decimal peak = options.StartingCash, drawdown = 0, fraction = 0;
        foreach (var (_, value) in equity)
        {
            if (value > peak) peak = value;
            if (peak - value > drawdown)
            {
                drawdown = peak - value;
                fraction = peak == 0 ? 0 : drawdown / peak;
            }
        }
        // Per code, in fill order: the shares and value bought and sold (one pass, not two lists a code).
        var traded = new Dictionary<string, (long Bought, decimal BoughtValue, long Sold, decimal SoldValue)>(StringComparer.Ordinal);
        foreach (var f in fills)
        {
            ref var t = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(traded, f.Code, out _);
            if (f.Side == OrderSide.Buy) (t.Bought, t.BoughtValue) = (t.Bought + f.Quantity, t.BoughtValue + f.Quantity * f.Price);
            else if (f.Side == OrderSide.Sell) (t.Sold, t.SoldValue) = (t.Sold + f.Quantity, t.SoldValue + f.Quantity * f.Price);
        }
        return new KisBacktestSummary
        {
            StartingCash = options.StartingCash, EndingCash = cash, EndingEquity = cash + held, NetProfitLoss = net,
            GrossProfitLoss = net + commission + tax, Commission = commission, Tax = tax,
            // In KRW: a futures/options fill's value is its contracts × price × the multiplier.
            Turnover = fills.Sum(f => f.Quantity * f.Price * multiplier.GetValueOrDefault(f.Code, 1)), MaxDrawdown = drawdown, MaxDrawdownFraction = fraction,
            Calls = calls, Refused = refused, FillCount = fills.Count, Records = records,
            Instruments = [.. instruments.Select(i =>
            {
                var (bought, boughtValue, sold, soldValue) = traded.GetValueOrDefault(i.Code);
                return new KisBacktestInstrument(i.Code, i.Last, i.Position, i.TapeTrades, i.TapeVolume, i.TapeVolume == 0 ? 0 : i.TapeValue / i.TapeVolume,
                    bought, bought == 0 ? 0 : boughtValue / bought,
                    sold, sold == 0 ? 0 : soldValue / sold,
                    i.TapeVolume == 0 ? 0 : (decimal)(bought + sold) / i.TapeVolume, i.Derivative ? KisProduct.FuturesOptions : KisProduct.Stock, i.Multiplier);
            })],
        };
    }
}

/// <summary>What the venue reports of an instrument it followed: last price and the tape's totals (futures/options in
/// points), the position left, what that adds to the account's value (KRW), the contract multiplier (1 for a stock).</summary>
internal readonly record struct BacktestInstrument(string Code, decimal Last, long TapeVolume, decimal TapeValue, long TapeTrades, long Position,
    decimal Held, long Multiplier, bool Derivative);
