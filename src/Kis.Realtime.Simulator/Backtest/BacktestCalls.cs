namespace Kis.Realtime.Simulator.Backtest;

/// <summary>
/// A backtest's strategy calls (place, amend, cancel): those on their way to the venue, in arrival order (a tie in the
/// order they were made), and every call of the day as its row (<see cref="BacktestCallRow"/>: a
/// <see cref="BacktestCall"/> object lives only while the call is on its way). Not thread-safe: the venue's lock guards
/// it; <see cref="NoneDueBy"/> alone is asked without it (most messages meet no call on its way).
/// </summary>
internal sealed class BacktestCalls
{
    private readonly PriorityQueue<BacktestCall, (long Ticks, long Sequence)> _arriving = new();
    private readonly ChunkedSeries<BacktestCallRow> _rows = new();
    // The UTC ticks of the next call's arrival (long.MaxValue: none), written whenever _arriving changes.
    private long _nextArrivalTicks = long.MaxValue;

    /// <summary>Calls on their way.</summary>
    public int InFlight => _arriving.Count;

    /// <summary>When the next call arrives; null when none is on its way.</summary>
    public DateTimeOffset? NextArrival => _arriving.TryPeek(out var call, out _) ? call.ArrivesAt : null;

    /// <summary>Whether no call arrives by <paramref name="until"/> (lock-free: a call made right now is seen at the next ask).</summary>
    public bool NoneDueBy(DateTimeOffset until) => Volatile.Read(ref _nextArrivalTicks) > until.UtcTicks;

    /// <summary>A call made at <paramref name="now"/>: it arrives <paramref name="latency"/> later; the day keeps its row.</summary>
    public void Send(BacktestCall call, BacktestCallRow row, DateTimeOffset now, TimeSpan latency)
    {
        row.Sequence = _rows.Count + 1;
        row.SentAt = now;
        row.ArrivesAt = call.ArrivesAt = now + latency;
        call.Index = _rows.Count;
        _rows.Add(row);
        _arriving.Enqueue(call, (call.ArrivesAt.UtcTicks, row.Sequence));
        NoteNextArrival();
    }

    /// <summary>The next call, when it arrives by <paramref name="until"/>: off its way (its row is <see cref="Row"/>).</summary>
    public bool TryTakeDue(DateTimeOffset until, out BacktestCall call)
    {
        if (!_arriving.TryPeek(out call!, out _) || call.ArrivesAt > until) return false;
        _arriving.Dequeue();
        NoteNextArrival();
        return true;
    }

    /// <summary>The row of the call made <paramref name="index"/>-th (from 0), to fill in what became of it.</summary>
    public ref BacktestCallRow Row(int index) => ref _rows.At(index);

    /// <summary>Every call's row so far, in order.</summary>
    public IReadOnlyList<BacktestCallRow> Rows() => _rows.Prefix();

    /// <summary>How many calls were refused.</summary>
    public int Refused()
    {
        var refused = 0;
        foreach (var row in _rows) refused += row.Refusal is null ? 0 : 1;
        return refused;
    }

    private void NoteNextArrival() =>
        Volatile.Write(ref _nextArrivalTicks, _arriving.TryPeek(out var next, out _) ? next.ArrivesAt.UtcTicks : long.MaxValue);
}

/// <summary>A call as the day keeps it: what was asked and what became of it (the order's fills are the order's).</summary>
internal struct BacktestCallRow
{
    public long Sequence;
    public required string Action;
    public DateTimeOffset SentAt, ArrivesAt;
    public required string Code;
    public OrderSide Side;
    public KisOrderKind Kind;
    public long Quantity;
    public decimal Price;
    public long Number, Original;
    public KisRefusal? Refusal;
    public bool Answered;
}

/// <summary>
/// A call on its way to the venue (its row is what the day keeps), and the strategy's answer: not
/// RunContinuationsAsynchronously, as it is completed on the pump, so the strategy continues there.
/// </summary>
internal sealed class BacktestCall : TaskCompletionSource<KisOrderResult>
{
    public int Index; // its row in the day's calls
    public DateTimeOffset ArrivesAt;
    public KisOrderRequest? Place;
    public KisAmendRequest? Amend;
    public KisCancelRequest? Cancel;
    public KisOrderResult? Result;

    /// <summary>Gives the strategy the answer (on the pump).</summary>
    public void Reply()
    {
        var result = Result!;
        Result = null;
        TrySetResult(result);
    }
}
