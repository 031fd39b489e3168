namespace Kis.Realtime;

/// <summary>What a cumulative-volume check found.</summary>
public enum VolumeGapKind : byte
{
    /// <summary>acml_vol rose by more than the trade's volume: trades were missed (<see cref="VolumeGap.MissingVolume"/>).</summary>
    Missing = 1,
    /// <summary>
    /// acml_vol rose by less than the trade's volume (or not at all): the record repeats or overlaps one already seen
    /// (a duplicate, a replay, records out of order). Nothing is missing; <see cref="VolumeGap.MissingVolume"/> is negative.
    /// </summary>
    Overlap = 2,
}

/// <summary>
/// Trades missed (or repeated) on one TR and key, found by KIS's cumulative volume: between two consecutive trades n−1
/// and n, acml_vol(n) − acml_vol(n−1) must equal cntg_vol(n).
/// </summary>
public readonly record struct VolumeGap
{
    /// <summary>The TR (e.g. H0STCNT0).</summary>
    public string TrId { get; init; }
    /// <summary>The key (stock code, index code, contract code, symbol).</summary>
    public string Key { get; init; }
    /// <summary>Missing or overlapping.</summary>
    public VolumeGapKind Kind { get; init; }
    /// <summary>The time (KST) of the last trade seen before the gap: the missed trades happened after it…</summary>
    public DateTimeOffset From { get; init; }
    /// <summary>… and at or before this, the time (KST) of the trade that revealed the gap.</summary>
    public DateTimeOffset To { get; init; }
    /// <summary>Volume missed: acml_vol(n) − acml_vol(n−1) − cntg_vol(n); negative for an overlap.</summary>
    public long MissingVolume { get; init; }
    /// <summary>At least this many trades were missed (1 for any missing volume: KIS sends no trade counter on every TR).</summary>
    public long MissingTradesAtLeast { get; init; }
    /// <summary>acml_vol of the last trade before the gap.</summary>
    public long CumulativeVolumeBefore { get; init; }
    /// <summary>acml_vol of the trade that revealed the gap.</summary>
    public long CumulativeVolumeAfter { get; init; }
    /// <summary>True when a reconnect (<see cref="GapDetector.NoteReconnect"/>) happened between the two trades.</summary>
    public bool AcrossReconnect { get; init; }
    /// <summary>True when acml_vol started again from a lower figure (a new trading day) and the new day's first trades were missed.</summary>
    public bool AfterReset { get; init; }
}
