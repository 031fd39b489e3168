namespace Kis.Realtime.Simulator.Backtest;

/// <summary>The summary's arithmetic, kept apart so tools/backtest-check can follow it line by line.</summary>
internal static class BacktestSummaries
{
    public static KisBacktestSummary Of(KisBacktestOptions options, IReadOnlyList<KisBacktestOrder> orders, IReadOnlyList<KisBacktestFill> fills,
        IReadOnlyList<(DateTimeOffset Time, decimal Equity)> equity,
        IReadOnlyList<(string Code, long Last, long TapeVolume, decimal TapeValue, long TapeTrades, long Position)> instruments, long records)
    {
        var cash = fills.Count == 0 ? options.StartingCash : fills[^1].Cash;
        var held = instruments.Sum(i => i.Position * (decimal)i.Last);
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
        return new KisBacktestSummary
        {
            StartingCash = options.StartingCash, EndingCash = cash, EndingEquity = cash + held, NetProfitLoss = net,
            GrossProfitLoss = net + commission + tax, Commission = commission, Tax = tax,
            Turnover = fills.Sum(f => f.Quantity * f.Price), MaxDrawdown = drawdown, MaxDrawdownFraction = fraction,
            Calls = orders.Count, Refused = orders.Count(o => o.Outcome == "refused"), FillCount = fills.Count, Records = records,
            Instruments = [.. instruments.Select(i =>
            {
                var mine = fills.Where(f => f.Code == i.Code).ToList();
                var buys = mine.Where(f => f.Side == OrderSide.Buy).ToList();
                var sells = mine.Where(f => f.Side == OrderSide.Sell).ToList();
                long bought = buys.Sum(f => f.Quantity), sold = sells.Sum(f => f.Quantity);
                return new KisBacktestInstrument(i.Code, i.Last, i.Position, i.TapeTrades, i.TapeVolume, i.TapeVolume == 0 ? 0 : i.TapeValue / i.TapeVolume,
                    bought, bought == 0 ? 0 : buys.Sum(f => f.Quantity * f.Price) / bought,
                    sold, sold == 0 ? 0 : sells.Sum(f => f.Quantity * f.Price) / sold,
                    i.TapeVolume == 0 ? 0 : (decimal)(bought + sold) / i.TapeVolume);
            })],
        };
    }
}
