using System.Runtime.InteropServices;

namespace Kis.Realtime.Internal;

// BarOptions.LateWindow: closed time and day bars held back, in order, until their window has passed, so a late trade
// still lands in its own bar (one made for it if its interval had no trade) and never in a later one. Its own type: it
// owns the held bars and where the last one let go ended; the aggregator hands it closed bars and late trades, and
// emits what it lets go.
internal sealed class HeldBars(long interval, long lateWindow)
{
    private List<HeldBar>? _held; // oldest first, all before the forming bar
    private long _releasedEnd;    // the end of the last bar emitted from the held ones: a late trade before it is in no bar

    public void Add(in HeldBar bar) => (_held ??= []).Add(bar);

    /// <summary>
    /// A late trade: into its interval's held bar, or into a new one while that interval's window lasts, by the latest
    /// stamp seen (<paramref name="watermark"/>), and no bar after it was emitted. False: it goes into no bar.
    /// </summary>
    public bool TakeLate(in LateTrade trade, long watermark)
    {
        var held = _held is null ? [] : CollectionsMarshal.AsSpan(_held);
        var at = 0;
        while (at < held.Length && held[at].Open < trade.Start) at++;
        if (at < held.Length && held[at].Open == trade.Start)
        {
            held[at].Add(trade.Price, trade.Volume, trade.Value, trade.Position);
            return true;
        }
        if (trade.Start < _releasedEnd || trade.Start + interval + lateWindow <= watermark) return false;
        (_held ??= []).Insert(at, trade.OwnBar(interval));
        return true;
    }

    /// <summary>The held bars, oldest first, whose window ended at <paramref name="now"/> (market's clock): a trade's stamp,
    /// or the clock. Emit them, then <see cref="Release"/> as many.</summary>
    public ReadOnlySpan<HeldBar> Due(long now, bool byClock)
    {
        if (_held is not { Count: > 0 } held) return [];
        var due = 0;
        while (due < held.Count && (byClock ? held[due].ClockEnd : held[due].Close) + lateWindow <= now) due++;
        return CollectionsMarshal.AsSpan(held)[..due];
    }

    public void Release(int count)
    {
        if (count == 0) return;
        _releasedEnd = _held![count - 1].Close;
        _held.RemoveRange(0, count);
    }

    /// <summary>When the oldest held bar's window ends on the clock (null: none held).</summary>
    public DateTimeOffset? ClockRelease() =>
        _held is { Count: > 0 } held ? new DateTimeOffset(held[0].ClockEnd + lateWindow, held[0].Offset) : null;

    // A gap filled whole: the held bar it flagged (as forming) loses its flag.
    public void LiftGap(long flaggedBar)
    {
        if (_held is null) return;
        foreach (ref var bar in CollectionsMarshal.AsSpan(_held))
            if (bar.Open == flaggedBar && bar.OpenGaps > 0) bar.OpenGaps--;
    }

    // The day's volume before the first trade seen came after all: no held bar is partial.
    public void LiftPartial()
    {
        if (_held is null) return;
        foreach (ref var bar in CollectionsMarshal.AsSpan(_held)) bar.PartialGap = false;
    }

    // The gap a held bar closed at was filled whole: it loses its flag.
    public void ClearClosingGap(long gapSequence)
    {
        if (_held is null) return;
        foreach (ref var bar in CollectionsMarshal.AsSpan(_held))
            if (bar.ClosingGap == gapSequence) bar.ClosingGap = 0;
    }

    public void Clear()
    {
        _held?.Clear();
        _releasedEnd = 0;
    }
}
