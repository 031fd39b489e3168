using Kis.Realtime.Internal;

namespace Kis.Realtime;

// BarOptions.LateWindow and BarOptions.Revisions: closed time and day bars held back until their window has passed, so a
// late trade still lands in its own bar and never in a later one, then kept for revision (Internal/ClosedBars). Here:
// what a late trade changes in them.
public sealed partial class BarAggregator<TTrade, TAccessor>
{
    private long _watermark; // the latest trade stamp seen (market's clock): a held bar goes at its end + the window

    // The day's volume before the first trade seen came after all: its first bar is not partial.
    private void LiftPartial()
    {
        _tape.PartialGap = 0;
        _bar.LiftPartial();
        _closed.LiftPartial();
    }

    /// <summary>
    /// A late trade of the interval starting at <paramref name="start"/>, past every window: into the emitted bar of its
    /// interval, or a bar of its own when it lies between bars its hole flagged. False: it goes into no bar.
    /// </summary>
    private bool TakeRevision(long start, int day, TimeSpan offset, decimal price, long volume, decimal value, long openGap,
        TapePosition position)
    {
        var formingAfter = _bar.IsForming && _bar.Day == day && start < _bar.Open;
        if (_closed.Revisable.TryAdd(start, day, price, volume, value, position, _tape.LateFromDayStart, formingAfter, out var at)) return true;
        if (at < 0) return false;
        var bar = new HeldBar
        {
            Open = start, Close = start + _interval, ClockEnd = ClockEndOf(_calendar!, start, day), Offset = offset, Day = day,
            O = price, H = price, L = price, C = price, First = position, Last = position, Revise = true,
            // Still part of a hole: the missing trades may be its own too.
            ClosingGap = _tape.IsOpenGap(openGap) ? openGap : 0,
        };
        bar.Add(price, volume, value, position);
        _closed.Revisable.Insert(at, bar);
        return true;
    }
}
