namespace Kis.Realtime.Simulator.Rules;

/// <summary>
/// The exchange's own time a KRX record carries, which a venue decides its sessions and auctions by (issue 73, item 5):
/// a stock trade's <c>stck_cntg_hour</c> with its trading date <c>bsop_date</c>, a stock book's <c>bsop_hour</c>, a
/// day-session future's or option's trade and book <c>bsop_hour</c> (HHMMSS, KST). <see cref="Second"/> is the second of
/// the KST day (-1: the record carries no time that reads as one); <see cref="DayNumber"/> the trading date's
/// <see cref="DateOnly.DayNumber"/> (0: none, all but a stock trade).
/// </summary>
internal readonly record struct MarketStamp(int Second, int DayNumber)
{
    /// <summary>A record without a market time of its own.</summary>
    public static readonly MarketStamp None = new(-1, 0);

    private static readonly int TradeTime = KisTrs.H0STCNT0.IndexOf("stck_cntg_hour"), TradeDate = KisTrs.H0STCNT0.IndexOf("bsop_date");
    private static readonly int BookTime = KisTrs.H0STASP0.IndexOf("bsop_hour");
    private static readonly int FuturesTradeTime = KisTrs.H0IFCNT0.IndexOf("bsop_hour"), FuturesBookTime = KisTrs.H0IFASP0.IndexOf("bsop_hour"),
        OptionsTradeTime = KisTrs.H0IOCNT0.IndexOf("bsop_hour"), OptionsBookTime = KisTrs.H0IOASP0.IndexOf("bsop_hour");

    public bool HasTime => Second >= 0;

    public bool HasDate => DayNumber > 0;

    /// <summary>The stamp of a record of <paramref name="tr"/> (<see cref="None"/> for a TR a venue does not trade against).</summary>
    public static MarketStamp Of(TrDefinition tr, ReadOnlySpan<byte> record)
    {
        if (ReferenceEquals(tr, KisTrs.H0STCNT0))
            return new MarketStamp(SecondOf(FieldReader.FieldAt(record, TradeTime)), DayOf(FieldReader.FieldAt(record, TradeDate)));
        var field = ReferenceEquals(tr, KisTrs.H0STASP0) ? BookTime
            : ReferenceEquals(tr, KisTrs.H0IFCNT0) ? FuturesTradeTime
            : ReferenceEquals(tr, KisTrs.H0IFASP0) ? FuturesBookTime
            : ReferenceEquals(tr, KisTrs.H0IOCNT0) ? OptionsTradeTime
            : ReferenceEquals(tr, KisTrs.H0IOASP0) ? OptionsBookTime : -1;
        return field < 0 ? None : new MarketStamp(SecondOf(FieldReader.FieldAt(record, field)), 0);
    }

    /// <summary>A stock trade's stamp from its field ends (<see cref="FieldSeparators.FieldEnds"/>, as many as were found):
    /// the date is read on from the last end found, so the record is not searched from its start again.</summary>
    public static MarketStamp OfTrade(ReadOnlySpan<byte> record, ReadOnlySpan<int> ends)
    {
        if (ends.Length <= TradeTime) return Of(KisTrs.H0STCNT0, record);
        var second = SecondOf(FieldSeparators.Field(record, ends, TradeTime));
        ReadOnlySpan<byte> date;
        if (ends.Length > TradeDate) date = FieldSeparators.Field(record, ends, TradeDate);
        else if (ends[^1] >= record.Length) date = default; // the record ended before its date
        else date = FieldReader.FieldAt(record[(ends[^1] + 1)..], TradeDate - ends.Length);
        return new MarketStamp(second, DayOf(date));
    }

    /// <summary>HHMMSS as a second of the day; -1 when it is not one.</summary>
    private static int SecondOf(ReadOnlySpan<byte> hhmmss)
    {
        if (hhmmss.Length != 6 || !TwoDigits(hhmmss, 0, out var h) || !TwoDigits(hhmmss, 2, out var m) || !TwoDigits(hhmmss, 4, out var s)
            || h > 23 || m > 59 || s > 59)
            return -1;
        return h * 3600 + m * 60 + s;
    }

    /// <summary>YYYYMMDD as a day number; 0 when it is not a date.</summary>
    private static int DayOf(ReadOnlySpan<byte> yyyymmdd)
    {
        if (yyyymmdd.Length != 8 || !TwoDigits(yyyymmdd, 0, out var c) || !TwoDigits(yyyymmdd, 2, out var y) || !TwoDigits(yyyymmdd, 4, out var m)
            || !TwoDigits(yyyymmdd, 6, out var d))
            return 0;
        var year = c * 100 + y;
        if (year < 1 || m < 1 || m > 12 || d < 1 || d > DateTime.DaysInMonth(year, m)) return 0;
        return new DateOnly(year, m, d).DayNumber;
    }

    private static bool TwoDigits(ReadOnlySpan<byte> text, int at, out int value)
    {
        int a = text[at] - '0', b = text[at + 1] - '0';
        value = a * 10 + b;
        return (uint)a <= 9 && (uint)b <= 9;
    }
}
