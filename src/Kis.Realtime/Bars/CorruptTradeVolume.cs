namespace Kis.Realtime;

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
