using Kis.Realtime.Simulator.Rules;

namespace Kis.Realtime.Simulator.Market;

/// <summary>
/// The morning a stock traded before anyone asked for it (it appears part-way through its day): one price path on the
/// KRX tick grid for both venues (one price discovery), from the day's opening price to the level its book opens at,
/// and each minute's share of the day's volume. A Brownian bridge (steps of about 0.08 % a minute, pinned at both
/// ends, inside the daily limits) and an intraday volume profile that is busier in the first hour, each minute drawn
/// anew: a chart that looks like a morning, where a flat line at one price and one volume said "made up".
/// </summary>
internal static class DayBackfill
{
    /// <summary>One minute of the path: its prices and its weight in the day's volume.</summary>
    public readonly record struct Minute(long Open, long High, long Low, long Close, double Weight);

    /// <summary>
    /// The path over <paramref name="minutes"/> (in order, KST), opening at <paramref name="open"/> and closing the last
    /// minute at <paramref name="close"/> exactly, so the live feed continues from it.
    /// </summary>
    public static Dictionary<DateTime, Minute> Path(Random random, IReadOnlyList<DateTime> minutes, long open, long close, long lower, long upper)
    {
        var path = new Dictionary<DateTime, Minute>(minutes.Count);
        var count = minutes.Count;
        if (count == 0) return path;
        var walk = new double[count + 1];
        var sigma = open * 0.0008;
        for (var i = 1; i <= count; i++) walk[i] = walk[i - 1] + Gaussian(random) * sigma;
        var previous = open;
        var firstSecond = minutes[0].TimeOfDay.TotalMinutes;
        for (var i = 0; i < count; i++)
        {
            var t = (double)(i + 1) / count;
            var level = open + (close - open) * t + walk[i + 1] - t * walk[count];
            var c = i == count - 1 ? close : Math.Clamp(KrxRules.RoundDownToStockTick((long)Math.Round(level)), lower, upper);
            var (high, low) = (Math.Max(previous, c), Math.Min(previous, c));
            for (var k = random.Next(3); k > 0 && high < upper; k--) high = KrxRules.StockTickUp(high);
            for (var k = random.Next(3); k > 0 && low > lower; k--) low = KrxRules.StockTickDown(low);
            var minutesIn = minutes[i].TimeOfDay.TotalMinutes - firstSecond;
            var weight = (0.5 + random.NextDouble()) * (1 + 2 * Math.Exp(-minutesIn / 30));
            path[minutes[i]] = new Minute(previous, high, low, c, weight);
            previous = c;
        }
        return path;
    }

    /// <summary>A day's opening price near <paramref name="previousClose"/> (within ±1.5 %), on the tick grid, inside the limits.</summary>
    public static long OpeningPrice(Random random, long previousClose, long lower, long upper) =>
        Math.Clamp(KrxRules.RoundDownToStockTick(previousClose + previousClose * random.Next(-150, 151) / 10_000), lower, upper);

    private static double Gaussian(Random random)
    {
        // Box-Muller: 1 - NextDouble() is never zero.
        var u = 1 - random.NextDouble();
        var v = random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u)) * Math.Cos(2 * Math.PI * v);
    }
}
