using System.Globalization;
using System.Text.Json.Serialization;
using Kis.Realtime.Internal;

namespace Kis.Realtime;

/// <summary>
/// One row of KIS's REST minute chart (주식당일분봉조회, <c>GET /uapi/domestic-stock/v1/quotations/inquire-time-itemchartprice</c>,
/// tr_id FHKST03010200, output2), as sent (text). <see cref="ToBars(string, IEnumerable{MinuteChartRow})"/> turns a day's rows into 1-minute
/// <see cref="Bar"/>s to seed live bars with (<see cref="BarOptions.SeedBars"/>).
/// </summary>
/// <param name="Date">stck_bsop_date 주식 영업일자: the business date, yyyyMMdd.</param>
/// <param name="Time">stck_cntg_hour 주식 체결시간: the minute, HHmmss (its start: 090000 holds 09:00:00–09:00:59).</param>
/// <param name="Close">stck_prpr 주식 현재가: the minute's close.</param>
/// <param name="Open">stck_oprc 주식 시가: the minute's open.</param>
/// <param name="High">stck_hgpr 주식 최고가: the minute's high.</param>
/// <param name="Low">stck_lwpr 주식 최저가: the minute's low.</param>
/// <param name="Volume">cntg_vol 체결 거래량: the minute's volume.</param>
/// <param name="CumulativeTradeValue">acml_tr_pbmn 누적 거래대금: the day's traded value up to the end of the minute.</param>
/// <remarks>Each property carries KIS's field name as its JSON name, so a row binds from KIS's JSON as it is sent.</remarks>
public readonly record struct MinuteChartRow(
    [property: JsonPropertyName("stck_bsop_date")] string Date,
    [property: JsonPropertyName("stck_cntg_hour")] string Time,
    [property: JsonPropertyName("stck_prpr")] string Close,
    [property: JsonPropertyName("stck_oprc")] string Open,
    [property: JsonPropertyName("stck_hgpr")] string High,
    [property: JsonPropertyName("stck_lwpr")] string Low,
    [property: JsonPropertyName("cntg_vol")] string Volume,
    [property: JsonPropertyName("acml_tr_pbmn")] string CumulativeTradeValue)
{
    /// <summary>
    /// The bars of one key from rows of one day in any order (KIS sends the newest first, 30 a call; duplicates from
    /// overlapping calls are merged). Each bar's value is the row's acml_tr_pbmn minus the previous row's (see
    /// <see cref="ToBars(string, IEnumerable{KisMinuteBar})"/> for a first row or a difference that cannot be the
    /// minute's own value). Trade counts are unknown (0).
    /// </summary>
    /// <exception cref="FormatException">A field is not a number, date or time (the message names the field).</exception>
    public static IReadOnlyList<Bar> ToBars(string key, IEnumerable<MinuteChartRow> rows)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(rows);
        var minutes = new List<KisMinuteBar>();
        foreach (var row in rows)
        {
            // Errors name KIS's fields: that is what a caller sees in the JSON.
            minutes.Add(new KisMinuteBar(KstDayClock.ToKst(row.MinuteTicks()), Price(row.Open, "stck_oprc"),
                Price(row.High, "stck_hgpr"), Price(row.Low, "stck_lwpr"), Price(row.Close, "stck_prpr"),
                Number(row.Volume, "cntg_vol"), Number(row.CumulativeTradeValue, "acml_tr_pbmn")));
        }
        return ToBars(key, minutes);
    }

    /// <summary>
    /// The 1-minute bars of one key from KIS's minute rows of one day (<see cref="KisRestClient.GetTodayMinuteBarsAsync"/>),
    /// in time order, duplicates merged. A bar's value is the difference of the cumulative traded value (acml_tr_pbmn)
    /// from the previous row, kept only when it can be the minute's own: between low × volume and high × volume. The
    /// first row has no previous one (the rows may start after the day's first minute: its acml_tr_pbmn is then the
    /// day's value so far), and a row after missing rows has a difference that covers them: their value is estimated as
    /// volume × (high + low + close) ÷ 3, so the VWAP always lies between the bar's low and high. Trade counts are
    /// unknown (0). Flagged <see cref="BarFlags.Seeded"/>.
    /// </summary>
    public static IReadOnlyList<Bar> ToBars(string key, IEnumerable<KisMinuteBar> minutes)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(minutes);
        var byMinute = new SortedDictionary<DateTimeOffset, KisMinuteBar>();
        foreach (var m in minutes) byMinute[m.Time] = m;
        var bars = new List<Bar>(byMinute.Count);
        long? previousValue = null;
        foreach (var (time, m) in byMinute)
        {
            var value = MinuteValue(m, previousValue);
            previousValue = m.CumulativeTradeValue;
            bars.Add(new Bar
            {
                Key = key,
                OpenTime = time.ToOffset(KoreaTime.Offset),
                CloseTime = time.ToOffset(KoreaTime.Offset).AddMinutes(1),
                Open = m.Open,
                High = m.High,
                Low = m.Low,
                Close = m.Close,
                Volume = m.Volume,
                Value = value,
                Vwap = m.Volume == 0 ? m.Close : value / m.Volume,
                Flags = BarFlags.Seeded,
            });
        }
        return bars;
    }

    // The one rule for a minute's value from KIS's cumulative figure (see ToBars).
    private static decimal MinuteValue(KisMinuteBar m, long? previousAccumulated)
    {
        if (previousAccumulated is { } previous)
        {
            var difference = (decimal)(m.CumulativeTradeValue - previous);
            if (difference >= m.Low * m.Volume && difference <= m.High * m.Volume) return difference;
        }
        // The first row: its cumulative value is its own only when it is the day's first minute.
        else if (m.CumulativeTradeValue >= m.Low * m.Volume && m.CumulativeTradeValue <= m.High * m.Volume) return m.CumulativeTradeValue;
        return m.Volume * (m.High + m.Low + m.Close) / 3;
    }

    private long MinuteTicks()
    {
        if (!DateOnly.TryParseExact(Date, "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            throw new FormatException("stck_bsop_date is not a yyyyMMdd date.");
        if (!TimeOnly.TryParseExact(Time, "HHmmss", CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
            throw new FormatException("stck_cntg_hour is not an HHmmss time.");
        var ticks = date.DayNumber * TimeSpan.TicksPerDay + time.Ticks;
        return ticks - ticks % TimeSpan.TicksPerMinute;
    }

    private static long Number(string text, string field) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : throw new FormatException($"{field} is not a whole number.");

    private static decimal Price(string text, string field) =>
        decimal.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n) ? n
            : throw new FormatException($"{field} is not a price.");
}
