using Kis.Realtime.Samples;
using Kis.Realtime.Simulator;
using Kis.Realtime.Simulator.Trading.Rules;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Backtest;

/// <summary>
/// Issue 43 (3, 4): one strategy (the sample's <see cref="MeanReversionStrategy"/>) over a recording on simulated time,
/// against the simulator's matching engine, with its notices back through the same client; the same orders as the
/// in-process simulator replaying the same recording; the same bytes twice.
/// </summary>
public sealed class BacktestTests
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(60);

    private static KisBacktestOptions BacktestOptions() => new() { HtsId = SimulatorOptions.DefaultHtsId };

    private static async Task<(KisBacktestResult Result, MeanReversionStrategy Strategy)> BacktestAsync(string dir, KisBacktestOptions? options = null)
    {
        var strategy = new MeanReversionStrategy();
        var result = await KisBacktest.RunAsync(new KisRecordingFolder(dir), strategy.RunAsync, options ?? BacktestOptions()).WaitAsync(RunTimeout);
        return (result, strategy);
    }

    private static (string, OrderSide, long, decimal, KisOrderKind) Brief(KisOrderRequest o) => (o.Code, o.Side, o.Quantity, o.Price, o.Kind);

    [Fact]
    public async Task The_sample_strategy_trades_a_recording_and_its_handles_resolve_from_the_backtests_notices()
    {
        var dir = BacktestRecording.Write(Cli.CliTestKit.EmptyDirectory(), 600);
        var (result, strategy) = await BacktestAsync(dir);

        Assert.NotEmpty(strategy.Sent);
        // What the strategy's risk guard let through reached the venue; what it refused never did.
        var passed = strategy.Sent.Zip(strategy.Results).Where(p => p.Second.RiskCheck is null).ToList();
        Assert.Equal(passed.Select(p => Brief(p.First)), result.Orders.Select(o => (o.Code, o.Side, o.Quantity, o.Price, o.Kind)));
        Assert.NotEmpty(result.Fills);
        Assert.All(result.Fills, f => Assert.True(f.Price % 100 == 0 && f.Quantity > 0, f.ToString()));
        // Every accepted order's handle, fed only by the notices the strategy subscribed to, agrees with the fills.
        foreach (var (answer, order) in passed.Select(p => p.Second).Zip(result.Orders))
        {
            if (!answer.IsAccepted)
            {
                Assert.Equal("refused", order.Outcome);
                continue;
            }
            var state = answer.Handle!.State;
            Assert.NotNull(state);
            var filled = result.Fills.Where(f => f.OrderNumber == answer.OrderNumber).Sum(f => f.Quantity);
            Assert.Equal((filled, order.Filled), (state.FilledQuantity, filled));
            // The day's end left nothing working.
            Assert.True(state.IsDone, $"{answer.OrderNumber} {state.Status}");
        }
        Assert.Equal(600, strategy.TradesSeen);
        Assert.Equal(result.Summary.NetProfitLoss + result.Summary.Commission + result.Summary.Tax, result.Summary.GrossProfitLoss);
        Assert.True(result.Summary.Commission > 0 && result.Summary.Turnover > 0);
    }

    [Fact]
    public async Task The_same_recording_backtested_twice_gives_byte_identical_files()
    {
        var dir = BacktestRecording.Write(Cli.CliTestKit.EmptyDirectory(), 600);
        var (first, _) = await BacktestAsync(dir);
        var (second, _) = await BacktestAsync(dir);
        string a = Cli.CliTestKit.EmptyDirectory(), b = Cli.CliTestKit.EmptyDirectory();
        await first.WriteAsync(a);
        await second.WriteAsync(b);
        var files = Directory.GetFiles(a).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["equity.csv", "fills.csv", "orders.csv", "report.html", "summary.json"], files);
        foreach (var file in files) Assert.True(File.ReadAllBytes(Path.Combine(a, file!)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(b, file!))),
            file);
        Assert.True(File.ReadAllLines(Path.Combine(a, "fills.csv")).Length > 1);
    }

    [Fact]
    public async Task Latency_makes_an_order_meet_the_market_later()
    {
        var dir = BacktestRecording.Write(Cli.CliTestKit.EmptyDirectory(), 600);
        var (prompt, promptStrategy) = await BacktestAsync(dir, BacktestOptions() with { Latency = TimeSpan.Zero });
        var (late, lateStrategy) = await BacktestAsync(dir, BacktestOptions() with { Latency = TimeSpan.FromSeconds(2) });
        Assert.All(prompt.Orders, o => Assert.Equal(o.SentAt, o.ArrivedAt));
        Assert.All(late.Orders, o => Assert.Equal(o.SentAt + TimeSpan.FromSeconds(2), o.ArrivedAt));
        // The signals come from the trades alone: the same signals, met by a different market (what it sends depends on what it holds).
        Assert.Equal(promptStrategy.Signals, lateStrategy.Signals);
        Assert.NotEqual(prompt.Fills.Select(f => (f.Time, f.Price)), late.Fills.Select(f => (f.Time, f.Price)));
    }

    [Fact]
    public async Task A_backtest_refuses_orders_over_the_paper_venues_per_order_caps()
    {
        // Issue 42 item 9: the backtest checks stock orders by the paper venue's StockRules, caps included (it had none:
        // these were refused for cash, or taken).
        var dir = BacktestRecording.Write(Cli.CliTestKit.EmptyDirectory(), 50);
        var answers = new List<KisOrderResult>();
        var result = await KisBacktest.RunAsync(new KisRecordingFolder(dir), async (data, orders, ct) =>
        {
            await foreach (var trade in data.SubscribeStockTradesAsync("005930", cancellationToken: ct))
            {
                var price = (long)trade.Price;
                answers.Add(await orders.PlaceAsync(KisOrderRequest.Stock("005930", OrderSide.Buy, StockRules.MaxStockQuantity + 1, price), ct));
                answers.Add(await orders.PlaceAsync(KisOrderRequest.Stock("005930", OrderSide.Buy, StockRules.MaxStockOrderValue / price + 1, price), ct));
                break;
            }
        }, BacktestOptions()).WaitAsync(RunTimeout);

        Assert.Equal(2, answers.Count);
        Assert.All(answers, a => Assert.Equal("APBK0507", a.Refusal?.MessageCode));
        Assert.Contains("shares an order", answers[0].Refusal!.Message, StringComparison.Ordinal);
        Assert.Contains("KRW an order", answers[1].Refusal!.Message, StringComparison.Ordinal);
        Assert.All(result.Orders, o => Assert.Equal("refused", o.Outcome));
    }

    [Fact]
    public async Task Cancelling_an_order_number_the_day_never_gave_is_refused_and_the_real_one_still_cancels()
    {
        // A careless strategy: numbers before the first, past the last, far past a list's range, not a number. The venue
        // finds order n at n - 1 of its list: none of these may reach another order or throw.
        var dir = BacktestRecording.Write(Cli.CliTestKit.EmptyDirectory(), 50);
        var refusals = new List<string?>();
        KisOrderResult? real = null;
        var result = await KisBacktest.RunAsync(new KisRecordingFolder(dir), async (data, orders, ct) =>
        {
            await foreach (var trade in data.SubscribeStockTradesAsync("005930", cancellationToken: ct))
            {
                // Far under the market: it rests.
                var placed = await orders.PlaceAsync(KisOrderRequest.Stock("005930", OrderSide.Buy, 1, (long)trade.Price - 2_000), ct); // 20 ticks under
                foreach (var number in new[] { "0", "2", "99999999999", "4294967297", "-1", "x" })
                    refusals.Add((await orders.CancelAsync(new KisCancelRequest { Product = KisProduct.Stock, OriginalOrderNumber = number }, ct))
                        .Refusal?.MessageCode);
                real = await orders.CancelAsync(new KisCancelRequest { Product = KisProduct.Stock, OriginalOrderNumber = placed.OrderNumber! }, ct);
                break;
            }
        }, BacktestOptions()).WaitAsync(RunTimeout);

        Assert.Equal(Enumerable.Repeat<string?>("APBK0915", 6), refusals);
        Assert.Equal(KisOrderOutcome.Accepted, real?.Outcome);
        Assert.Equal(1, result.Orders[0].Cancelled); // the placement, cancelled by the real number
    }

    [Fact]
    public async Task The_sample_strategy_places_the_same_orders_in_a_backtest_and_against_the_simulator_replaying_the_recording()
    {
        const int trades = 600;
        var dir = BacktestRecording.Write(Cli.CliTestKit.EmptyDirectory(), trades);
        var (_, backtest) = await BacktestAsync(dir);
        Assert.NotEmpty(backtest.Sent);

        // The simulator serves the same raw.log to the strategy's session once it holds both subscriptions (notices and
        // trades), with no market of its own; its paper venue takes the orders and fills them from the replayed recording
        // (issue 55, item 6), but flat out (ReplaySpeed 0) the replay runs ahead of the strategy, so where they fill differs
        // from the backtest's, which changes no decision of this strategy.
        await using var sim = await StartSimAsync(o => o with
        {
            ReplayFile = BacktestRecording.RawLog(dir), ReplaySpeed = 0, ReplayStartAfterSubscriptions = 2, Pace = MarketPace.Off,
            RandomNotices = false, Profile = SimulatorProfile.Real,
        });
        await using var client = new KisRealtimeClient(Options(sim));
        using var orders = new KisOrderClient(new KisOrderOptions
        {
            Credential = DefaultCredential, Account = new KisAccount("50123456", "01"), RestBaseUrl = sim.RestBaseUrl, Environment = KisEnvironment.Real,
        });
        var live = new MeanReversionStrategy();
        using var stop = new CancellationTokenSource();
        var run = live.RunAsync(client, orders, stop.Token);
        await UntilAsync(() => live.TradesSeen == trades && live.Results.Count == live.Sent.Count, $"the live strategy reading all {trades} trades",
            RunTimeout);
        await stop.CancelAsync();
        await run.WaitAsync(TestTimeout);

        // The same signals from the same trades; what each venue filled decides what was sent after them.
        Assert.NotEmpty(backtest.Signals);
        Assert.Equal(backtest.Signals, live.Signals);
    }
}
