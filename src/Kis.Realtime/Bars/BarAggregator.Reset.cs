namespace Kis.Realtime;

public sealed partial class BarAggregator<TTrade, TAccessor>
{
    /// <summary>Forgets every trade, bar, seed and count, to be fed again from scratch (no allocation).</summary>
    public void Reset()
    {
        _clock = default;
        _key = null;
        _calendar = null;
        _bar.Clear();
        _closed.Clear();
        _tape.Clear();
        _reorder.Clear();
        _corrupt.Clear();
        _seeded.Clear();
        _pendingFlags = BarFlags.None;
        SkippedTrades = LateTrades = 0;
        _watermark = 0;
    }
}
