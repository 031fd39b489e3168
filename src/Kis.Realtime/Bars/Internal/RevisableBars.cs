using System.Runtime.InteropServices;

namespace Kis.Realtime.Internal;

// BarOptions.Revisions: one rule for the gap flag — the last bar of an interval is flagged exactly when volume is missing
// from it. A time or day bar emitted with a gap flag a late trade can lift is kept (its trading day only) so that a late
// trade of its interval, or one filling its hole, emits it again corrected, flagged Revised. Bars emitted complete are
// not kept: no late trade can belong to them (a late trade fills a hole, and a hole flags the bars it may belong to).
// Its own type: it owns the kept bars and whether any is due to be emitted again; the aggregator hands it emitted bars
// and late trades, and makes a late trade's own bar.
internal sealed class RevisableBars(bool enabled)
{
    private List<HeldBar>? _kept; // oldest first, one trading day
    private bool _due;

    /// <summary>Revisions are on (BarOptions.Revisions) and the bars are time or day bars.</summary>
    public bool Enabled => enabled;

    public void Clear()
    {
        _kept?.Clear();
        _due = false;
    }

    public void Keep(in HeldBar bar)
    {
        if (!enabled || !bar.HasLiftableGap) return;
        var kept = _kept ??= [];
        if (kept.Count > 0 && kept[^1].Day != bar.Day) kept.Clear(); // a late trade fills only its own day's holes
        kept.Add(bar);
    }

    /// <summary>
    /// A late trade, past every window: true when it went into the
    /// kept bar of its interval; else <paramref name="at"/> is where a bar of its own goes (<see cref="Insert"/>) when it
    /// lies between bars its hole flagged, or -1: it goes into no bar. fromDayStart: its gap reaches back to the day's
    /// start (before the run's first trade, or a new day's), so it may hold trades of any bar before it; formingAfter: the
    /// forming bar is of its day and after it.
    /// </summary>
    public bool TryAdd(in LateTrade trade, bool fromDayStart, bool formingAfter, out int at)
    {
        var (start, day) = (trade.Start, trade.Day);
        at = -1;
        if (!enabled) return false;
        if ((_kept is not { Count: > 0 } && !fromDayStart) || (_kept is { Count: > 0 } && _kept[0].Day != day)) return false;
        var bars = CollectionsMarshal.AsSpan(_kept ??= []);
        var found = bars.BinarySearch(new OpenOrder(start));
        if (found < 0) found = ~found;
        if (found < bars.Length && bars[found].Open == start)
        {
            bars[found].Add(trade.Price, trade.Volume, trade.Value, trade.Position);
            bars[found].Revise = _due = true;
            return true;
        }
        // No bar of its interval was emitted: one of its own, when flagged bars of the day lie on both sides of it.
        var laterFlagged = found < bars.Length || formingAfter;
        if ((found > 0 || fromDayStart) && laterFlagged) at = found;
        return false;
    }

    public void Insert(int at, in HeldBar bar)
    {
        _kept!.Insert(at, bar);
        _due = true;
    }

    // A gap filled whole: the kept bar it flagged (as forming) loses its flag.
    public void LiftGap(long flaggedBar)
    {
        if (_kept is null) return;
        foreach (ref var bar in CollectionsMarshal.AsSpan(_kept))
            if (bar.Open == flaggedBar && bar.OpenGaps > 0)
            {
                bar.OpenGaps--;
                bar.Revise = _due = true;
            }
    }

    // A gap filled whole: the kept bar closed when it was found loses its flag.
    public void ClearClosingGap(long gapSequence)
    {
        if (_kept is null) return;
        foreach (ref var bar in CollectionsMarshal.AsSpan(_kept))
            if (bar.ClosingGap == gapSequence)
            {
                bar.ClosingGap = 0;
                bar.Revise = _due = true;
            }
    }

    // The day's volume before the first trade seen came after all: no kept bar is partial.
    public void LiftPartial()
    {
        if (_kept is null) return;
        foreach (ref var bar in CollectionsMarshal.AsSpan(_kept))
            if (bar.PartialGap) (bar.PartialGap, bar.Revise, _due) = (false, true, true);
    }

    /// <summary>Emits the kept bars a late trade changed, flagged Revised; forgets those no hole flags any more.</summary>
    public bool Emit(Queue<Bar> ready, string key)
    {
        if (!_due) return false;
        _due = false;
        var kept = _kept!;
        foreach (ref var bar in CollectionsMarshal.AsSpan(kept))
        {
            if (!bar.Revise) continue;
            bar.Revise = false;
            ready.Enqueue(bar.ToBar(key, BarFlags.Revised));
        }
        kept.RemoveAll(static b => !b.HasLiftableGap);
        return true;
    }

    // Kept bars by their interval's start (one bar per interval).
    private readonly struct OpenOrder(long open) : IComparable<HeldBar>
    {
        public int CompareTo(HeldBar other) => open.CompareTo(other.Open);
    }
}
