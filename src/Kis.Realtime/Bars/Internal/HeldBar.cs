namespace Kis.Realtime.Internal;

/// <summary>
/// A trade's place in the tape: by cumulative volume within one TR (exchange order), else by stamp (another TR, or
/// no acml_vol). A bar's open and close are its first and last trade by this order, not by arrival.
/// </summary>
internal readonly record struct TapePosition(long Local, long Accumulated, int Tr)
{
    public int CompareTo(TapePosition other) =>
        Tr >= 0 && Tr == other.Tr ? Accumulated.CompareTo(other.Accumulated) : Local.CompareTo(other.Local);
}

// A trade of an interval whose bar closed already: into that bar while it is held (HeldBars) or as its revision
// (RevisableBars), or into a bar of its own. ClockEnd: when a bar of its interval ends on the clock.
internal readonly record struct LateTrade(long Start, int Day, TimeSpan Offset, decimal Price, long Volume, decimal Value,
    TapePosition Position, long ClockEnd)
{
    // A bar of its interval with it alone in it.
    public HeldBar OwnBar(long interval)
    {
        var bar = new HeldBar
        {
            Open = Start, Close = Start + interval, ClockEnd = ClockEnd, Offset = Offset, Day = Day,
            O = Price, H = Price, L = Price, C = Price, First = Position, Last = Position,
        };
        bar.Add(Price, Volume, Value, Position);
        return bar;
    }
}

// A closed time or day bar kept for a late trade (HeldBars) or a revision (RevisableBars), with what can lift its gap
// flag.
internal struct HeldBar
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
