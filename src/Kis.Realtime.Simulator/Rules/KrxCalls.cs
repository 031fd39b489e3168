namespace Kis.Realtime.Simulator.Rules;

/// <summary>
/// KRX's calls as a recording shows them, so the backtest and the paper venue under a replay wait for an auction's print
/// (issue 55, items 4 and 6): during the pre-open (before 09:00), the closing auction (15:20–15:30) and a VI nothing
/// matches continuously; a book then is an expected one and may cross, and the next KRX trade is the call's single print.
/// A stock book is a call's when KIS marks it so (H0STASP0 <c>hour_cls_code</c> other than <c>0</c>: A after-close
/// expected, B pre-open expected, C expected after 09:00 or a VI, D after-hours single price; the simulator writes the
/// same) or when the market's time lies in KRX's call windows (for recordings that mark every book <c>0</c>, as the
/// simulator's did). The time is always the market's (<see cref="MarketTimeline"/>: the records' own stamps), never
/// the time a record was received.
/// </summary>
internal static class KrxCalls
{
    private static readonly int HourClass = KisTrs.H0STASP0.IndexOf("hour_cls_code");

    /// <summary>True when the market time <paramref name="at"/> lies in KRX's pre-open or closing call (KST).</summary>
    public static bool InCallWindow(DateTimeOffset at) => InCallWindow(at.ToOffset(KoreaTime.Offset).DateTime);

    /// <summary>True when a KST wall-clock time lies in KRX's pre-open or closing call of its day: that day's hours (a
    /// late open's pre-open runs to 10:00, the exam day's closing call is 16:20–16:30), not a normal day's.</summary>
    public static bool InCallWindow(DateTime kst)
    {
        var hours = KrxDayHours.On(kst);
        var second = (int)kst.TimeOfDay.TotalSeconds;
        return second < hours.RegularOpen || (second >= hours.ClosingAuctionStart && second < hours.ClosingAuctionEnd);
    }

    /// <summary>True when a stock book of the recording (<paramref name="tr"/> H0STASP0) is a call's at the market time <paramref name="at"/>.</summary>
    public static bool IsCallBook(DateTimeOffset at, TrDefinition tr, ReadOnlySpan<byte> record)
        => ReferenceEquals(tr, KisTrs.H0STASP0) && (InCallWindow(at) || IsCallCode(tr, record));

    /// <summary>True when KIS marks a stock book (<paramref name="tr"/> H0STASP0) as a call's (<c>hour_cls_code</c> not <c>0</c>).</summary>
    public static bool IsCallCode(TrDefinition tr, ReadOnlySpan<byte> record)
    {
        if (!ReferenceEquals(tr, KisTrs.H0STASP0)) return false;
        var hourClass = FieldReader.FieldAt(record, HourClass);
        return hourClass.Length == 1 && hourClass[0] != (byte)'0';
    }
}
