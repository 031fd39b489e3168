using Kis.Realtime.Internal;

namespace Kis.Realtime;

public sealed partial class BarAggregator<TTrade, TAccessor>
{
    private const int MaxTrs = 4;
    // Gaps still open per TR, as cumulative-volume ranges (low, high]: a late trade inside one fills it.
    private const int MaxOpenGaps = 4;

    // The last cumulative volume per TR: a key may be fed from several TRs (e.g. KRX and NXT trades of one stock).
    private readonly string?[] _trIds = new string?[MaxTrs];
    private readonly long[] _trAccumulated = new long[MaxTrs];
    private readonly int[] _trDay = new int[MaxTrs];
    private readonly OpenGap[] _openGaps = new OpenGap[MaxTrs * MaxOpenGaps];
    // Open gaps that flagged the forming bar: when late trades fill them all, its gap flag goes.
    private int _formingOpenGaps;

    /// <summary>Trades not added because their cumulative volume was already counted (repeated records).</summary>
    public long DuplicateTrades { get; private set; }

    // Cumulative-volume check per TR. Runs for every trade, also those outside the bar's sessions, so their volume is not
    // taken for missed volume.
    private VolumeCheck CheckVolume(string trId, long volume, long accumulated, int day, out int openGap)
    {
        openGap = -1;
        if (accumulated < 0) return VolumeCheck.Continues;
        var i = 0;
        while (i < MaxTrs && _trIds[i] is { } id && !ReferenceEquals(id, trId) && !string.Equals(id, trId, StringComparison.Ordinal)) i++;
        if (i == MaxTrs) return VolumeCheck.Continues; // more TRs than any instrument has: not checked
        if (_trIds[i] is null)
        {
            _trIds[i] = trId;
            _trAccumulated[i] = accumulated;
            _trDay[i] = day;
            return accumulated > volume ? VolumeCheck.FirstAfterUnseen : VolumeCheck.Continues;
        }
        // (A record adding no volume at the same cumulative volume, e.g. an index tick of a price change alone, is no repeat.)
        if (day < _trDay[i] || (day == _trDay[i] && (accumulated < _trAccumulated[i] || (accumulated == _trAccumulated[i] && volume > 0))))
        {
            // Behind the last one seen: a trade that fills an open gap is late; anything else was counted already.
            if (day == _trDay[i] && Fill(i, accumulated - volume, accumulated, out openGap)) return VolumeCheck.Late;
            DuplicateTrades++;
            return VolumeCheck.Duplicate;
        }
        var missing = CumulativeVolumeRule.Missing(_trAccumulated[i], _trDay[i], accumulated, volume, day, out var reset);
        var low = reset ? 0 : _trAccumulated[i];
        if (reset) ForgetOpenGaps(i);
        _trAccumulated[i] = accumulated;
        _trDay[i] = day;
        if (missing <= 0) return VolumeCheck.Continues;
        Gaps++;
        MissingVolume += missing;
        openGap = Open(i, low, low + missing);
        return reset ? VolumeCheck.GapAtDayStart : VolumeCheck.Gap;
    }

    private int Open(int tr, long low, long high)
    {
        var slots = _openGaps.AsSpan(tr * MaxOpenGaps, MaxOpenGaps);
        var oldest = 0;
        for (var k = 0; k < slots.Length; k++)
        {
            if (slots[k].High == 0) { oldest = k; break; }
            if (slots[k].Sequence < slots[oldest].Sequence) oldest = k;
        }
        // With every slot taken the oldest gap is forgotten: it stays counted, and a trade filling it counts as a duplicate.
        slots[oldest] = new OpenGap(low, high, ++_openGapSequence, -1);
        return tr * MaxOpenGaps + oldest;
    }

    private long _openGapSequence;

    // A trade covering (from, to] inside an open gap fills it: the gap's volume is no longer missing, and a gap filled
    // whole is no gap at all (the count goes back down).
    private bool Fill(int tr, long from, long to, out int openGap)
    {
        openGap = -1;
        var slots = _openGaps.AsSpan(tr * MaxOpenGaps, MaxOpenGaps);
        for (var k = 0; k < slots.Length; k++)
        {
            ref var g = ref slots[k];
            if (g.High == 0 || from < g.Low || to > g.High) continue;
            MissingVolume -= to - from;
            openGap = tr * MaxOpenGaps + k;
            // The trade takes an end of the range, or the range keeps its larger remaining side (one slot a gap).
            if (to == g.High) g = g with { High = from };
            else if (from == g.Low) g = g with { Low = to };
            else g = to - g.Low > g.High - from ? g with { Low = to } : g with { High = from }; // rare: the smaller side is forgotten (stays missing)
            if (g.High <= g.Low)
            {
                Gaps--;
                if (g.FlaggedBar == _open && _forming && _formingOpenGaps > 0) _formingOpenGaps--;
                else LiftHeldGap(g.FlaggedBar);
                ClearClosingGap(g.Sequence);
                g = default;
            }
            return true;
        }
        return false;
    }

    private void ForgetOpenGaps(int tr) => Array.Clear(_openGaps, tr * MaxOpenGaps, MaxOpenGaps);

    /// <summary>The forming bar carries the flag of open gap <paramref name="openGap"/> (a late trade filling it may lift it).</summary>
    private void FlagFormingWithOpenGap(int openGap)
    {
        if (openGap < 0)
        {
            _flags |= BarFlags.Gap;
            return;
        }
        _openGaps[openGap] = _openGaps[openGap] with { FlaggedBar = _open };
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
