using System.Globalization;
using Kis.Realtime.Benchmarks;
using Kis.Realtime.Simulator;
using Kis.Realtime.Simulator.Trading.Core;
using static Kis.Realtime.Tests.Backtest.BacktestAuctionTests;

namespace Kis.Realtime.Tests.Backtest;

/// <summary>
/// One day of changed hours (Markets/holidays.csv) through both venues that read a recording: the backtest and the paper
/// venue under <c>kisrt sim --replay</c> (stepped as <see cref="SampleStrategyParityTests"/> steps it). The same orders
/// meet the same recorded books and trades; both judge the calls by the day's own hours (<see cref="Kis.Realtime.Simulator.Rules.KrxCalls"/>),
/// so they fill alike, and as KRX would: on 2026-01-02 (open 10:00) a 09:35 book is the pre-open call's and fills
/// nothing, the 10:00 trade is the opening print; on the exam day 2026-11-19 (10:00–16:30) a 15:25 book is continuous
/// trading and fills, the 16:20–16:30 books are the closing call's and the 16:30 trade is its print.
/// <para>
/// Compared field by field: each fill's order (by the order the strategy placed it in), quantity, price and market time;
/// each order's answer; each order as the strategy's book saw it from its venue's notices (code, side, quantity, price,
/// filled, average price, cancelled, status, last notice's time) and as the venue kept it (quantity, filled, cancelled).
/// Left out: the order number, each venue's own (they count independently).
/// </para>
/// </summary>
public sealed class ChangedHoursParityTests
{
    private const string Code = "005930";
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(120);

    public static TheoryData<string> Days => ["2026-01-02", "2026-11-19"];

    [Theory]
    [MemberData(nameof(Days))]
    public async Task A_day_of_changed_hours_fills_alike_in_the_backtest_and_on_paper_under_its_replay(string day)
    {
        var date = DateTime.Parse(day, CultureInfo.InvariantCulture);
        var dir = Cli.CliTestKit.EmptyDirectory();
        var expected = WriteDay(dir, date);
        var backtestStrategy = new FirstTradeOrders();
        var backtest = await KisBacktest.RunAsync(new KisRecordingFolder(dir), backtestStrategy.RunAsync,
            new KisBacktestOptions { HtsId = SimulatorOptions.DefaultHtsId, Latency = TimeSpan.Zero }).WaitAsync(RunTimeout);

        var paperStrategy = new FirstTradeOrders();
        await using var paper = await PaperReplayRun.StartAsync(MarketTimeRecording.RawLog(dir, new DateTimeOffset(date, KoreaTime.Offset)),
            paperStrategy.RunAsync);
        await paper.ServeAllAsync(RunTimeout);
        var view = paper.Sim.Hub.Venue.View(PaperReplayRun.Account + "01");
        await SteppedReplay.Until(() => paper.Orders.Book.NoticesApplied >= paper.Replay.NoticeCount, "the notices applied");
        await paper.StopStrategyAsync();

        Assert.Equal(backtestStrategy.TradesSeen, paperStrategy.TradesSeen);
        Assert.Equal(backtestStrategy.Results.Select(Answer), paperStrategy.Results.Select(Answer));
        Assert.All(paperStrategy.Results, r => Assert.True(r.IsAccepted, r.Refusal?.MessageCode));
        var backtestIndex = Numbers(backtestStrategy);
        var paperIndex = Numbers(paperStrategy);

        var backtestFills = backtest.Fills.Select(f => (backtestIndex[f.OrderNumber], f.Quantity, f.Price, f.Time.ToOffset(KoreaTime.Offset).DateTime))
            .ToList();
        var paperFills = paper.Replay.Notices.Where(n => n.Event.Kind == OrderEventKind.Filled)
            .Select(n => (paperIndex[n.Event.Number.ToString("D10", CultureInfo.InvariantCulture)], n.Event.Quantity, (decimal)n.Event.Price,
                n.Event.At)).ToList();
        Assert.Equal(expected, backtestFills); // KRX's answer on the day's hours (the backtest's)
        Assert.Equal(backtestFills, paperFills); // and paper's, field by field

        // Each order as the strategy's book followed it from its venue's notices, and as the venue kept it.
        Assert.Equal(backtestStrategy.Orders(backtestIndex), paperStrategy.Orders(paperIndex));
        var paperOrders = view.Orders.ToDictionary(o => paperIndex[o.Number.ToString("D10", CultureInfo.InvariantCulture)]);
        Assert.Equal(backtest.Orders.Select(o => (backtestIndex[o.OrderNumber], o.Quantity, o.Filled, o.Cancelled)),
            paperOrders.OrderBy(p => p.Key).Select(p => (p.Key, p.Value.Quantity, p.Value.Filled, p.Value.Cancelled)));
    }

    /// <summary>The exam day (close 16:30) and a normal day (15:30) for contrast: the day and its close.</summary>
    public static TheoryData<string, string> CloseDays => new() { { "2026-11-19", "16:30" }, { "2026-11-18", "15:30" } };

    /// <summary>
    /// A day order still open at the close (a buy at 60,000 no book or print reaches) expires at its day's close, after
    /// the closing print: 16:30 on the exam day (not a normal day's 15:30, though records come between), 15:30 on a
    /// normal day; in the backtest and on paper alike (the notice's time, the status, the quantity cancelled).
    /// </summary>
    [Theory]
    [MemberData(nameof(CloseDays))]
    public async Task A_day_order_open_at_the_close_expires_at_its_days_close_alike_in_the_backtest_and_on_paper(string day, string close)
    {
        var date = DateTime.Parse(day, CultureInfo.InvariantCulture);
        var closeAt = date + TimeSpan.Parse(close, CultureInfo.InvariantCulture);
        var dir = Cli.CliTestKit.EmptyDirectory();
        WriteRestingDay(dir, closeAt);
        var backtestStrategy = new FirstTradeOrders(RestingPrice);
        var backtest = await KisBacktest.RunAsync(new KisRecordingFolder(dir), backtestStrategy.RunAsync,
            new KisBacktestOptions { HtsId = SimulatorOptions.DefaultHtsId, Latency = TimeSpan.Zero }).WaitAsync(RunTimeout);

        var paperStrategy = new FirstTradeOrders(RestingPrice);
        await using var paper = await PaperReplayRun.StartAsync(MarketTimeRecording.RawLog(dir, new DateTimeOffset(date, KoreaTime.Offset)),
            paperStrategy.RunAsync);
        await paper.ServeAllAsync(RunTimeout); // its last record, a minute after the close, carries the market past it
        var view = paper.Sim.Hub.Venue.View(PaperReplayRun.Account + "01");
        await SteppedReplay.Until(() => view.Orders.All(o => o.Remaining == 0) && paper.Orders.Book.NoticesApplied >= paper.Replay.NoticeCount,
            "the day's end");
        await paper.StopStrategyAsync();

        Assert.All(paperStrategy.Results, r => Assert.True(r.IsAccepted, r.Refusal?.MessageCode));
        Assert.Equal(backtestStrategy.Results.Select(Answer), paperStrategy.Results.Select(Answer));
        var backtestIndex = Numbers(backtestStrategy);
        var paperIndex = Numbers(paperStrategy);
        Assert.Empty(backtest.Fills);

        // KRX's answer: nothing filled, the whole order cancelled by one notice stamped at the day's close.
        var expiry = Assert.Single(paper.Replay.Notices, n => n.Event.Kind == OrderEventKind.Expired);
        Assert.Equal((0, 1L, closeAt), (paperIndex[expiry.Event.Number.ToString("D10", CultureInfo.InvariantCulture)], expiry.Event.Quantity, expiry.Event.At));
        Assert.DoesNotContain(paper.Replay.Notices, n => n.Event.Kind == OrderEventKind.Filled);
        object expected = (Code, OrderSide.Buy, 1L, (decimal)RestingPrice, 0L, 0m, 1L, KisOrderStatus.Cancelled, TimeOnly.FromDateTime(closeAt));
        Assert.Equal(new[] { expected }, backtestStrategy.Orders(backtestIndex)); // the backtest's notices, as its strategy's book saw them
        Assert.Equal(backtestStrategy.Orders(backtestIndex), paperStrategy.Orders(paperIndex)); // paper's, field by field
        var paperOrders = view.Orders.ToDictionary(o => paperIndex[o.Number.ToString("D10", CultureInfo.InvariantCulture)]);
        Assert.Equal(backtest.Orders.Select(o => (backtestIndex[o.OrderNumber], o.Quantity, o.Filled, o.Cancelled)),
            paperOrders.OrderBy(p => p.Key).Select(p => (p.Key, p.Value.Quantity, p.Value.Filled, p.Value.Cancelled)));
        Assert.Equal(new[] { (0, 1L, 0L, 1L) }, backtest.Orders.Select(o => (backtestIndex[o.OrderNumber], o.Quantity, o.Filled, o.Cancelled)));
    }

    private const long RestingPrice = 60_000;

    /// <summary>
    /// Writes a recording that reaches no buy at <see cref="RestingPrice"/>: the order at 15:01, continuous books, the
    /// closing call's books in the 10 minutes before <paramref name="close"/> (KST), its print at the close, and a book a
    /// minute after it (the recording goes on past the close, so neither venue ends the day at the recording's end). The
    /// exam day's has records after a normal day's close, in its continuous trading.
    /// </summary>
    private static void WriteRestingDay(string dir, DateTime close)
    {
        DateTimeOffset At(DateTime kst) => new(kst, KoreaTime.Offset);
        var date = close.Date;
        using var recording = new SyntheticRecording(dir);
        Book(recording, At(date + new TimeSpan(15, 0, 0)), ask: 70_100, bid: 70_000, "0");
        Trade(recording, At(date + new TimeSpan(15, 1, 0)), 70_000, buyer: true); // the order
        Book(recording, At(date + new TimeSpan(15, 10, 0)), ask: 68_900, bid: 68_800, "0");
        if (close.Hour == 16)
        {
            Book(recording, At(date + new TimeSpan(15, 31, 0)), ask: 68_900, bid: 68_800, "0"); // continuous this day
            Trade(recording, At(date + new TimeSpan(15, 40, 0)), 68_900, buyer: true);
        }
        for (var i = 0; i < 3; i++) Book(recording, At(close.AddMinutes(-10 + 3 * i)), ask: 67_900, bid: 67_800, "0"); // the call's
        Trade(recording, At(close), 67_500, buyer: true); // the closing print: short of 60,000
        Book(recording, At(close.AddMinutes(1)), ask: 67_600, bid: 67_500, "0");
    }

    /// <summary>
    /// Writes <paramref name="date"/>'s recording (received as stamped) and returns KRX's fills on the day's hours: (the
    /// order's place, quantity, price, KST time). The strategy buys 1 at 69,000 and 1 at 68,000 at the first trade.
    /// </summary>
    private static List<(int, long, decimal, DateTime)> WriteDay(string dir, DateTime date)
    {
        DateTimeOffset At(int hour, int minute) => new(date + new TimeSpan(hour, minute, 0), KoreaTime.Offset);
        using var recording = new SyntheticRecording(dir);
        if (date.Month == 1)
        {
            // 2026-01-02: the pre-open call runs to 10:00 (a normal day's 09:00–10:00 is continuous).
            Book(recording, At(9, 30), ask: 70_100, bid: 70_000, "0");
            Trade(recording, At(9, 31), 70_000, buyer: true); // the orders, after the call's order intake opened (09:30)
            for (var i = 0; i < 3; i++) Book(recording, At(9, 35 + 5 * i), ask: 68_900, bid: 68_800, "0"); // expected books: no fill
            Trade(recording, At(10, 0), 68_800, buyer: true); // the opening print: fills the 69,000 buy at 68,800
            Book(recording, At(10, 1), ask: 68_900, bid: 68_800, "0");
            Book(recording, At(10, 5), ask: 67_900, bid: 67_800, "0"); // continuous: reaches the 68,000 buy
            Trade(recording, At(10, 6), 67_900, buyer: true);
            return [(0, 1, 68_800m, At(10, 0).DateTime), (1, 1, 68_000m, At(10, 5).DateTime)];
        }
        // The exam day 2026-11-19: continuous to 16:20, the closing call 16:20–16:30.
        Book(recording, At(15, 20), ask: 70_100, bid: 70_000, "0");
        Trade(recording, At(15, 21), 70_000, buyer: true); // the orders
        Book(recording, At(15, 25), ask: 68_900, bid: 68_800, "0"); // continuous that day: reaches the 69,000 buy
        for (var i = 0; i < 3; i++) Book(recording, At(16, 20 + 3 * i), ask: 67_900, bid: 67_800, "0"); // the closing call's: no fill
        Trade(recording, At(16, 30), 67_500, buyer: true); // the closing print: fills the 68,000 buy at 67,500
        Book(recording, At(16, 31), ask: 67_600, bid: 67_500, "0");
        return [(0, 1, 69_000m, At(15, 25).DateTime), (1, 1, 67_500m, At(16, 30).DateTime)];
    }

    private static (bool, string?) Answer(KisOrderResult r) => (r.IsAccepted, r.Refusal?.MessageCode ?? r.RiskCheck?.ToString());

    private static Dictionary<string, int> Numbers(FirstTradeOrders strategy)
        => strategy.Results.Where(r => r.IsAccepted).Select((r, i) => (r.OrderNumber!, i)).ToDictionary(p => p.Item1, p => p.i);

    /// <summary>Follows the notices into its venue's order book and, at the first trade, buys 1 at each price (69,000 and
    /// 68,000 unless given); then reads the trades to the end (the paper run steps on them).</summary>
    private sealed class FirstTradeOrders(params long[] prices)
    {
        private readonly long[] _prices = prices.Length == 0 ? [69_000, 68_000] : prices;
        private readonly List<KisOrderResult> _results = [];
        private KisOrderBook? _book;
        private long _tradesSeen;

        public long TradesSeen => Interlocked.Read(ref _tradesSeen);

        public IReadOnlyList<KisOrderResult> Results
        {
            get
            {
                lock (_results) return [.. _results];
            }
        }

        /// <summary>Each order as the notices left it in the strategy's book, by its place (its number aside).</summary>
        public List<object> Orders(Dictionary<string, int> index)
            => [.. index.OrderBy(p => p.Value).Select(p => _book!.Tracker.Find(p.Key)!).Select(s => (object)(s.Code, s.Side, s.Quantity, s.Price,
                s.FilledQuantity, s.AveragePrice, s.CancelledQuantity, s.Status, s.LastUpdate))];

        public async Task RunAsync(IKisRealtimeClient data, IKisOrderVenue orders, CancellationToken cancellationToken)
        {
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            _book = orders.Book;
            var following = orders.Book.FollowAsync(data.SubscribeStockNoticesAsync(cancellationToken: stop.Token), stop.Token);
            try
            {
                await foreach (var _ in data.SubscribeStockTradesAsync(Code, cancellationToken: cancellationToken))
                {
                    if (Interlocked.Increment(ref _tradesSeen) > 1) continue;
                    foreach (var price in _prices)
                    {
                        var result = await orders.PlaceAsync(KisOrderRequest.Stock(Code, OrderSide.Buy, 1, price), cancellationToken);
                        lock (_results) _results.Add(result);
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // the paper run stopped from outside
            }
            finally
            {
                stop.Cancel(); // on this thread, as the sample strategy ends its notice loop
                await following;
            }
        }
    }
}
