namespace Kis.Realtime.Gaps;

/// <summary>The cumulative-volume rule shared by <see cref="GapDetector"/> and the bar aggregator.</summary>
internal static class CumulativeVolume
{
    /// <summary>
    /// Volume missed between the previous trade (acml_vol <paramref name="previous"/>, on KST day
    /// <paramref name="previousDay"/>) and this one; 0 when none, negative for an overlap. acml_vol below the previous
    /// figure starts a new day (<paramref name="reset"/>) when the day moved on or the count restarted at this trade;
    /// then only the new day's trades before this one count as missed.
    /// </summary>
    public static long Missing(long previous, long previousDay, long accumulated, long volume, long day, out bool reset)
    {
        reset = accumulated < previous && (day > previousDay || accumulated == volume);
        return reset ? accumulated - volume : accumulated - previous - volume;
    }
}
