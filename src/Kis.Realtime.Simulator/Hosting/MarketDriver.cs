using Kis.Realtime.Simulator.Market;

namespace Kis.Realtime.Simulator.Hosting;

/// <summary>
/// Keeps the simulated market trading where paper orders rest and nobody's feed drives it. The market makes a stock's
/// trades and books as its feeds ask for them; without this, an order resting in a stock no session subscribes to
/// would never fill (issue 42, item 9). Every <see cref="Interval"/> of the simulator's clock it asks, for each
/// instrument with resting paper orders and no subscriber of its trades (H0STCNT0/H0UNCNT0, or the futures/options
/// trade feed) or books, for one trade and one book record, which go on the market's tape like any other and are sent
/// to no one. The venue's lock is never held here: the records are made as a session's poll makes them.
/// </summary>
internal sealed class MarketDriver : IDisposable
{
    /// <summary>How often the clock drives the market (the demo pace sends a stock's records about this often).</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);

    private readonly SimulatorHub _hub;
    private readonly ITimer _timer;
    private readonly byte[] _scratch = new byte[8 * 1024];
    private int _busy;

    public MarketDriver(SimulatorHub hub)
    {
        _hub = hub;
        _timer = hub.Options.TimeProvider.CreateTimer(_ => Tick(), null, Interval, Interval);
    }

    /// <summary>One round: a trade and a book for every resting instrument nobody's feed drives.</summary>
    public void Tick()
    {
        // A round still running (a slow machine) is not overlapped by the next.
        if (Interlocked.Exchange(ref _busy, 1) != 0) return;
        try
        {
            var market = _hub.Market;
            var now = market.Clock.Now();
            // Under a replay the recording is the market paper orders trade against: nothing is made up for them.
            foreach (var (code, derivative) in market.IsReplay ? [] : _hub.Venue.RestingInstruments().AsSpan())
            {
                if (derivative)
                {
                    var trades = market.DerivativeTradesFor(code);
                    if (!_hub.IsSubscribed(trades.Tr, code)) Drive(trades, now);
                    continue;
                }
                if (!_hub.IsSubscribed(KisTrs.H0STCNT0, code) && !_hub.IsSubscribed(KisTrs.H0UNCNT0, code)) Drive(market.Get(KisTrs.H0STCNT0, code), now);
                if (!_hub.IsSubscribed(KisTrs.H0STASP0, code) && !_hub.IsSubscribed(KisTrs.H0NXASP0, code) && !_hub.IsSubscribed(KisTrs.H0UNASP0, code))
                    Drive(market.Get(KisTrs.H0STASP0, code), now);
            }
            market.Tape.Flush(); // a book's record does not tell the venue itself
            _hub.Venue.Advance(now); // the day orders over by now expire, with their notices
        }
        finally
        {
            Volatile.Write(ref _busy, 0);
        }
    }

    private void Drive(Instrument instrument, DateTime now)
    {
        var at = instrument.Hours.IsOpen(now) ? now : instrument.OwedAt(now);
        if (at is null) return;
        var writer = new RecordWriter(_scratch);
        instrument.WriteRecords(ref writer, 1, at.Value);
    }

    public void Dispose() => _timer.Dispose();
}
