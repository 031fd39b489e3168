namespace Kis.Realtime;

/// <summary>A record whose acml_vol contradicts the trades' own volumes (e.g. one digit corrupt), located.</summary>
public readonly record struct CorruptCumulativeVolume
{
    /// <summary>The TR.</summary>
    public string TrId { get; init; }
    /// <summary>The trade's stamp, on the market's clock.</summary>
    public DateTimeOffset Time { get; init; }
    /// <summary>The acml_vol the record carried.</summary>
    public long CumulativeVolume { get; init; }
    /// <summary>The trade's own volume.</summary>
    public long Volume { get; init; }
    /// <summary>What the trades before it give (the hole its volume filled); null when nothing on the tape fits it.</summary>
    public long? ExpectedCumulativeVolume { get; init; }
    /// <summary>True when it went into its bar at <see cref="ExpectedCumulativeVolume"/>; false: in no bar.</summary>
    public bool InBar { get; init; }
    /// <summary>
    /// The tape's cumulative volume when it was found (null: nothing on the tape yet): a record in no bar claims a place at or
    /// below it that no open gap holds (its acml_vol less its volume to its acml_vol), so no placement explains it.
    /// </summary>
    public long? TapeCumulativeVolume { get; init; }
}
