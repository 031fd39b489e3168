using System.Diagnostics.CodeAnalysis;
namespace Kis.Realtime.Internal;

/// <summary>The cumulative-volume rule shared by <see cref="GapDetector"/> and the bar aggregator.</summary>
[Experimental("KISRT0001")]
public static class CumulativeVolumeRule
{
    /// <summary>
    /// Volume missed between the previous trade (acml_vol <paramref name="previous"/>, on trading day
    /// <paramref name="previousDay"/>) and this one; 0 when none, negative for an overlap. The days are the market's
    /// trading days (<see cref="MarketCalendar"/>), never KST dates. A trade of a later trading day starts the
    /// count again (<paramref name="reset"/>): then only the new day's trades before this one count as
    /// missed. (acml_vol falling within one day is an overlap: a stale or repeated record, e.g. the day's first trade
    /// again, whose acml_vol equals its cntg_vol.)
    /// </summary>
    public static long Missing(long previous, long previousDay, long accumulated, long volume, long day, out bool reset)
    {
        reset = day > previousDay;
        return reset ? accumulated - volume : accumulated - previous - volume;
    }

    /// <summary>
    /// True when a record's cumulative volume replaces the last one kept (<paramref name="previous"/> of
    /// <paramref name="previousDay"/>): a later trading day's, or a larger one of the same day. A stale or repeated
    /// record never moves it back (the next trade would look like a gap).
    /// </summary>
    public static bool Advances(long previous, long previousDay, long accumulated, long day) =>
        day > previousDay || accumulated > previous;
}
