using System.Runtime.InteropServices;

namespace Kis.Realtime;

// BarOptions.LateWindow: closed time and day bars held back, in order, until their window has passed, so a late trade
// still lands in its own bar (one made for it if its interval had no trade) and never in a later one.
public sealed partial class BarAggregator<TTrade, TAccessor>
{
    private List<HeldBar>? _held; // oldest first, all before the forming bar
    private long _watermark;      // the latest trade stamp seen (market's clock): a held bar goes at its end + the window
    private long _releasedEnd;    // the end of the last bar emitted from the held ones: a late trade before it is in no bar

    private void Hold(bool gap, long openGap) => (_held ??= []).Add(Snapshot(gap, openGap));

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
            (_held ??= []).Add(new HeldBar
            {
                Open = _emptyNext, Close = _emptyNext + _interval, ClockEnd = _emptyNext + _interval, Offset = _offset, Day = _lastClosedDay,
                O = _emptyPrice, H = _emptyPrice, L = _emptyPrice, C = _emptyPrice, Flags = _emptyFlags,
            });
    }

    /// <summary>
    /// A late trade of the interval starting at <paramref name="start"/>: into its held bar, or into a new one while that
    /// interval's window lasts and no bar after it was emitted. False: it goes into no bar.
    /// </summary>
    private bool TakeLate(long start, int day, TimeSpan offset, decimal price, long volume, decimal value, TapePosition position)
    {
        var held = _held is null ? [] : CollectionsMarshal.AsSpan(_held);
        var at = 0;
        while (at < held.Length && held[at].Open < start) at++;
        if (at < held.Length && held[at].Open == start)
        {
            held[at].Add(price, volume, value, position);
            return true;
        }
        if (start < _releasedEnd || start + _interval + _lateWindow <= _watermark) return false;
        var bar = new HeldBar
        {
            Open = start, Close = start + _interval, ClockEnd = ClockEndOf(_calendar!, start, day), Offset = offset, Day = day,
            O = price, H = price, L = price, C = price, First = position, Last = position,
        };
        bar.Add(price, volume, value, position);
        (_held ??= []).Insert(at, bar);
        return true;
    }

    /// <summary>Emits the held bars whose window ended at <paramref name="now"/> (market's clock): a trade's stamp, or the clock.</summary>
    private bool ReleaseHeld(long now, bool byClock)
    {
        if (_held is not { Count: > 0 } held) return false;
        var released = 0;
        while (released < held.Count && (byClock ? held[released].ClockEnd : held[released].Close) + _lateWindow <= now)
        {
            _ready.Enqueue(held[released].ToBar(_key!));
            KeepForRevision(held[released]);
            _releasedEnd = held[released].Close;
            released++;
        }
        held.RemoveRange(0, released);
        return released > 0;
    }

    /// <summary>When the oldest held bar's window ends on the clock (null: none held).</summary>
    private DateTimeOffset? HeldClockRelease() =>
        _held is { Count: > 0 } held ? new DateTimeOffset(held[0].ClockEnd + _lateWindow, held[0].Offset) : null;

    // A gap filled whole: the held bar it flagged (as forming) and the one closed when it was found lose its flag.
    private void LiftHeldGap(long flaggedBar)
    {
        LiftEmittedGap(flaggedBar);
        if (_held is null) return;
        foreach (ref var bar in CollectionsMarshal.AsSpan(_held))
            if (bar.Open == flaggedBar && bar.OpenGaps > 0) bar.OpenGaps--;
    }

    // The day's volume before the first trade seen came after all: its first bar is not partial.
    private void LiftPartial()
    {
        _partialGap = 0;
        if (_forming) _flags &= ~BarFlags.Partial;
        if (_held is not null)
            foreach (ref var bar in CollectionsMarshal.AsSpan(_held)) bar.PartialGap = false;
        if (_revisable is null) return;
        foreach (ref var bar in CollectionsMarshal.AsSpan(_revisable))
            if (bar.PartialGap) (bar.PartialGap, bar.Revise, _revisionsDue) = (false, true, true);
    }

    private void ClearClosingGap(long gapSequence)
    {
        ClearEmittedClosingGap(gapSequence);
        if (_held is null) return;
        foreach (ref var bar in CollectionsMarshal.AsSpan(_held))
            if (bar.ClosingGap == gapSequence) bar.ClosingGap = 0;
    }

    private struct HeldBar
    {
        public long Open, Close, ClockEnd;
        public TimeSpan Offset;
        public decimal O, H, L, C, Value, PriceVolume;
        public long Volume;
        public int Count, OpenGaps;
        public TapePosition First, Last; // its first and last trade in exchange order: its open and close
        public long ClosingGap; // the open gap's sequence (-1: one not kept), 0: none
        public int Day;
        public bool Revise; // emitted, then changed: to be emitted again flagged Revised
        public bool PartialGap; // the run's first bar, its day's volume before it still missing: Partial until filled
        public BarFlags Flags;

        public readonly bool HasGap => ClosingGap != 0 || OpenGaps > 0;
        public readonly bool HasLiftableGap => HasGap || PartialGap;

        public void Add(decimal price, long volume, decimal value, TapePosition position)
        {
            if ((Flags & BarFlags.Empty) != 0)
            {
                O = H = L = C = price;
                First = Last = position;
                Flags &= ~BarFlags.Empty;
            }
            if (price > H) H = price;
            if (price < L) L = price;
            if (position.CompareTo(First) < 0) (O, First) = (price, position);
            if (position.CompareTo(Last) >= 0) (C, Last) = (price, position);
            Volume += volume;
            PriceVolume += price * volume;
            Value += value;
            Count++;
        }

        public readonly Bar ToBar(string key, BarFlags extra = BarFlags.None) => new()
        {
            Key = key,
            OpenTime = new DateTimeOffset(Open, Offset),
            CloseTime = new DateTimeOffset(Close, Offset),
            Open = O,
            High = H,
            Low = L,
            Close = C,
            Volume = Volume,
            Value = Value,
            TradeCount = Count,
            Vwap = Volume == 0 ? C : PriceVolume / Volume,
            Flags = Flags | extra | (HasGap ? BarFlags.Gap : BarFlags.None) | (PartialGap ? BarFlags.Partial : BarFlags.None),
        };
    }
}
