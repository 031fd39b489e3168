using Kis.Realtime.Internal;

namespace Kis.Realtime;

// BarOptions.LateWindow: closed time and day bars held back (HeldBars) until their window has passed, so a late trade
// still lands in its own bar and never in a later one. Here: what the aggregator hands them and takes from them.
public sealed partial class BarAggregator<TTrade, TAccessor>
{
    private readonly HeldBars _heldBars;
    // Bars emitted with a gap flag a late trade can lift, for BarOptions.Revisions (Internal/RevisableBars).
    private readonly RevisableBars _revisable;
    private long _watermark;      // the latest trade stamp seen (market's clock): a held bar goes at its end + the window

    private void Hold(bool gap, long openGap) => _heldBars.Add(_bar.Snapshot(gap, openGap));

    private void HoldEmpties()
    {
        for (; _emptyNext < _emptyEnd; _emptyNext += _interval)
            _heldBars.Add(new HeldBar
            {
                Open = _emptyNext, Close = _emptyNext + _interval, ClockEnd = _emptyNext + _interval, Offset = _bar.Offset, Day = _lastClosedDay,
                O = _emptyPrice, H = _emptyPrice, L = _emptyPrice, C = _emptyPrice, Flags = _emptyFlags,
            });
    }

    /// <summary>Emits the held bars whose window ended at <paramref name="now"/> (market's clock): a trade's stamp, or the clock.</summary>
    private bool ReleaseHeld(long now, bool byClock)
    {
        var due = _heldBars.Due(now, byClock);
        foreach (ref readonly var bar in due)
        {
            _ready.Enqueue(bar.ToBar(_key!));
            _revisable.Keep(bar);
        }
        _heldBars.Release(due.Length);
        return due.Length > 0;
    }

    // A gap filled whole: the held bar it flagged (as forming) and the one closed when it was found lose its flag.
    private void LiftHeldGap(long flaggedBar)
    {
        _revisable.LiftGap(flaggedBar);
        _heldBars.LiftGap(flaggedBar);
    }

    // The day's volume before the first trade seen came after all: its first bar is not partial.
    private void LiftPartial()
    {
        _tape.PartialGap = 0;
        _bar.LiftPartial();
        _heldBars.LiftPartial();
        _revisable.LiftPartial();
    }

    private void ClearClosingGap(long gapSequence)
    {
        _revisable.ClearClosingGap(gapSequence);
        _heldBars.ClearClosingGap(gapSequence);
    }

    /// <summary>
    /// A late trade of the interval starting at <paramref name="start"/>, past every window: into the emitted bar of its
    /// interval, or a bar of its own when it lies between bars its hole flagged. False: it goes into no bar.
    /// </summary>
    private bool TakeRevision(long start, int day, TimeSpan offset, decimal price, long volume, decimal value, long openGap,
        TapePosition position)
    {
        var formingAfter = _bar.IsForming && _bar.Day == day && start < _bar.Open;
        if (_revisable.TryAdd(start, day, price, volume, value, position, _tape.LateFromDayStart, formingAfter, out var at)) return true;
        if (at < 0) return false;
        var bar = new HeldBar
        {
            Open = start, Close = start + _interval, ClockEnd = ClockEndOf(_calendar!, start, day), Offset = offset, Day = day,
            O = price, H = price, L = price, C = price, First = position, Last = position, Revise = true,
            // Still part of a hole: the missing trades may be its own too.
            ClosingGap = _tape.IsOpenGap(openGap) ? openGap : 0,
        };
        bar.Add(price, volume, value, position);
        _revisable.Insert(at, bar);
        return true;
    }
}
