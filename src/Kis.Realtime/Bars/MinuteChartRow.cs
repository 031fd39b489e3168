using System.Globalization;

namespace Kis.Realtime.Bars;

/// <summary>
/// One row of KIS's REST minute chart (주식당일분봉조회, <c>GET /uapi/domestic-stock/v1/quotations/inquire-time-itemchartprice</c>,
/// tr_id FHKST03010200, output2), as sent (text). <see cref="ToBars"/> turns a day's rows into 1-minute
/// <see cref="Bar"/>s to seed live bars with (<see cref="BarOptions.SeedBars"/>).
/// </summary>
/// <param name="stck_bsop_date">주식 영업일자: the business date, yyyyMMdd.</param>
/// <param name="stck_cntg_hour">주식 체결시간: the minute, HHmmss (its start: 090000 holds 09:00:00–09:00:59).</param>
/// <param name="stck_prpr">주식 현재가: the minute's close.</param>
/// <param name="stck_oprc">주식 시가: the minute's open.</param>
/// <param name="stck_hgpr">주식 최고가: the minute's high.</param>
/// <param name="stck_lwpr">주식 최저가: the minute's low.</param>
/// <param name="cntg_vol">체결 거래량: the minute's volume.</param>
/// <param name="acml_tr_pbmn">누적 거래대금: the day's traded value up to the end of the minute.</param>
#pragma warning disable IDE1006 // KIS's field names, so rows bind from KIS's JSON as they are.
public readonly record struct MinuteChartRow(string stck_bsop_date, string stck_cntg_hour, string stck_prpr, string stck_oprc,
    string stck_hgpr, string stck_lwpr, string cntg_vol, string acml_tr_pbmn)
#pragma warning restore IDE1006
{
    /// <summary>
    /// The bars of one key from rows of one day in any order (KIS sends the newest first, 30 a call; duplicates from
    /// overlapping calls are merged). Each bar's value is the row's acml_tr_pbmn minus the previous row's; pass the rows
    /// from the day's first minute on, or the first bar's value is the whole day's value up to it. Trade counts are
    /// unknown (0).
    /// </summary>
    /// <exception cref="FormatException">A field is not a number, date or time (the message names the field).</exception>
    public static IReadOnlyList<Bar> ToBars(string key, IEnumerable<MinuteChartRow> rows)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(rows);
        var byMinute = new SortedDictionary<long, MinuteChartRow>();
        foreach (var row in rows) byMinute[row.MinuteTicks()] = row;
        var bars = new List<Bar>(byMinute.Count);
        long previousValue = 0;
        foreach (var (minute, row) in byMinute)
        {
            var accumulatedValue = Number(row.acml_tr_pbmn, nameof(acml_tr_pbmn));
            var volume = Number(row.cntg_vol, nameof(cntg_vol));
            var close = Price(row.stck_prpr, nameof(stck_prpr));
            var value = (decimal)(accumulatedValue - previousValue);
            previousValue = accumulatedValue;
            bars.Add(new Bar
            {
                Key = key,
                OpenTime = KstDayClock.ToKst(minute),
                CloseTime = KstDayClock.ToKst(minute + TimeSpan.TicksPerMinute),
                Open = Price(row.stck_oprc, nameof(stck_oprc)),
                High = Price(row.stck_hgpr, nameof(stck_hgpr)),
                Low = Price(row.stck_lwpr, nameof(stck_lwpr)),
                Close = close,
                Volume = volume,
                Value = value,
                Vwap = volume == 0 ? close : value / volume,
                Flags = BarFlags.Seeded,
            });
        }
        return bars;
    }

    private long MinuteTicks()
    {
        if (!DateOnly.TryParseExact(stck_bsop_date, "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            throw new FormatException("stck_bsop_date is not a yyyyMMdd date.");
        if (!TimeOnly.TryParseExact(stck_cntg_hour, "HHmmss", CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
            throw new FormatException("stck_cntg_hour is not an HHmmss time.");
        var ticks = date.DayNumber * TimeSpan.TicksPerDay + time.Ticks;
        return ticks - ticks % TimeSpan.TicksPerMinute;
    }

    private static long Number(string text, string field) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : throw new FormatException($"{field} is not a whole number.");

    private static decimal Price(string text, string field) =>
        decimal.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n) ? n : throw new FormatException($"{field} is not a price.");
}
