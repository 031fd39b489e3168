namespace Kis.Realtime.Internal;

// The bar the aggregator is filling: its own type so its figures change only by Begin, Add, the flag methods and End,
// and the aggregator keeps only when a bar begins or closes. Times are the market's wall-clock ticks: a time bar holds
// the interval [Open, Close); others the first/last trade. Offset: the market's UTC offset at the bar's first trade
// (summer time moves it); kept after End, for the empty bars that follow.
internal sealed class FormingBar
{
    public bool IsForming { get; private set; }
    public long Open { get; private set; }
    public long Close { get; private set; }
    // When the bar may close on the clock: its end for a time bar; for a day bar the market's close (the end of the last
    // of BarOptions.Sessions), not the end of its trading day, so the day's bar appears at the close.
    public long ClockEnd { get; private set; }
    public int Day { get; private set; }
    public TimeSpan Offset { get; private set; }
    public decimal O { get; private set; }
    public decimal H { get; private set; }
    public decimal L { get; private set; }
    public decimal C { get; private set; }
    public decimal Value { get; private set; }
    public decimal PriceVolume { get; private set; }
    public long Volume { get; private set; }
    public int Count { get; private set; }
    public BarFlags Flags { get; private set; }
    public TapePosition First { get; private set; } // its first and last trade in exchange order: its open and close
    public TapePosition Last { get; private set; }
    public int OpenGaps { get; private set; } // open gaps flagging it that a late trade may still fill
    // Tick, volume and value bars' stamps repeat (several bars a second): a number each.
    public long Number { get; private set; }

    public void Clear() => (IsForming, OpenGaps, Number) = (false, 0, 0);

    public void Begin(long open, long close, long clockEnd, int day, TimeSpan offset, decimal price, BarFlags flags)
    {
        IsForming = true;
        (Open, Close, ClockEnd, Day, Offset) = (open, close, clockEnd, day, offset);
        O = H = L = C = price;
        Volume = 0;
        Value = PriceVolume = 0;
        Count = 0;
        Flags = flags;
        OpenGaps = 0;
        Number++;
    }

    public void Add(decimal price, long volume, decimal value, TapePosition position)
    {
        if (price > H) H = price;
        if (price < L) L = price;
        // Open and close by exchange order, not arrival: a late trade inside the bar never takes its close.
        if (Count == 0) First = Last = position;
        else if (position.CompareTo(First) < 0) (O, First) = (price, position);
        if (position.CompareTo(Last) >= 0) (C, Last) = (price, position);
        Volume += volume;
        PriceVolume += price * volume;
        Value += value;
        Count++;
    }

    // The seed's bar of the first live trade's interval begins it: its trades will not come again.
    public void Join(Bar partial)
    {
        (H, L, C) = (partial.High, partial.Low, partial.Close);
        Volume = partial.Volume;
        Value = partial.Value;
        PriceVolume = partial.Vwap * partial.Volume;
        Count = partial.TradeCount;
        // |=: Begin took a gap flag left pending by a trade outside the sessions; the seed must not drop it.
        Flags |= partial.Flags | BarFlags.Seeded;
    }

    /// <summary>A tick, volume or value bar's close is its last trade's stamp.</summary>
    public void StretchTo(long t)
    {
        if (t > Close) Close = t;
    }

    public void Flag(BarFlags flags) => Flags |= flags;

    public void LiftPartial()
    {
        if (IsForming) Flags &= ~BarFlags.Partial;
    }

    public void AddOpenGap() => OpenGaps++;

    // A late trade filled an open gap that flagged this bar: false when it flags no open gap (the gap was another bar's).
    public bool TryLiftOpenGap()
    {
        if (!IsForming || OpenGaps == 0) return false;
        OpenGaps--;
        return true;
    }

    public bool ThresholdReached(BarKind kind, decimal threshold) => kind switch
    {
        BarKind.Tick => Count >= threshold,
        BarKind.Volume => Volume >= threshold,
        _ => Value >= threshold,
    };

    public void End() => IsForming = false;

    // The bar as it closes, with what can lift its gap flag: closed at a trade that found trades missing, it stays
    // flagged until late trades fill that gap whole.
    public HeldBar Snapshot(bool gap, long openGap) => new()
    {
        Open = Open, Close = Close, ClockEnd = ClockEnd, Offset = Offset, Day = Day,
        O = O, H = H, L = L, C = C, Volume = Volume, Value = Value, PriceVolume = PriceVolume, Count = Count,
        Flags = Flags & ~BarFlags.Partial, PartialGap = (Flags & BarFlags.Partial) != 0, OpenGaps = OpenGaps, First = First, Last = Last,
        ClosingGap = gap ? openGap : 0,
    };
}
