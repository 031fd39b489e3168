namespace Kis.Realtime.Simulator.Backtest;

/// <summary>
/// Prices between a strategy's calls (decimal: KRW for a stock, points for futures/options) and the venue's (whole KRW;
/// hundredths of a point, as the simulator holds them). A price no KRX grid has comes out as -1, which the venue core's
/// pre-trade check refuses as off the grid.
/// </summary>
internal static class BacktestPrices
{
    /// <summary>A stock price in whole KRW; one that is not whole is off every grid (-1).</summary>
    public static long Whole(decimal price) => price == decimal.Truncate(price) && price is > 0 and <= long.MaxValue ? (long)price : -1;

    /// <summary>A limit in points as hundredths (0 for a market order); one off the grid of hundredths is off every KRX
    /// grid (-1).</summary>
    public static long Hundredths(bool market, decimal points)
    {
        if (market) return 0;
        var hundredths = points * 100;
        return hundredths == decimal.Truncate(hundredths) && hundredths is > 0 and <= long.MaxValue ? (long)hundredths : -1;
    }

    /// <summary>Hundredths of a point as points (the files and the inquiries show points).</summary>
    public static decimal Points(long hundredths) => hundredths / 100m;
}
