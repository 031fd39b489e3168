using Kis.Realtime.Internal;

namespace Kis.Realtime;

// Records whose cumulative volume or own volume contradicts the tape: located and counted (Internal/CorruptReports).
// acml_vol against the trades' volumes: the reorder buffer puts such a record where its own volume fits, or in no bar;
// a cntg_vol larger than the step from the tape's last acml_vol to its own (one digit corrupt) would make the bars hold
// more than the day traded: the step is what the exchange counted, the bar takes it, and the record is reported.
public sealed partial class BarAggregator<TTrade, TAccessor>
{
    private readonly CorruptReports _corrupt = new();

    /// <summary>
    /// Records whose acml_vol contradicted the tape (their trades' own volumes): put where their volume fits (the hole they
    /// left), or in no bar when none fits. See <see cref="CorruptRecords"/>.
    /// </summary>
    public long CorruptTrades => _corrupt.Trades;

    /// <summary>Of <see cref="CorruptTrades"/>, those in no bar.</summary>
    public long SkippedCorrupt => _corrupt.Skipped;

    /// <summary>The first 16 <see cref="CorruptTrades"/>, located by their stamp.</summary>
    public IReadOnlyList<CorruptCumulativeVolume> CorruptRecords => _corrupt.Records;

    /// <summary>
    /// Trades whose own volume (cntg_vol) exceeds the step of the cumulative volume they bring (their acml_vol less the
    /// one before them): each went into its bar with the step's volume, so the bars' volume plus
    /// <see cref="MissingVolume"/> stays the day's last acml_vol. See <see cref="CorruptVolumeRecords"/>.
    /// </summary>
    public long CorruptVolumes => _corrupt.VolumeCount;

    /// <summary>The first 16 <see cref="CorruptVolumes"/>, located by their stamp.</summary>
    public IReadOnlyList<CorruptTradeVolume> CorruptVolumeRecords => _corrupt.Volumes;
}
