namespace Kis.Realtime.Internal;

// Records found corrupt: an acml_vol contradicting the tape (CorruptCumulativeVolume) and a cntg_vol larger than the
// cumulative step it brings (CorruptTradeVolume). Its own type: it owns the counts and the first few of each, located;
// the aggregator only tells it what it found (rarely: nothing here is on the path of a sound record).
internal sealed class CorruptReports
{
    private const int MaxKept = 16; // BarAggregator's docs say "the first 16"

    internal readonly List<CorruptCumulativeVolume> Records = [];
    internal readonly List<CorruptTradeVolume> Volumes = [];
    // BarAggregator.CorruptTrades, SkippedCorrupt and CorruptVolumes.
    internal long Trades, Skipped, VolumeCount;

    public void Clear()
    {
        Records.Clear();
        Volumes.Clear();
        Trades = Skipped = VolumeCount = 0;
    }

    public void NoteRecord(in PendingTrade p, long? expected, bool inBar, Tapes tape, MarketCalendar calendar)
    {
        Trades++;
        if (!inBar) Skipped++;
        if (Records.Count < MaxKept)
            Records.Add(new CorruptCumulativeVolume
            {
                TrId = tape.Ids[p.Tr]!,
                Time = new DateTimeOffset(p.Local, calendar.OffsetAtUtc(p.Utc)),
                CumulativeVolume = p.Accumulated,
                Volume = p.Volume,
                ExpectedCumulativeVolume = expected,
                InBar = inBar,
                TapeCumulativeVolume = p.Tr >= 0 && tape.Seen[p.Tr] ? tape.Accumulated[p.Tr] : null,
            });
    }

    public void NoteVolume(string trId, long local, long utc, long accumulated, long volume, long step, MarketCalendar calendar)
    {
        VolumeCount++;
        if (Volumes.Count < MaxKept)
            Volumes.Add(new CorruptTradeVolume
            {
                TrId = trId,
                Time = new DateTimeOffset(local, calendar.OffsetAtUtc(utc)),
                CumulativeVolume = accumulated,
                Volume = volume,
                Step = step,
            });
    }
}
