using Kis.Realtime.Simulator.Metrics;
namespace Kis.Realtime.Simulator.Tape;

/// <summary>What a tape event is.</summary>
internal enum TapeEventKind
{
    /// <summary>A continuous trade: a buyer lifting an offer or a seller hitting a bid.</summary>
    Trade,

    /// <summary>An auction's single print (KRX's opening or closing auction, a VI's).</summary>
    Auction,

    /// <summary>A new book: the levels of both sides.</summary>
    Book,
}

/// <summary>
/// One event of the tape: a trade, an auction print or a book of one instrument (<paramref name="Derivative"/>: a
/// futures/options code, whose six characters may equal a stock's), at market time <paramref name="Time"/>.
/// <paramref name="Paper"/> marks the trades a paper order made itself (the venue already filled it; they are on the
/// tape for the record, not for matching).
/// </summary>
internal sealed record TapeEvent(TapeEventKind Kind, string Code, bool Derivative, DateTime Time, long Price = 0, long Volume = 0,
    bool BuyerInitiated = false, bool Paper = false, BookLevel[]? Asks = null, BookLevel[]? Bids = null);

/// <summary>Told when the tape has events (called outside every market lock; it may take the listener's own).</summary>
internal interface ITapeListener
{
    void OnTapeReady();
}

/// <summary>
/// The simulated market's tape: every trade, auction print and book the market makes, in order, whether or not anyone
/// subscribes to its feeds. The market appends under its instruments' locks (the tape's lock is a leaf: it calls
/// nothing); a reader (the paper venue) drains it under its own. Bounded: past <see cref="Capacity"/> unread events
/// the oldest are dropped and counted (<see cref="Dropped"/>, and in the simulator's counters when given, which
/// <c>/sim/status</c> shows), so a tape nobody reads costs nothing unbounded.
/// </summary>
internal sealed class MarketTape(SimulatorTally? counters = null)
{
    /// <summary>Unread events kept at most.</summary>
    public const int Capacity = 100_000;

    private readonly Lock _gate = new();
    private readonly Queue<TapeEvent> _events = new();
    private ITapeListener? _listener;
    private long _dropped;

    /// <summary>Events dropped unread (the reader fell <see cref="Capacity"/> behind).</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>True once a reader listens (before that the tape keeps nothing).</summary>
    public bool IsListened => Volatile.Read(ref _listener) is not null;

    /// <summary>The one reader told when events arrive (<see cref="Flush"/>).</summary>
    public void Listen(ITapeListener listener) => _listener = listener;

    /// <summary>Appends an event. Cheap and lock-leaf: callable under any market lock.</summary>
    public void Publish(TapeEvent e)
    {
        lock (_gate)
        {
            if (_listener is null) return; // nobody will ever read: keep nothing
            if (_events.Count >= Capacity)
            {
                _events.Dequeue();
                Interlocked.Increment(ref _dropped);
                if (counters is not null) Interlocked.Increment(ref counters._tapeEventsDropped);
            }
            _events.Enqueue(e);
        }
    }

    /// <summary>Moves every unread event into <paramref name="into"/> (oldest first); false when there were none.</summary>
    public bool Drain(List<TapeEvent> into)
    {
        lock (_gate)
        {
            if (_events.Count == 0) return false;
            while (_events.TryDequeue(out var e)) into.Add(e);
            return true;
        }
    }

    /// <summary>Tells the reader that events wait. Called by the market's feeds after they made records, outside the
    /// instrument's own market locks.</summary>
    public void Flush()
    {
        bool pending;
        lock (_gate) pending = _events.Count > 0;
        if (pending) _listener?.OnTapeReady();
    }
}
