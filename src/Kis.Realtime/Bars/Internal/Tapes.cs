namespace Kis.Realtime.Internal;

// The cumulative-volume tape of each TR feeding one key, and the holes found in it. Its own type: it owns every per-TR
// array, the open gaps and the gap counters, so the aggregator asks it what a record is (continues, gap, late, repeat,
// corrupt) and hears back which gap a late trade filled whole; what that means for the bars stays in the aggregator.
internal sealed class Tapes
{
    internal const int MaxTrs = PendingRecords.MaxTrs;

    // Per TR (a key may be fed from several, e.g. KRX and NXT trades of one stock): the tape's last cumulative volume, its
    // trading day and stamp; the trades seen this day (a repeat is the same trade, not any record at or below the last
    // acml_vol); and the holes still open, as cumulative-volume ranges (low, high]: a late trade inside one fills it.
    internal readonly string?[] Ids = new string?[MaxTrs];
    internal readonly bool[] Seen = new bool[MaxTrs];
    internal readonly long[] Accumulated = new long[MaxTrs];
    internal readonly int[] Day = new int[MaxTrs];
    internal readonly long[] Local = new long[MaxTrs];
    // A record above a set's highest acml_vol is no repeat, without a look in it (SeenTrades.High).
    private readonly SeenTrades?[] _trades = new SeenTrades?[MaxTrs];
    private readonly List<OpenGap>?[] _openGaps = new List<OpenGap>?[MaxTrs];
    private long _openGapSequence;
    // The late trade being placed: its TR and cumulative-volume range; whether its gap reaches back to the day's start.
    private (int Tr, long From, long To) _late;
    internal bool LateFromDayStart;
    // The gap before the first trade seen (the day's volume before the run): while open, the first bar is Partial.
    internal long PartialGap;

    /// <summary>BarAggregator.Gaps, MissingVolume and DuplicateTrades.</summary>
    internal long Gaps, MissingVolume, DuplicateTrades;

    public void Clear()
    {
        Array.Clear(Ids);
        Array.Clear(Seen);
        foreach (var gaps in _openGaps) gaps?.Clear();
        foreach (var seen in _trades) seen?.Clear();
        PartialGap = 0;
        Gaps = MissingVolume = DuplicateTrades = 0;
    }

    public int Slot(string trId)
    {
        var i = 0;
        while (i < MaxTrs && Ids[i] is { } id && !ReferenceEquals(id, trId) && !string.Equals(id, trId, StringComparison.Ordinal)) i++;
        if (i == MaxTrs) return -1; // more TRs than any instrument has: not checked
        Ids[i] ??= trId;
        return i;
    }

    public bool IsSeen(int tr, int day, in TradeIdentity trade) =>
        Seen[tr] && day == Day[tr] && _trades[tr] is { } seen && trade.Accumulated <= seen.High && seen.Contains(trade);

    public void Remember(int tr, int day, in TradeIdentity trade)
    {
        if (day != Day[tr] && Seen[tr]) return; // another day's: its set is gone
        (_trades[tr] ??= new()).Add(trade);
    }

    // Behind the tape: an earlier day's, or at or below the last cumulative volume (a record adding no volume at the same
    // cumulative volume, e.g. an index tick of a price change alone, is not behind).
    public bool IsBehind(int tr, int day, long accumulated, long volume) =>
        Seen[tr] && (day < Day[tr] || (day == Day[tr] && (accumulated < Accumulated[tr] || (accumulated == Accumulated[tr] && volume > 0))));

    public bool CanFill(int tr, long from, long to) => FindOpenGap(tr, from, to) >= 0;

    // The open gap holding (from, to]: its sequence, or -1.
    private long FindOpenGap(int tr, long from, long to)
    {
        if (_openGaps[tr] is not { } gaps) return -1;
        foreach (var g in gaps)
            if (from >= g.Low && to <= g.High)
            {
                LateFromDayStart = g.Low == 0;
                return g.Sequence;
            }
        return -1;
    }

    // A trade next on its own TR's tape that no bar can take any more (another TR's trades closed its bar first): no hole
    // on its tape holds it, so it is a gap of its own, so that bars + missing volume still give the day's acml_vol. So is
    // a trade without acml_vol (or of a TR not tracked) stamped in a closed bar: nothing places it but its stamp, and the
    // exchange's day volume counts it (UnplacedWithoutAcmlTests).
    public void CountUnplaced(long volume)
    {
        if (volume <= 0) return;
        Gaps++;
        MissingVolume += volume;
    }

    // Cumulative-volume check per TR. Runs for every trade, also those outside the bar's sessions, so their volume is not
    // taken for missed volume. seeded: a seed accounts for the volume before the first trade itself.
    // barVolume: the volume its bar takes (the cumulative step, less than a cntg_vol larger than it: corrupt volume).
    public VolumeCheck Check(in TradeFacts trade, long local, int day, long accumulated, bool seeded, out long openGap, out long barVolume)
    {
        openGap = -1;
        var volume = barVolume = trade.Volume;
        if (accumulated < 0) return VolumeCheck.Continues;
        var i = trade.Tr;
        if (i < 0) return VolumeCheck.Continues;
        var identity = new TradeIdentity(accumulated, volume, trade.Price, local);
        if (!Seen[i])
        {
            Seen[i] = true;
            Advance(i, accumulated, day, local);
            Remember(i, day, identity);
            if (accumulated <= volume) return VolumeCheck.Continues;
            // The day's volume before the first trade seen is missing from the bars: a gap like any other, which the
            // trades before it fill if they come late (a feed received out of order).
            if (!seeded)
            {
                Gaps++;
                MissingVolume += accumulated - volume;
                PartialGap = Open(i, 0, accumulated - volume);
            }
            return VolumeCheck.FirstAfterUnseen;
        }
        if (IsBehind(i, day, accumulated, volume))
        {
            if (IsSeen(i, day, identity))
            {
                DuplicateTrades++;
                return VolumeCheck.Duplicate;
            }
            // Behind the tape and not a trade seen: a trade of an open gap (late; the gap is filled when a bar takes it,
            // FillLate), else no placement explains its acml_vol: it contradicts the tape (the aggregator reports it).
            var late = day == Day[i] ? FindOpenGap(i, accumulated - volume, accumulated) : -1;
            Remember(i, day, identity);
            if (late < 0) return VolumeCheck.Corrupt;
            openGap = late;
            _late = (i, accumulated - volume, accumulated);
            return VolumeCheck.Late;
        }
        var missing = CumulativeVolumeRule.Missing(Accumulated[i], Day[i], accumulated, volume, day, out var reset);
        var low = reset ? 0 : Accumulated[i];
        if (reset)
        {
            _openGaps[i]?.Clear();
            _trades[i]?.Clear();
        }
        Advance(i, accumulated, day, local);
        Remember(i, day, identity);
        // Its own volume exceeds the cumulative step it brings: cntg_vol is wrong (acml_vol agrees with the tape).
        if (missing < 0) barVolume = accumulated - low;
        if (missing <= 0) return VolumeCheck.Continues;
        Gaps++;
        MissingVolume += missing;
        openGap = Open(i, low, low + missing);
        return reset ? VolumeCheck.GapAtDayStart : VolumeCheck.Gap;
    }

    private void Advance(int tr, long accumulated, int day, long local)
    {
        Accumulated[tr] = accumulated;
        Day[tr] = day;
        Local[tr] = local;
    }

    private long Open(int tr, long low, long high)
    {
        (_openGaps[tr] ??= []).Add(new OpenGap(low, high, ++_openGapSequence, -1));
        return _openGapSequence;
    }

    // The late trade (VolumeCheck.Late) went into a bar: its volume is no longer missing. One that goes into no bar leaves
    // its gap as it was, so the gap figures still hold its volume (bars + missing volume = the day's acml_vol).
    // True: it filled its gap whole (<paramref name="filled"/>), and what that gap flagged may lose its flag.
    public bool FillLate(out OpenGap filled) => Fill(_late.Tr, _late.From, _late.To, out filled);

    // A trade covering (from, to] inside an open gap fills it: the gap's volume is no longer missing, and a gap filled
    // whole is no gap at all (the count goes back down). A trade inside a hole splits it in two parts of one gap.
    private bool Fill(int tr, long from, long to, out OpenGap filled)
    {
        filled = default;
        if (_openGaps[tr] is not { } gaps) return false;
        for (var k = 0; k < gaps.Count; k++)
        {
            var g = gaps[k];
            if (from < g.Low || to > g.High) continue;
            MissingVolume -= to - from;
            if (from > g.Low && to < g.High)
            {
                gaps[k] = g with { High = from };
                gaps.Add(g with { Low = to }); // still one gap (one sequence) until both parts are filled
                return false;
            }
            g = to == g.High ? g with { High = from } : g with { Low = to };
            if (g.High > g.Low)
            {
                gaps[k] = g;
                return false;
            }
            gaps.RemoveAt(k);
            if (Holds(gaps, g.Sequence)) return false;
            Gaps--;
            filled = g;
            return true;
        }
        return false;
    }

    /// <summary>Open gap <paramref name="sequence"/> now flags bar <paramref name="bar"/> (a late trade filling it may lift it).</summary>
    public void MarkFlagged(long sequence, long bar)
    {
        foreach (var gaps in _openGaps)
        {
            if (gaps is null) continue;
            for (var k = 0; k < gaps.Count; k++)
                if (gaps[k].Sequence == sequence) gaps[k] = gaps[k] with { FlaggedBar = bar };
        }
    }

    public bool IsOpenGap(long sequence)
    {
        if (sequence <= 0) return false;
        foreach (var gaps in _openGaps)
            if (gaps is not null && Holds(gaps, sequence)) return true;
        return false;
    }

    // A loop, not List.Exists with a lambda: no closure on the per-record path.
    private static bool Holds(List<OpenGap> gaps, long sequence)
    {
        foreach (var g in gaps)
            if (g.Sequence == sequence) return true;
        return false;
    }

    internal readonly record struct OpenGap(long Low, long High, long Sequence, long FlaggedBar);
}
