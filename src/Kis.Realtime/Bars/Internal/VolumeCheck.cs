namespace Kis.Realtime.Internal;

/// <summary>What a trade's cumulative volume says about it (<see cref="BarAggregator{TTrade, TAccessor}"/>).</summary>
internal enum VolumeCheck
{
    /// <summary>Continues the trades seen (or nothing to check).</summary>
    Continues,
    /// <summary>Trades were missed before it, within its trading day (they may belong to the bar before too).</summary>
    Gap,
    /// <summary>The first trade of a new trading day, with the day's earlier trades missed: they are all the new day's.</summary>
    GapAtDayStart,
    /// <summary>The first trade checked, with earlier trades of its day not seen (a replay or a run that starts mid-day).</summary>
    FirstAfterUnseen,
    /// <summary>Already counted: its cumulative volume was reached before (a repeated record). It enters no bar.</summary>
    Duplicate,
    /// <summary>A trade missed before, arriving late: it fills (part of) a gap. It enters its own bar only if that bar is still forming.</summary>
    Late,
    /// <summary>Behind the tape, not a trade seen and in no gap: its acml_vol contradicts the tape. Reported; it enters no bar.</summary>
    Corrupt,
}
