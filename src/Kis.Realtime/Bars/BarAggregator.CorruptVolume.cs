namespace Kis.Realtime;

// A trade's own volume checked against the cumulative volume, as acml_vol is checked against the trades' volumes: a
// cntg_vol larger than the step from the tape's last acml_vol to its own (one digit corrupt) would make the bars hold
// more than the day traded. The step is what the exchange counted: the bar takes it, and the record is reported.
public sealed partial class BarAggregator<TTrade, TAccessor>
{
    /// <summary>
    /// Trades whose own volume (cntg_vol) exceeds the step of the cumulative volume they bring (their acml_vol less the
    /// one before them): each went into its bar with the step's volume, so the bars' volume plus
    /// <see cref="MissingVolume"/> stays the day's last acml_vol. See <see cref="CorruptVolumeRecords"/>.
    /// </summary>
    public long CorruptVolumes => _corrupt.VolumeCount;

    /// <summary>The first 16 <see cref="CorruptVolumes"/>, located by their stamp.</summary>
    public IReadOnlyList<CorruptTradeVolume> CorruptVolumeRecords => _corrupt.Volumes;

}

/// <summary>A trade whose own volume (cntg_vol) exceeds the step of the cumulative volume it brings, located.</summary>
public readonly record struct CorruptTradeVolume
{
    /// <summary>The TR.</summary>
    public string TrId { get; init; }
    /// <summary>The trade's stamp, on the market's clock.</summary>
    public DateTimeOffset Time { get; init; }
    /// <summary>The acml_vol the record carried (consistent with the tape).</summary>
    public long CumulativeVolume { get; init; }
    /// <summary>The cntg_vol the record carried.</summary>
    public long Volume { get; init; }
    /// <summary>Its acml_vol less the one before it: the volume its bar took.</summary>
    public long Step { get; init; }
}
