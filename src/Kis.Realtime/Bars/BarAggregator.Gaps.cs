using Kis.Realtime.Internal;

namespace Kis.Realtime;

public sealed partial class BarAggregator<TTrade, TAccessor>
{
    private const int MaxTrs = PendingRecords.MaxTrs;

    // Per TR (a key may be fed from several, e.g. KRX and NXT trades of one stock): the tape's last cumulative volume, its
    // trading day and stamp; the trades seen this day (a repeat is the same trade, not any record at or below the last
    // acml_vol); and the holes still open, as cumulative-volume ranges (low, high]: a late trade inside one fills it.
    private readonly string?[] _trIds = new string?[MaxTrs];
    private readonly bool[] _trSeen = new bool[MaxTrs];
    private readonly long[] _trAccumulated = new long[MaxTrs];
    private readonly int[] _trDay = new int[MaxTrs];
    private readonly long[] _trLocal = new long[MaxTrs];
    // A record above a set's highest acml_vol is no repeat, without a look in it (SeenTrades.High).
    private readonly SeenTrades?[] _trTrades = new SeenTrades?[MaxTrs];
    private readonly List<OpenGap>?[] _openGaps = new List<OpenGap>?[MaxTrs];
    // Open gaps that flagged the forming bar: when late trades fill them all, its gap flag goes.
    private int _formingOpenGaps;
    private long _openGapSequence;
    // The late trade being placed: its TR and cumulative-volume range; whether its gap reaches back to the day's start.
    private (int Tr, long From, long To) _late;
    private bool _lateFromDayStart;
    // The gap before the first trade seen (the day's volume before the run): while open, the first bar is Partial.
    private long _partialGap;

    /// <summary>Trades not added because the same trade (acml_vol, volume, price and stamp) was added before (repeated records).</summary>
    public long DuplicateTrades { get; private set; }

    private int TrSlot(string trId)
    {
        var i = 0;
        while (i < MaxTrs && _trIds[i] is { } id && !ReferenceEquals(id, trId) && !string.Equals(id, trId, StringComparison.Ordinal)) i++;
        if (i == MaxTrs) return -1; // more TRs than any instrument has: not checked
        _trIds[i] ??= trId;
        return i;
    }

    private bool IsSeen(int tr, int day, in TradeIdentity trade) =>
        _trSeen[tr] && day == _trDay[tr] && _trTrades[tr] is { } seen && trade.Accumulated <= seen.High && seen.Contains(trade);

    private void Remember(int tr, int day, in TradeIdentity trade)
    {
        if (day != _trDay[tr] && _trSeen[tr]) return; // another day's: its set is gone
        (_trTrades[tr] ??= new()).Add(trade);
    }

    // Behind the tape: an earlier day's, or at or below the last cumulative volume (a record adding no volume at the same
    // cumulative volume, e.g. an index tick of a price change alone, is not behind).
    private bool IsBehind(int tr, int day, long accumulated, long volume) =>
        _trSeen[tr] && (day < _trDay[tr] || (day == _trDay[tr] && (accumulated < _trAccumulated[tr] || (accumulated == _trAccumulated[tr] && volume > 0))));

    private bool CanFill(int tr, long from, long to) => FindOpenGap(tr, from, to) >= 0;

    // The open gap holding (from, to]: its sequence, or -1.
    private long FindOpenGap(int tr, long from, long to)
    {
        if (_openGaps[tr] is not { } gaps) return -1;
        foreach (var g in gaps)
            if (from >= g.Low && to <= g.High)
            {
                _lateFromDayStart = g.Low == 0;
                return g.Sequence;
            }
        return -1;
    }

    // A late trade (VolumeCheck.Late) went into a bar: its volume is no longer missing. One that goes into no bar leaves
    // its gap as it was, so the gap figures still hold its volume (bars + missing volume = the day's acml_vol).
    private void PlaceLate() => Fill(_late.Tr, _late.From, _late.To, out _);

    // A trade next on its own TR's tape that no bar can take any more (another TR's trades closed its bar first): no hole
    // on its tape holds it, so it is a gap of its own, so that bars + missing volume still give the day's acml_vol. So is
    // a trade without acml_vol (or of a TR not tracked) stamped in a closed bar: nothing places it but its stamp, and the
    // exchange's day volume counts it (UnplacedWithoutAcmlTests).
    private void CountUnplaced(long volume)
    {
        if (volume <= 0) return;
        Gaps++;
        MissingVolume += volume;
    }

    // Cumulative-volume check per TR. Runs for every trade, also those outside the bar's sessions, so their volume is not
    // taken for missed volume.
    // barVolume: the volume its bar takes (the cumulative step, for a cntg_vol larger than it).
    private VolumeCheck CheckVolume(in TradeFacts trade, long local, long utc, int day, long accumulated, out long openGap, out long barVolume)
    {
        openGap = -1;
        var volume = barVolume = trade.Volume;
        if (accumulated < 0) return VolumeCheck.Continues;
        var i = trade.Tr;
        if (i < 0) return VolumeCheck.Continues;
        var identity = new TradeIdentity(accumulated, volume, trade.Price, local);
        if (!_trSeen[i])
        {
            _trSeen[i] = true;
            Advance(i, accumulated, day, local);
            Remember(i, day, identity);
            if (accumulated <= volume) return VolumeCheck.Continues;
            // The day's volume before the first trade seen is missing from the bars (a seed accounts for it itself): a
            // gap like any other, which the trades before it fill if they come late (a feed received out of order).
            if (_seed is null)
            {
                Gaps++;
                MissingVolume += accumulated - volume;
                _partialGap = Open(i, 0, accumulated - volume);
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
            // PlaceLate), else no placement explains its acml_vol: it contradicts the tape.
            if (day == _trDay[i] && FindOpenGap(i, accumulated - volume, accumulated) is var found and >= 0)
            {
                openGap = found;
                _late = (i, accumulated - volume, accumulated);
                Remember(i, day, identity);
                return VolumeCheck.Late;
            }
            NoteCorrupt(new PendingTrade { Utc = utc, Local = local, Accumulated = accumulated, Volume = volume, Tr = i, Day = day },
                null, inBar: false);
            Remember(i, day, identity);
            return VolumeCheck.Corrupt;
        }
        var missing = CumulativeVolumeRule.Missing(_trAccumulated[i], _trDay[i], accumulated, volume, day, out var reset);
        var low = reset ? 0 : _trAccumulated[i];
        if (reset)
        {
            _openGaps[i]?.Clear();
            _trTrades[i]?.Clear();
        }
        Advance(i, accumulated, day, local);
        Remember(i, day, identity);
        if (missing < 0)
        {
            // Its own volume exceeds the cumulative step it brings: cntg_vol is wrong (acml_vol agrees with the tape).
            barVolume = accumulated - low;
            NoteCorruptVolume(i, local, utc, accumulated, volume, barVolume);
        }
        if (missing <= 0) return VolumeCheck.Continues;
        Gaps++;
        MissingVolume += missing;
        openGap = Open(i, low, low + missing);
        return reset ? VolumeCheck.GapAtDayStart : VolumeCheck.Gap;
    }

    private void Advance(int tr, long accumulated, int day, long local)
    {
        _trAccumulated[tr] = accumulated;
        _trDay[tr] = day;
        _trLocal[tr] = local;
    }

    private long Open(int tr, long low, long high)
    {
        (_openGaps[tr] ??= []).Add(new OpenGap(low, high, ++_openGapSequence, -1));
        return _openGapSequence;
    }

    // A trade covering (from, to] inside an open gap fills it: the gap's volume is no longer missing, and a gap filled
    // whole is no gap at all (the count goes back down). A trade inside a hole splits it in two parts of one gap.
    private bool Fill(int tr, long from, long to, out long openGap)
    {
        openGap = -1;
        if (_openGaps[tr] is not { } gaps) return false;
        for (var k = 0; k < gaps.Count; k++)
        {
            var g = gaps[k];
            if (from < g.Low || to > g.High) continue;
            MissingVolume -= to - from;
            openGap = g.Sequence;
            if (from > g.Low && to < g.High)
            {
                gaps[k] = g with { High = from };
                gaps.Add(g with { Low = to }); // still one gap (one sequence) until both parts are filled
                return true;
            }
            g = to == g.High ? g with { High = from } : g with { Low = to };
            if (g.High > g.Low)
            {
                gaps[k] = g;
                return true;
            }
            gaps.RemoveAt(k);
            if (!gaps.Exists(o => o.Sequence == g.Sequence))
            {
                Gaps--;
                if (g.Sequence == _partialGap) LiftPartial();
                if (g.FlaggedBar == FormingBarId && _forming && _formingOpenGaps > 0) _formingOpenGaps--;
                else LiftHeldGap(g.FlaggedBar);
                ClearClosingGap(g.Sequence);
            }
            return true;
        }
        return false;
    }

    /// <summary>The forming bar carries the flag of open gap <paramref name="openGap"/> (a late trade filling it may lift it).</summary>
    private void FlagFormingWithOpenGap(long openGap)
    {
        if (openGap < 0)
        {
            _flags |= BarFlags.Gap;
            return;
        }
        foreach (var gaps in _openGaps)
        {
            if (gaps is null) continue;
            for (var k = 0; k < gaps.Count; k++)
                if (gaps[k].Sequence == openGap) gaps[k] = gaps[k] with { FlaggedBar = FormingBarId };
        }
        _formingOpenGaps++;
    }

    // A gap found on a trade the bar's sessions leave out (NXT's first after-market trade revealing a lost main-market
    // one): the trade is in no bar, so without this the gap would be counted but no bar would say so, and a regular-only
    // daily bar would look complete. The volume was lost before this trade, so the forming bar of its trading day is where
    // it went missing; with none (closed on the clock, or no trade of that day in the sessions yet) the key's next bar
    // carries the flag, as after a seed that leaves volume missing.
    private void FlagSkippedTradeGap(int day)
    {
        if (_forming && _formingDay == day) _flags |= BarFlags.Gap;
        else _pendingFlags |= BarFlags.Gap;
    }

    private readonly record struct OpenGap(long Low, long High, long Sequence, long FlaggedBar);
}
