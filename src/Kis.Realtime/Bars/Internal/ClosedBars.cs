namespace Kis.Realtime.Internal;

// The bars that closed, from their close until taken: held back for their late window (HeldBars), queued to be taken,
// kept for revision (RevisableBars), and the empty intervals after the last one, made only when taken. Its own type: it
// owns everything after a bar closes and the last closed bar's figures; the aggregator decides which bar a trade goes
// into and when the forming bar closes. Empty bars read the forming bar's UTC offset when made: they are on the clock
// of the bar after them, which may not have begun when they were queued (after a seed).
internal sealed class ClosedBars(BarKind kind, long interval, BarOptions options, long lateWindow, FormingBar forming)
{
    private readonly Queue<Bar> _ready = new();
    private long _emptyNext, _emptyEnd; // the empty intervals [_emptyNext, _emptyEnd), after the queued bars
    private decimal _emptyPrice;
    private BarFlags _emptyFlags;

    /// <summary>Bars ready to be taken, in order (seeded bars and revisions join them here).</summary>
    public Queue<Bar> Ready => _ready;

    public HeldBars Held { get; } = new(interval, lateWindow);

    public RevisableBars Revisable { get; } = new(options.Revisions && kind <= BarKind.Day);

    // The last bar closed: where empty bars continue from (its end, day and close) and, for tick, volume and value bars,
    // its last trade in exchange order (a late trade before it is an emitted bar's).
    public long LastEnd { get; private set; }
    public int LastDay { get; private set; }
    public TapePosition LastTrade { get; private set; }
    private decimal _lastPrice;

    // The forming bar closed (gap: at a trade that found trades missing): queued, or held for its late window.
    public void Close(string key, bool gap, long openGap)
    {
        MaterializeEmpties(key);
        if (lateWindow > 0) Held.Add(forming.Snapshot(gap, openGap)); // emitted once its late window has passed
        else
        {
            _ready.Enqueue(forming.Snapshot(gap: false, openGap: 0).ToBar(key, gap ? BarFlags.Gap : BarFlags.None));
            if (kind <= BarKind.Day) Revisable.Keep(forming.Snapshot(gap, openGap));
        }
        LastEnd = kind <= BarKind.Day ? forming.Close : 0;
        LastDay = forming.Day;
        _lastPrice = forming.C;
        LastTrade = forming.Last;
    }

    // A seed's last kept bar: empty bars continue from it.
    public void ContinueFrom(long end, int day, decimal close) => (LastEnd, LastDay, _lastPrice) = (end, day, close);

    // Empty time bars from the last closed bar's end up to the interval starting at start (same trading day only). True
    // when they can be taken now (without a late window).
    public bool QueueEmpties(string key, long start, int day, bool gap)
    {
        if (!options.EmitEmptyBars || kind != BarKind.Time || LastEnd == 0 || start <= LastEnd || day != LastDay) return false;
        MaterializeEmpties(key);
        (_emptyNext, _emptyEnd, _emptyPrice) = (LastEnd, start, _lastPrice);
        _emptyFlags = BarFlags.Empty | (gap ? BarFlags.Gap : BarFlags.None);
        if (lateWindow == 0) return true;
        for (; _emptyNext < _emptyEnd; _emptyNext += interval) // held too: a late trade may still fill one
            Held.Add(new HeldBar
            {
                Open = _emptyNext, Close = _emptyNext + interval, ClockEnd = _emptyNext + interval, Offset = forming.Offset, Day = LastDay,
                O = _emptyPrice, H = _emptyPrice, L = _emptyPrice, C = _emptyPrice, Flags = _emptyFlags,
            });
        return false;
    }

    // Closed bars keep their order even when the caller did not take the empty bars of an earlier close.
    public void MaterializeEmpties(string key)
    {
        for (; _emptyNext < _emptyEnd; _emptyNext += interval) _ready.Enqueue(EmptyBar(key, _emptyNext));
    }

    public bool TryTake(string? key, out Bar bar)
    {
        if (_ready.TryDequeue(out bar)) return true;
        if (_emptyNext < _emptyEnd)
        {
            bar = EmptyBar(key!, _emptyNext);
            _emptyNext += interval;
            return true;
        }
        bar = default;
        return false;
    }

    /// <summary>Emits the held bars whose window ended at <paramref name="now"/> (market's clock): a trade's stamp, or the clock.</summary>
    public bool ReleaseHeld(string? key, long now, bool byClock)
    {
        var due = Held.Due(now, byClock);
        foreach (ref readonly var bar in due)
        {
            _ready.Enqueue(bar.ToBar(key!));
            Revisable.Keep(bar);
        }
        Held.Release(due.Length);
        return due.Length > 0;
    }

    // A late trade past every window: into the emitted bar of its interval, or a bar of its own when it lies between bars
    // its hole flagged (closingGap: the hole it is still part of, whose missing trades may be its own too). False: it
    // goes into no bar.
    public bool TakeRevision(in LateTrade trade, bool fromDayStart, long closingGap)
    {
        var formingAfter = forming.IsForming && forming.Day == trade.Day && trade.Start < forming.Open;
        if (Revisable.TryAdd(trade, fromDayStart, formingAfter, out var at)) return true;
        if (at < 0) return false;
        Revisable.Insert(at, trade.OwnBar(interval) with { Revise = true, ClosingGap = closingGap });
        return true;
    }

    // A gap filled whole: the held or emitted bar it flagged (as forming) and the one closed when it was found lose its flag.
    public void LiftGap(long flaggedBar)
    {
        Revisable.LiftGap(flaggedBar);
        Held.LiftGap(flaggedBar);
    }

    public void ClearClosingGap(long gapSequence)
    {
        Revisable.ClearClosingGap(gapSequence);
        Held.ClearClosingGap(gapSequence);
    }

    public void LiftPartial()
    {
        Held.LiftPartial();
        Revisable.LiftPartial();
    }

    public void Clear()
    {
        _ready.Clear();
        _emptyNext = _emptyEnd = LastEnd = 0;
        LastDay = 0;
        LastTrade = default;
        Held.Clear();
        Revisable.Clear();
    }

    private Bar EmptyBar(string key, long open) => new()
    {
        Key = key,
        OpenTime = new DateTimeOffset(open, forming.Offset),
        CloseTime = new DateTimeOffset(open + interval, forming.Offset),
        Open = _emptyPrice,
        High = _emptyPrice,
        Low = _emptyPrice,
        Close = _emptyPrice,
        Vwap = _emptyPrice,
        Flags = _emptyFlags,
    };
}
