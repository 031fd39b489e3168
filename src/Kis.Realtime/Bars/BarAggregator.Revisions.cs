using System.Runtime.InteropServices;
using Kis.Realtime.Internal;

namespace Kis.Realtime;

// BarOptions.Revisions: one rule for the gap flag — the last bar of an interval is flagged exactly when volume is missing
// from it. A time or day bar emitted with a gap flag a late trade can lift is kept (its trading day only) so that a late
// trade of its interval, or one filling its hole, emits it again corrected, flagged Revised. Bars emitted complete are
// not kept: no late trade can belong to them (a late trade fills a hole, and a hole flags the bars it may belong to).
public sealed partial class BarAggregator<TTrade, TAccessor>
{
    private List<HeldBar>? _revisable; // oldest first, one trading day
    private bool _revisionsDue;

    private void KeepForRevision(in HeldBar bar)
    {
        if (!_options.Revisions || _kind > BarKind.Day || !bar.HasLiftableGap) return;
        var kept = _revisable ??= [];
        if (kept.Count > 0 && kept[^1].Day != bar.Day) kept.Clear(); // a late trade fills only its own day's holes
        kept.Add(bar);
    }

    /// <summary>
    /// A late trade of the interval starting at <paramref name="start"/>, past every window: into the emitted bar of its
    /// interval, or a bar of its own when it lies between bars its hole flagged. False: it goes into no bar.
    /// </summary>
    private bool TakeRevision(long start, int day, TimeSpan offset, decimal price, long volume, decimal value, long openGap,
        TapePosition position)
    {
        if (!_options.Revisions || _kind > BarKind.Day) return false;
        // A gap from the day's start (before the run's first trade, or a new day's) may hold trades of any bar before it.
        if ((_revisable is not { Count: > 0 } && !_tape.LateFromDayStart) || (_revisable is { Count: > 0 } && _revisable[0].Day != day)) return false;
        var kept = _revisable ??= [];
        var bars = CollectionsMarshal.AsSpan(kept);
        var at = bars.BinarySearch(new OpenOrder(start));
        if (at < 0) at = ~at;
        if (at < bars.Length && bars[at].Open == start)
        {
            bars[at].Add(price, volume, value, position);
            bars[at].Revise = _revisionsDue = true;
            return true;
        }
        // No bar of its interval was emitted: one of its own, when flagged bars of the day lie on both sides of it.
        var laterFlagged = at < bars.Length || (_forming && _formingDay == day && start < _open);
        if ((at == 0 && !_tape.LateFromDayStart) || !laterFlagged) return false;
        var bar = new HeldBar
        {
            Open = start, Close = start + _interval, ClockEnd = ClockEndOf(_calendar!, start, day), Offset = offset, Day = day,
            O = price, H = price, L = price, C = price, First = position, Last = position, Revise = true,
            // Still part of a hole: the missing trades may be its own too.
            ClosingGap = _tape.IsOpenGap(openGap) ? openGap : 0,
        };
        bar.Add(price, volume, value, position);
        kept.Insert(at, bar);
        _revisionsDue = true;
        return true;
    }

    private void LiftEmittedGap(long flaggedBar)
    {
        if (_revisable is null) return;
        foreach (ref var bar in CollectionsMarshal.AsSpan(_revisable))
            if (bar.Open == flaggedBar && bar.OpenGaps > 0)
            {
                bar.OpenGaps--;
                bar.Revise = _revisionsDue = true;
            }
    }

    private void ClearEmittedClosingGap(long gapSequence)
    {
        if (_revisable is null) return;
        foreach (ref var bar in CollectionsMarshal.AsSpan(_revisable))
            if (bar.ClosingGap == gapSequence)
            {
                bar.ClosingGap = 0;
                bar.Revise = _revisionsDue = true;
            }
    }

    /// <summary>Emits the kept bars a late trade changed, flagged Revised; forgets those no hole flags any more.</summary>
    private bool EmitRevisions()
    {
        if (!_revisionsDue) return false;
        _revisionsDue = false;
        var kept = _revisable!;
        foreach (ref var bar in CollectionsMarshal.AsSpan(kept))
        {
            if (!bar.Revise) continue;
            bar.Revise = false;
            _ready.Enqueue(bar.ToBar(_key!, BarFlags.Revised));
        }
        kept.RemoveAll(b => !b.HasLiftableGap);
        return true;
    }

    // Kept bars by their interval's start (one bar per interval).
    private readonly struct OpenOrder(long open) : IComparable<HeldBar>
    {
        public int CompareTo(HeldBar other) => open.CompareTo(other.Open);
    }
}
