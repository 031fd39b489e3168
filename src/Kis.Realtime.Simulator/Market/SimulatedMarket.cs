using System.Collections.Concurrent;
using Kis.Realtime.Simulator.Metrics;
using Kis.Realtime.Simulator.Tape;

namespace Kis.Realtime.Simulator.Market;

/// <summary>
/// The one market of a simulator: its clock, its instrument master and the state of every instrument (TR, key) that
/// anyone subscribed to. Instruments live as long as the simulator, so a client that reconnects continues where the
/// market is: record times never go back, cumulative figures keep growing, no record is generated twice and every
/// notice happens once. Order numbers are unique per simulator run.
/// </summary>
internal sealed class SimulatedMarket
{
    private readonly ConcurrentDictionary<(TrDefinition Tr, string Key), Instrument> _instruments = new();
    private readonly ConcurrentDictionary<string, Stock> _stocks = new();
    private readonly int _seed;
    private long _orderNumber;
    private readonly int _maxRecordsPerFrame;

    private readonly RecordSkips? _skips;

    private readonly SimulatorTally? _counters;

    /// <summary>The simulator's counters (null for a market made on its own, as in a unit test or a backtest).</summary>
    public SimulatorTally? Counters => _counters;

    /// <summary>A market of <paramref name="options"/>; <paramref name="resumeAt"/>: the market time a restart continues
    /// from (its clock does not go back before it; see <see cref="MarketClock"/>).</summary>
    public SimulatedMarket(SimulatorOptions options, RecordSkips? skips = null, SimulatorTally? counters = null, DateTime? resumeAt = null)
    {
        _counters = counters;
        _skips = skips;
        _seed = options.Seed;
        _maxRecordsPerFrame = options.MaxRecordsPerFrame;
        Clock = new MarketClock(options.TimeProvider, options.Clock, options.ClockSpeed, options.MarketStart, resumeAt);
        Tape = new MarketTape(counters);
        Master = new InstrumentMaster(options.Seed, options.Universe);
        // Order numbers start somewhere seeded (as an account's numbers would), then only go up.
        _orderNumber = new Random(StableHash.Combine(options.Seed, "orders", "")).Next(1_000, 5_000);
        RandomNotices = options.RandomNotices;
        IsReplay = options.ReplayFile is not null;
    }

    private readonly ConcurrentDictionary<string, ReplayedStock> _replayed = new(StringComparer.Ordinal);

    /// <summary>
    /// True when a recording is replayed (<see cref="SimulatorOptions.ReplayFile"/>): the recording is the market paper
    /// orders trade against (issue 55, item 6), and the generated stocks put nothing on the tape (they still feed the
    /// subscriptions the recording does not serve).
    /// </summary>
    public bool IsReplay { get; }

    /// <summary>A stock as the replayed recording shows it, created at its first record or order.</summary>
    public ReplayedStock Replayed(string code) => _replayed.GetOrAdd(code, static (c, tape) => new ReplayedStock(c, tape), Tape);

    private readonly ConcurrentDictionary<string, ReplayedStock> _replayedDerivatives = new(StringComparer.Ordinal);

    /// <summary>An index future or option as the replayed recording shows it (H0IFCNT0/H0IFASP0, H0IOCNT0/H0IOASP0;
    /// hundredths of a point).</summary>
    public ReplayedStock ReplayedDerivative(string code)
        => _replayedDerivatives.GetOrAdd(code, static (c, tape) => new ReplayedStock(c, tape, derivative: true), Tape);

    /// <summary>What a paper stock order of <paramref name="code"/> meets: the replayed stock under a replay, else the
    /// simulated KRX book (created for the order when nobody has subscribed to it yet).</summary>
    public IStockOrderMarket OrderBookFor(string code) => IsReplay ? Replayed(code) : StockBookForOrders(code);

    /// <summary>Stock and day futures/options notices (H0STCNI0/9, H0IFCNI0/9) made up at random instead of the
    /// venue's (an explicit option; the venue's come from the notices layer, not from the market).</summary>
    public bool RandomNotices { get; }

    /// <summary>The KRX book of a stock, created for an order when nobody has subscribed to it yet.</summary>
    public StockBook StockBookForOrders(string code)
    {
        return new StockBook(StockFor(code), StockVenue.Krx);
    }

    /// <summary>
    /// The trade feed of a futures or options code (KRX short codes: 1… futures, 2… calls, 3… puts; underlying 01, 05
    /// or 06 an index, else a stock), created for an order when nobody has subscribed to it yet: its quote prices the
    /// order, its hours say whether KRX takes it, its trades fill it.
    /// </summary>
    public (DerivativeQuote Quote, TradingHours Hours) DerivativeForOrders(string code)
    {
        var instrument = DerivativeTradesFor(code);
        return (((DerivativeTradeStream)instrument.Stream).Quote(), instrument.Hours);
    }

    /// <summary>A paper order took <paramref name="contracts"/> at <paramref name="price"/> from the quote of
    /// <paramref name="code"/> (<see cref="DerivativeForOrders"/>): gone from it until its feed quotes anew.</summary>
    public void TookDerivativeQuote(string code, bool buy, long price, long contracts)
        => ((DerivativeTradeStream)DerivativeTradesFor(code).Stream).Took(buy, price, contracts);

    /// <summary>The trade feed of a futures or options code (see <see cref="DerivativeForOrders"/>).</summary>
    public Instrument DerivativeTradesFor(string code)
    {
        var index = code.Length >= 3 && code[1..3] is "01" or "05" or "06";
        var tr = code[0] == '1' ? (index ? KisTrs.H0IFCNT0 : KisTrs.H0ZFCNT0) : (index ? KisTrs.H0IOCNT0 : KisTrs.H0ZOCNT0);
        return Get(tr, code);
    }

    public MarketClock Clock { get; }

    /// <summary>Every KRX stock trade, auction print and book, and every futures/options trade, as they happen.</summary>
    public MarketTape Tape { get; }

    public InstrumentMaster Master { get; }

    /// <summary>The next order number of the run (unique across every account and session).</summary>
    public long NextOrderNumber() => Interlocked.Increment(ref _orderNumber);

    /// <summary>The last order number issued (the state file keeps it).</summary>
    public long LastOrderNumber => Interlocked.Read(ref _orderNumber);

    /// <summary>Issues numbers after <paramref name="last"/> from now on (a restart continues its sequence: a number is
    /// never given twice, or a client matching by number would attach new notices to an old order).</summary>
    public void ContinueOrderNumbersAfter(long last)
    {
        for (var seen = Interlocked.Read(ref _orderNumber); seen < last; seen = Interlocked.Read(ref _orderNumber))
            if (Interlocked.CompareExchange(ref _orderNumber, last, seen) == seen) return;
    }

    /// <summary>
    /// Runs every generator once on a throwaway market, so that the first subscription of a run does not wait for the
    /// JIT: otherwise a rate pace piles up credit meanwhile and sends a burst as its first frame.
    /// </summary>
    public static void WarmUp(SimulatorOptions options)
    {
        var market = new SimulatedMarket(options with { TimeProvider = TimeProvider.System });
        Span<byte> buffer = stackalloc byte[4096];
        foreach (var (tr, key) in new[] { (KisTrs.IndexTicks, "0001"), (KisTrs.BondTrades, "KR103502GD31"), (KisTrs.ProgramTradesNxt, "005930"),
                     (KisTrs.ProgramTradesUnified, "005930"), (KisTrs.FuturesOptionsNotices, "warmup"), (KisTrs.H0STCNT0, "005930"),
                     (KisTrs.H0STASP0, "005930"), (KisTrs.H0IFCNT0, "101W09") })
        {
            var instrument = market.Get(tr, key);
            var now = market.Clock.Now();
            instrument.Hours.IsOpen(now);
            market.Clock.UntilOpen(instrument.Hours, now);
            var writer = new RecordWriter(buffer);
            instrument.WriteRecords(ref writer, 1, now);
        }
    }

    /// <summary>
    /// True for a feed keyed by a short code (stocks, ETFs, ELWs) that the instrument master does not list: KIS accepts
    /// the subscription (the key has the right form) and no market sends a record for it.
    /// </summary>
    public static bool IsUnlisted(TrDefinition tr, string key) => tr.KeyFormat == TrKeyFormat.StockCode && !InstrumentMaster.IsListedShortCode(key);

    /// <summary>As <see cref="IsUnlisted(TrDefinition, string)"/> in this market's universe (<see cref="SimulatorOptions.Universe"/>).</summary>
    public bool IsSilent(TrDefinition tr, string key) => tr.KeyFormat == TrKeyFormat.StockCode && !Master.Lists(key);

    /// <summary>Every instrument anyone subscribed to, with what it made: the truth a whole-market run counts against.</summary>
    public IEnumerable<Instrument> Instruments => _instruments.Values;

    /// <summary>The instrument behind a subscription, created at its first subscription.</summary>
    public Instrument Get(TrDefinition tr, string key) => _instruments.GetOrAdd((tr, key), static (k, m) => m.Create(k.Tr, k.Key), this);

    private Instrument Create(TrDefinition tr, string key)
    {
        var random = new Random(StableHash.Combine(_seed, tr.Id, key));
        var hours = TradingHours.For(tr, key, Clock.Mode);
        var now = Clock.Now();
        // How far into its trading day the instrument is: day totals (volumes, program flow) start from there.
        var secondsIntoDay = Math.Max(0, Math.Floor((now.TimeOfDay - hours.OpenOn(now)).TotalSeconds));
        MarketStream stream =
            IsSilent(tr, key) ? new UnlistedStream(random)
            : tr == KisTrs.IndexTicks ? new IndexStream(random, key, Master, secondsIntoDay)
            : tr == KisTrs.BondTrades ? new BondStream(random, key, Master, secondsIntoDay)
            : tr == KisTrs.ProgramTradesNxt ? new ProgramStream(random, key, Master, secondsIntoDay, nxtOnly: true)
            : tr == KisTrs.ProgramTradesUnified ? new ProgramStream(random, key, Master, secondsIntoDay, nxtOnly: false)
            : tr == KisTrs.ProgramTradesKrx ? new ProgramStream(random, key, Master, secondsIntoDay, nxtOnly: false)
            : IsOrderNotice(tr) ? new NoticeStream(random, tr, key, Master, this, now.Date)
            : tr == KisTrs.H0STCNT0 || tr == KisTrs.H0NXCNT0 || tr == KisTrs.H0UNCNT0
                ? new StockTradeStream(random, tr, key, this, StockBookFor(key, tr))
            : tr == KisTrs.H0STANC0 || tr == KisTrs.H0NXANC0 || tr == KisTrs.H0UNANC0
                ? new StockTradeStream(random, tr, key, this, StockBookFor(key, tr), expected: true)
            : tr == KisTrs.H0STASP0 || tr == KisTrs.H0NXASP0 || tr == KisTrs.H0UNASP0
                ? new StockBookStream(random, tr, key, this, StockBookFor(key, tr))
            : tr == KisTrs.H0STMKO0 || tr == KisTrs.H0NXMKO0 || tr == KisTrs.H0UNMKO0
                ? new MarketStatusStream(random, tr, key, this, StockBookFor(key, tr))
            : IsDerivativeTrades(tr) ? new DerivativeTradeStream(random, tr, key, this)
            : new GenericStream(random, tr, key, this);
        // The tape's pace is seeded per TR and key, apart from the records' own random state.
        var pace = new Random(StableHash.Combine(_seed ^ 0x5A5A5A5A, tr.Id, key));
        return new Instrument(tr, key, stream, hours, _skips, _maxRecordsPerFrame, pace, _counters) { ActivityShare = Master.ActivityShare(key) };
    }

    /// <summary>Notice TRs a generated writer writes (views.json's writers, with their paper ids): their order life cycle is modelled.</summary>
    private static bool IsOrderNotice(TrDefinition tr)
        => StockNoticeWriter.Writes(tr.Id) || FuturesNoticeWriter.Writes(tr.Id) || OverseasNoticeWriter.Writes(tr.Id);

    private static bool IsStockNotice(TrDefinition tr) => StockNoticeWriter.Writes(tr.Id);

    /// <summary>The notice TRs the paper venue's orders report on (stocks H0STCNI0/9, day futures/options H0IFCNI0/9).</summary>
    public static bool IsVenueNotice(TrDefinition tr) => IsStockNotice(tr) || IsDerivativeNotice(tr);

    /// <summary>The day-session futures/options notices: the venue's F/O orders report there.</summary>
    private static bool IsDerivativeNotice(TrDefinition tr) => tr == KisTrs.H0IFCNI0 || tr == KisTrs.H0IFCNI9;

    private static bool IsDerivativeTrades(TrDefinition tr)
        => tr == KisTrs.H0IFCNT0 || tr == KisTrs.H0IOCNT0 || tr == KisTrs.H0ZFCNT0 || tr == KisTrs.H0ZOCNT0;

    /// <summary>A stock's book seen from the venue of <paramref name="tr"/> (H0ST* KRX, H0NX* Nextrade, H0UN* both combined).</summary>
    private StockBook StockBookFor(string code, TrDefinition tr)
        => new(StockFor(code), tr.Id[2..4] switch { "NX" => StockVenue.Nxt, "UN" => StockVenue.Unified, _ => StockVenue.Krx });

    /// <summary>The one <see cref="Stock"/> of a code (both venues), created at its first use.</summary>
    private Stock StockFor(string code)
        => _stocks.GetOrAdd(code, static (c, m) => new Stock(m._seed, c, m.Master, m.Clock.Now(), m._counters, m.IsReplay ? null : m.Tape,
            () => m.TradesWatched is not { } watched || watched(c)), this);

    /// <summary>
    /// Before a trade feed of <paramref name="code"/> is subscribed: an unwatched stock's day is caught up to
    /// <paramref name="now"/> (<see cref="Stock.CatchUpIfUnwatched"/>), so the feed's first trade continues it. A stock
    /// nobody has asked about yet has nothing to catch up (it appears with its day so far).
    /// </summary>
    public void CatchUpBeforeWatched(string code, DateTime now)
    {
        if (!IsReplay && _stocks.TryGetValue(code, out var stock)) stock.CatchUpIfUnwatched(now);
    }

    /// <summary>Whether any trade feed of a stock (H0STCNT0, H0NXCNT0, H0UNCNT0) is subscribed: the hub's answer. Unset
    /// (a market without sessions), every stock counts as watched and is never caught up but by <see cref="Stock.CatchUp"/>.</summary>
    public Func<string, bool>? TradesWatched { get; set; }

    /// <summary>
    /// The book of a stock on a venue for the REST minute chart: a listed stock's is created now if nobody has asked for
    /// it yet (with its day so far: a client seeds bars from the chart before it subscribes); an unlisted code has none.
    /// </summary>
    public StockBook? StockBookForChart(string code, StockVenue venue) =>
        InstrumentMaster.IsListedStock(code) ? new StockBook(StockFor(code), venue)
        : FindStockBook(code, venue);

    /// <summary>The book of a stock on a venue when anyone has asked for it, else null.</summary>
    public StockBook? FindStockBook(string code, StockVenue venue) => _stocks.TryGetValue(code, out var stock) ? new StockBook(stock, venue) : null;
}
