using Kis.Realtime.Simulator.Rules;
using Kis.Realtime.Simulator;
using Kis.Realtime.Simulator.Trading.Rules;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Backtest;

/// <summary>
/// Issue 43 (3): KRX futures/options orders in a backtest, over recorded H0IFCNT0/H0IFASP0 and H0IOCNT0/H0IOASP0, matched
/// by the same engine as stocks and checked by the paper venue's <see cref="FuturesOptionRules"/>; P&amp;L in KRW through
/// the contract multiplier; the notices (H0IFCNI0) resolve the strategy's handles.
/// </summary>
public sealed class BacktestFuturesTests
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(60);

    private static KisBacktestOptions BacktestOptions() => new() { HtsId = SimulatorOptions.DefaultHtsId, Latency = TimeSpan.Zero };

    /// <summary>
    /// Reads the future's books; at the <paramref name="buyAt"/>th it buys above the touch and at the
    /// <paramref name="sellAt"/>th sells below it (both marketable), keeping the book each order met.
    /// </summary>
    private sealed class TouchTaker(int buyAt, int sellAt, long quantity = 2)
    {
        public readonly List<(KisOrderResult Result, decimal Touch, DerivativesOrderBook Book)> Orders = [];
        public readonly List<KisOrderState?> Final = [];

        public async Task RunAsync(IKisRealtimeClient data, IKisOrderVenue venue, CancellationToken ct)
        {
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var following = venue.Book.FollowAsync(data.SubscribeFuturesOptionsNoticesAsync(cancellationToken: stop.Token), stop.Token);
            var n = 0;
            await foreach (var book in data.SubscribeDerivativesOrderBooksAsync(DerivativesRecording.Future, cancellationToken: ct))
            {
                n++;
                if (n != buyAt && n != sellAt) continue;
                var buy = n == buyAt;
                var touch = buy ? book.Asks[0].Price : book.Bids[0].Price;
                var limit = buy ? touch + 0.25m : touch - 0.25m;
                var order = KisOrderRequest.FuturesOptions(DerivativesRecording.Future, buy ? OrderSide.Buy : OrderSide.Sell, quantity, limit);
                var result = await venue.PlaceAsync(order, ct);
                Orders.Add((result, touch, book));
            }
            stop.Cancel();
            await following;
            Final.AddRange(Orders.Select(o => o.Result.Handle?.State));
        }
    }

    private static async Task<KisBacktestResult> RunAsync(string dir, Func<IKisRealtimeClient, IKisOrderVenue, CancellationToken, Task> strategy,
        KisBacktestOptions? options = null)
        => await KisBacktest.RunAsync(new KisRecordingFolder(dir), strategy, options ?? BacktestOptions()).WaitAsync(RunTimeout);

    [Fact]
    public async Task A_futures_order_is_taken_and_fills_at_the_recorded_book_never_better()
    {
        var dir = DerivativesRecording.Write(Cli.CliTestKit.EmptyDirectory(), 200);
        var strategy = new TouchTaker(buyAt: 10, sellAt: 60);
        var result = await RunAsync(dir, strategy.RunAsync);

        Assert.Equal(2, strategy.Orders.Count);
        Assert.All(strategy.Orders, o => Assert.True(o.Result.IsAccepted, o.Result.Refusal?.ToString()));
        var (buy, sell) = (strategy.Orders[0], strategy.Orders[1]);
        // Marketable beyond the touch, yet filled at the book's own prices: a buy at the ask, a sell at the bid, no better.
        var buyFills = result.Fills.Where(f => f.OrderNumber == buy.Result.OrderNumber).ToList();
        var sellFills = result.Fills.Where(f => f.OrderNumber == sell.Result.OrderNumber).ToList();
        Assert.Equal(2, buyFills.Sum(f => f.Quantity));
        Assert.Equal(2, sellFills.Sum(f => f.Quantity));
        Assert.Equal(buy.Touch, buyFills[0].Price);
        Assert.Equal(sell.Touch, sellFills[0].Price);
        Assert.All(buyFills, f => Assert.True(f.Price >= buy.Touch && f.Liquidity == "taker", f.ToString()));
        Assert.All(sellFills, f => Assert.True(f.Price <= sell.Touch && f.Liquidity == "taker", f.ToString()));
        // No securities transaction tax on futures; commission at the futures rate on the contracts' value (× 250,000 KRW a point).
        Assert.All(result.Fills, f => Assert.Equal(0m, f.Tax));
        Assert.All(result.Fills, f => Assert.Equal(f.Quantity * f.Price * 250_000m * KisBacktestOptions.DefaultFuturesCommissionRate, f.Commission));
        // Opening takes no cash (margin is held, not paid); closing settles the P&L in KRW.
        var commission = result.Fills.Sum(f => f.Commission);
        var pnl = (sellFills.Sum(f => f.Quantity * f.Price) - buyFills.Sum(f => f.Quantity * f.Price)) * 250_000m;
        Assert.Equal(BacktestOptions().StartingCash - buyFills.Sum(f => f.Commission), buyFills[^1].Cash);
        Assert.Equal(2, buyFills[^1].Position);
        Assert.Equal(0, sellFills[^1].Position);
        Assert.Equal(pnl - commission, result.Summary.NetProfitLoss);
        Assert.Equal(BacktestOptions().StartingCash + pnl - commission, result.Summary.EndingCash);
        Assert.Equal(pnl, result.Summary.GrossProfitLoss);
        // The handles, fed only by the backtest's H0IFCNI0 notices, say filled.
        Assert.All(strategy.Final, s => Assert.True(s is { IsDone: true, FilledQuantity: 2 }, s?.ToString()));
    }

    [Theory]
    [InlineData("101W9000", 35_000, 5)]   // KOSPI200 futures: 0.05 point
    [InlineData("105W9000", 35_000, 2)]   // mini KOSPI200 futures: 0.02
    [InlineData("106W9000", 130_000, 10)] // KOSDAQ150 futures: 0.10
    [InlineData("201W9350", 999, 1)]      // KOSPI200 options: 0.01 under a 10-point premium
    [InlineData("301W9350", 1_000, 5)]    // 0.05 from 10
    [InlineData("205W9350", 299, 1)]      // mini KOSPI200 options: 0.01 under 3
    [InlineData("205W9350", 300, 2)]      // 0.02 under 10
    [InlineData("305W9350", 1_000, 5)]    // 0.05 from 10
    [InlineData("206W9350", 100, 0)]      // KOSDAQ150 options: not priced by these rules
    [InlineData("111W9000", 100, 0)]      // a stock future: not priced
    [InlineData("005930", 70_000, 0)]     // a stock
    public void The_rules_know_KRXs_tick_of_the_products_a_backtest_takes(string code, long hundredths, long tick)
        => Assert.Equal(tick, KrxRules.DerivativeTick(code, hundredths));

    [Fact]
    public void A_futures_daily_limit_is_twenty_percent_either_side_on_the_grid()
    {
        Assert.Equal((28_000L, 42_000L), KrxRules.FuturesDailyLimits(35_000, 5));
        // 80 % of 350.05 is 280.04: up to 280.05; 120 % is 420.06: down to 420.05.
        Assert.Equal((28_005L, 42_005L), KrxRules.FuturesDailyLimits(35_005, 5));
    }

    [Fact]
    public async Task Futures_orders_are_checked_by_the_paper_venues_futures_rules()
    {
        var dir = DerivativesRecording.Write(Cli.CliTestKit.EmptyDirectory(), 40);
        var answers = new List<KisOrderResult>();
        await RunAsync(dir, async (data, venue, ct) =>
        {
            await foreach (var trade in data.SubscribeFuturesTradesAsync(DerivativesRecording.Future, cancellationToken: ct))
            {
                async Task Place(long quantity, decimal price) =>
                    answers.Add(await venue.PlaceAsync(KisOrderRequest.FuturesOptions(DerivativesRecording.Future, OrderSide.Buy, quantity, price), ct));
                await Place(1, trade.Price + 0.01m);                                  // off the 0.05 grid
                await Place(1, DerivativesRecording.FuturePreviousClose * 1.25m);     // beyond the ±20 % limit
                await Place(FuturesOptionRules.MaxContractsPerOrder + 1, trade.Price); // over the per-order cap
                await Place(100, trade.Price);                                        // margin 100 × 350 × 250,000 × 8 % = 700 M KRW
                break;
            }
        });
        Assert.Equal(["APBK0506", "APBK0510", "APBK0507", "APBK0952"], answers.Select(a => a.Refusal?.MessageCode));
    }

    [Fact]
    public async Task An_option_is_taken_at_its_premium_grid_and_its_pnl_uses_the_multiplier()
    {
        var dir = DerivativesRecording.Write(Cli.CliTestKit.EmptyDirectory(), 200);
        var seen = new List<decimal>();
        var answers = new List<KisOrderResult>();
        var result = await RunAsync(dir, async (data, venue, ct) =>
        {
            await foreach (var book in data.SubscribeDerivativesOrderBooksAsync(DerivativesRecording.Option, DerivativesMarket.IndexOptions, ct))
            {
                seen.Add(book.Asks[0].Price);
                if (seen.Count is not (5 or 40)) continue;
                var buy = seen.Count == 5;
                answers.Add(await venue.PlaceAsync(KisOrderRequest.FuturesOptions(DerivativesRecording.Option, buy ? OrderSide.Buy : OrderSide.Sell, 3,
                    buy ? book.Asks[0].Price : book.Bids[0].Price), ct));
            }
        });
        Assert.Equal(2, answers.Count);
        Assert.All(answers, a => Assert.True(a.IsAccepted, a.Refusal?.ToString()));
        Assert.Equal(6, result.Fills.Where(f => f.Code == DerivativesRecording.Option).Sum(f => f.Quantity));
        var bought = result.Fills.Where(f => f.Side == OrderSide.Buy).Sum(f => f.Quantity * f.Price);
        var sold = result.Fills.Where(f => f.Side == OrderSide.Sell).Sum(f => f.Quantity * f.Price);
        Assert.Equal((sold - bought) * 250_000m, result.Summary.GrossProfitLoss);
        Assert.All(result.Fills, f => Assert.Equal(f.Quantity * f.Price * 250_000m * KisBacktestOptions.DefaultOptionsCommissionRate, f.Commission));
    }

    /// <summary>Trades the future long and short (every 15th book, alternating sides, 2-4 contracts, at the touch) and the
    /// option (every 10th of its books, 1 contract): realized and open P&amp;L both ways.</summary>
    private static async Task FlipAsync(IKisRealtimeClient data, IKisOrderVenue venue, CancellationToken ct)
    {
        async Task Trade(string code, DerivativesMarket market, int every, Func<int, long> quantity)
        {
            var n = 0;
            await foreach (var book in data.SubscribeDerivativesOrderBooksAsync(code, market, ct))
            {
                if (++n % every != 0) continue;
                var buy = n / every % 2 == 1;
                await venue.PlaceAsync(KisOrderRequest.FuturesOptions(code, buy ? OrderSide.Buy : OrderSide.Sell, quantity(n / every),
                    buy ? book.Asks[0].Price : book.Bids[0].Price), ct);
            }
        }
        await Task.WhenAll(Trade(DerivativesRecording.Future, DerivativesMarket.IndexFutures, 15, k => 2 + k % 3),
            Trade(DerivativesRecording.Option, DerivativesMarket.IndexOptions, 10, _ => 1));
    }

    [Cli.BarsPandasCrossCheckTests.PandasFact]
    public async Task The_pandas_recomputation_of_a_futures_day_from_its_fills_equals_the_pnl_and_the_costs()
    {
        var dir = DerivativesRecording.Write(Cli.CliTestKit.EmptyDirectory(), 600);
        var result = await RunAsync(dir, FlipAsync);
        Assert.True(result.Fills.Count(f => f.Code == DerivativesRecording.Future) > 10, "too few futures fills to check");
        Assert.Contains(result.Fills, f => f.Code == DerivativesRecording.Future && f.Position < 0); // short too
        Assert.Contains(result.Fills, f => f.Code == DerivativesRecording.Option);
        var output = Cli.CliTestKit.EmptyDirectory();
        await result.WriteAsync(output);
        var script = Path.Combine(Cli.BarsPandasCrossCheckTests.RepoRoot(), "tools", "backtest-check", "backtest_check.py");
        using var p = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(Cli.BarsPandasCrossCheckTests.Python!, [script, output])
        {
            RedirectStandardError = true, RedirectStandardOutput = true,
        })!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));
        Assert.True(p.ExitCode == 0, $"backtest_check.py exit {p.ExitCode}: {await stdout} {await stderr}");
        Assert.Contains("\"problems\": []", await stdout);
    }

    [Fact]
    public async Task A_resting_futures_order_is_amended_cancelled_listed_and_a_fill_is_in_the_balance_in_points()
    {
        var dir = DerivativesRecording.Write(Cli.CliTestKit.EmptyDirectory(), 100);
        IReadOnlyList<KisOrderRow> futuresRows = [], stockRows = [];
        KisOrderResult? placed = null, amended = null, cancelled = null, bought = null;
        KisBalance? balance = null;
        KisBuyingPower? power = null;
        decimal amendedTo = 0;
        await RunAsync(dir, async (data, venue, ct) =>
        {
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var following = venue.Book.FollowAsync(data.SubscribeFuturesOptionsNoticesAsync(cancellationToken: stop.Token), stop.Token);
            var n = 0;
            await foreach (var book in data.SubscribeDerivativesOrderBooksAsync(DerivativesRecording.Future, cancellationToken: ct))
            {
                n++;
                var bid = book.Bids[0].Price;
                // Far below the market (20 and 10 ticks): nothing reaches them in the two books they wait.
                if (n == 5) placed = await venue.PlaceAsync(KisOrderRequest.FuturesOptions(DerivativesRecording.Future, OrderSide.Buy, 2, bid - 1.00m), ct);
                else if (n == 6)
                    amended = await venue.AmendAsync(new KisAmendRequest
                    {
                        Product = KisProduct.FuturesOptions, OriginalOrderNumber = placed!.OrderNumber!, Price = amendedTo = bid - 0.50m,
                    }, ct);
                else if (n == 7)
                {
                    futuresRows = await venue.GetOrdersAsync(KisProduct.FuturesOptions, cancellationToken: ct);
                    stockRows = await venue.GetOrdersAsync(KisProduct.Stock, cancellationToken: ct);
                    cancelled = await venue.CancelAsync(
                        new KisCancelRequest { Product = KisProduct.FuturesOptions, OriginalOrderNumber = amended!.OrderNumber! }, ct);
                }
                else if (n == 8)
                    bought = await venue.PlaceAsync(KisOrderRequest.FuturesOptions(DerivativesRecording.Future, OrderSide.Buy, 3, book.Asks[0].Price), ct);
                else if (n == 9)
                {
                    balance = await venue.GetBalanceAsync(KisProduct.FuturesOptions, ct);
                    power = await venue.GetBuyingPowerAsync(KisProduct.FuturesOptions, DerivativesRecording.Future, OrderSide.Sell, bid, ct);
                }
            }
            stop.Cancel();
            await following;
        });
        Assert.All(new[] { placed, amended, cancelled, bought }, r => Assert.True(r is { IsAccepted: true }, r?.Refusal?.ToString()));
        Assert.Empty(stockRows);
        var amendment = Assert.Single(futuresRows, r => r.RemainingQuantity > 0);
        Assert.Equal((KisProduct.FuturesOptions, amendedTo, 2L, amended!.OrderNumber),
            (amendment.Product, amendment.Price, amendment.Quantity, amendment.OrderNumber));
        Assert.Equal(KisOrderStatus.Cancelled, amended.Handle!.State!.Status);
        var position = Assert.Single(balance!.Positions);
        Assert.Equal((DerivativesRecording.Future, 3L), (position.Code, position.Quantity));
        Assert.True(position.AveragePrice is > 300 and < 400, position.ToString()); // points, not hundredths
        // A sell may close the 3 contracts and open as many more as the margin allows (8 % of 250,000 KRW a point).
        Assert.True(power!.Quantity > 3 && power.Quantity <= FuturesOptionRules.MaxContractsPerOrder, power.ToString());
    }

    /// <summary>Decides from the future's trades alone (every <paramref name="every"/>th trade, alternately buying and selling one
    /// contract at its price): the same orders wherever the trades come from.</summary>
    private sealed class EveryNthTrade(int every)
    {
        private readonly List<KisOrderRequest> _sent = [];
        private readonly List<KisOrderResult> _results = [];
        private long _trades;

        public long TradesSeen => Interlocked.Read(ref _trades);

        public IReadOnlyList<KisOrderRequest> Sent
        {
            get
            {
                lock (_sent) return [.. _sent];
            }
        }

        public int Answered
        {
            get
            {
                lock (_sent) return _results.Count;
            }
        }

        public async Task RunAsync(IKisRealtimeClient data, IKisOrderVenue venue, CancellationToken ct)
        {
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var following = venue.Book.FollowAsync(data.SubscribeFuturesOptionsNoticesAsync(cancellationToken: stop.Token), stop.Token);
            try
            {
                await foreach (var trade in data.SubscribeFuturesTradesAsync(DerivativesRecording.Future, cancellationToken: ct))
                {
                    var n = Interlocked.Increment(ref _trades);
                    if (n % every != 0) continue;
                    var side = n / every % 2 == 1 ? OrderSide.Buy : OrderSide.Sell;
                    var order = KisOrderRequest.FuturesOptions(DerivativesRecording.Future, side, 1, trade.Price);
                    lock (_sent) _sent.Add(order);
                    var result = await venue.PlaceAsync(order, ct);
                    lock (_sent) _results.Add(result);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                // Stopped from outside (the live run).
            }
            finally
            {
                stop.Cancel();
                await following;
            }
        }
    }

    [Fact]
    public async Task A_futures_strategy_places_the_same_orders_in_a_backtest_and_against_the_simulator_replaying_the_recording()
    {
        const int trades = 300;
        var dir = DerivativesRecording.Write(Cli.CliTestKit.EmptyDirectory(), trades);
        var backtest = new EveryNthTrade(20);
        var result = await RunAsync(dir, backtest.RunAsync);
        Assert.Equal(trades / 20, backtest.Sent.Count);
        Assert.Contains(result.Orders, o => o.Outcome == "accepted");

        // As BacktestTests' stock case: the simulator serves the same raw.log once the strategy holds both subscriptions
        // (notices and trades); under a replay its paper venue refuses futures/options orders (it trades the recording's
        // stocks only), which changes no decision of this strategy.
        await using var sim = await StartSimAsync(o => o with
        {
            ReplayFile = DerivativesRecording.RawLog(dir), ReplaySpeed = 0, ReplayStartAfterSubscriptions = 2, Pace = MarketPace.Off,
            RandomNotices = false, Profile = SimulatorProfile.Real,
        });
        await using var client = new KisRealtimeClient(Options(sim));
        using var orders = new KisOrderClient(new KisOrderOptions
        {
            Credential = DefaultCredential, Account = new KisAccount("50123456", "03"), RestBaseUrl = sim.RestBaseUrl, Environment = KisEnvironment.Real,
        });
        var live = new EveryNthTrade(20);
        using var stop = new CancellationTokenSource();
        var run = live.RunAsync(client, orders, stop.Token);
        await UntilAsync(() => live.TradesSeen == trades && live.Answered == live.Sent.Count, $"the live strategy reading all {trades} trades", RunTimeout);
        await stop.CancelAsync();
        await run.WaitAsync(TestTimeout);

        static (string, OrderSide, long, decimal, KisOrderKind) Brief(KisOrderRequest o) => (o.Code, o.Side, o.Quantity, o.Price, o.Kind);
        Assert.Equal(backtest.Sent.Select(Brief), live.Sent.Select(Brief));
    }

    [Fact]
    public async Task The_same_futures_day_backtested_twice_gives_byte_identical_files()
    {
        var dir = DerivativesRecording.Write(Cli.CliTestKit.EmptyDirectory(), 300);
        string a = Cli.CliTestKit.EmptyDirectory(), b = Cli.CliTestKit.EmptyDirectory();
        await (await RunAsync(dir, FlipAsync)).WriteAsync(a);
        await (await RunAsync(dir, FlipAsync)).WriteAsync(b);
        var files = Directory.GetFiles(a).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(5, files.Count);
        foreach (var file in files)
            Assert.True(File.ReadAllBytes(Path.Combine(a, file!)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(b, file!))), file);
        Assert.True(File.ReadAllLines(Path.Combine(a, "fills.csv")).Length > 10);
    }
}
