
namespace Kis.Realtime.Tests.Bars;

/// <summary>Hand-built trades with consistent cumulative volume.</summary>
internal sealed class Trades(string code = "005930", StockVenue venue = StockVenue.Krx)
{
    public static readonly DateOnly Day = new(2026, 11, 23);
    public long Accumulated { get; set; }

    /// <summary>A trade at <paramref name="time"/> (HH:mm:ss); acml_vol advances by its volume.</summary>
    public StockTrade At(string time, decimal price, long volume, DateOnly? date = null, bool afterHours = false)
    {
        Accumulated += volume;
        return Make(time, price, volume, Accumulated, date, afterHours);
    }

    /// <summary>A trade whose acml_vol also counts <paramref name="missed"/> volume never sent (a skipped record).</summary>
    public StockTrade AfterSkip(string time, decimal price, long volume, long missed)
    {
        Accumulated += missed;
        return At(time, price, volume);
    }

    public StockTrade Make(string time, decimal price, long volume, long accumulated, DateOnly? date = null, bool afterHours = false) => new()
    {
        StockCode = code,
        Venue = venue,
        IsAfterHours = afterHours,
        Time = TimeOnly.Parse(time, System.Globalization.CultureInfo.InvariantCulture),
        BusinessDate = date ?? Day,
        Price = price,
        Volume = volume,
        CumulativeVolume = accumulated,
        MarketOperationCode = "20",
        SessionCode = "0",
        RandomEndCode = "",
    };

    public static DateTimeOffset Kst(string time, DateOnly? date = null) =>
        new((date ?? Day).ToDateTime(TimeOnly.Parse(time, System.Globalization.CultureInfo.InvariantCulture)), TimeSpan.FromHours(9));
}
