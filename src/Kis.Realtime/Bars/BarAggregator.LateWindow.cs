using System.Runtime.InteropServices;
using Kis.Realtime.Internal;

namespace Kis.Realtime;

// BarOptions.LateWindow: closed time and day bars held back (HeldBars) until their window has passed, so a late trade
// still lands in its own bar and never in a later one. Here: what the aggregator hands them and takes from them.
public sealed partial class BarAggregator<TTrade, TAccessor>
{
    private readonly HeldBars _heldBars;
    private long _watermark;      // the latest trade stamp seen (market's clock): a held bar goes at its end + the window

    private void Hold(bool gap, long openGap) => _heldBars.Add(Snapshot(gap, openGap));

    // The forming bar as it closes, with what can lift its gap flag.
    private HeldBar Snapshot(bool gap, long openGap) => new()
    {
        Open = _open, Close = _close, ClockEnd = _clockEnd, Offset = _offset, Day = _formingDay,
        O = _o, H = _h, L = _l, C = _c, Volume = _volume, Value = _value, PriceVolume = _priceVolume, Count = _count,
        Flags = _flags & ~BarFlags.Partial, PartialGap = (_flags & BarFlags.Partial) != 0, OpenGaps = _formingOpenGaps, First = _first, Last = _last,
        // Closed at a trade that found trades missing: flagged until late trades fill that gap whole.
        ClosingGap = gap ? openGap : 0,
    };

    private void HoldEmpties()
    {
        for (; _emptyNext < _emptyEnd; _emptyNext += _interval)
            _heldBars.Add(new HeldBar
            {
                Open = _emptyNext, Close = _emptyNext + _interval, ClockEnd = _emptyNext + _interval, Offset = _offset, Day = _lastClosedDay,
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
            KeepForRevision(bar);
        }
        _heldBars.Release(due.Length);
        return due.Length > 0;
    }

    // A gap filled whole: the held bar it flagged (as forming) and the one closed when it was found lose its flag.
    private void LiftHeldGap(long flaggedBar)
    {
        LiftEmittedGap(flaggedBar);
        _heldBars.LiftGap(flaggedBar);
    }

    // The day's volume before the first trade seen came after all: its first bar is not partial.
    private void LiftPartial()
    {
        _tape.PartialGap = 0;
        if (_forming) _flags &= ~BarFlags.Partial;
        _heldBars.LiftPartial();
        if (_revisable is null) return;
        foreach (ref var bar in CollectionsMarshal.AsSpan(_revisable))
            if (bar.PartialGap) (bar.PartialGap, bar.Revise, _revisionsDue) = (false, true, true);
    }

    private void ClearClosingGap(long gapSequence)
    {
        ClearEmittedClosingGap(gapSequence);
        _heldBars.ClearClosingGap(gapSequence);
    }
}
