using Kis.Realtime.Simulator;
using Kis.Realtime.Simulator.Trading.Rules;

namespace Kis.Realtime.Tests.Backtest;

/// <summary>
/// Issue 43 (3): KRX futures/options orders in a backtest, over recorded H0IFCNT0/H0IFASP0 and H0IOCNT0/H0IOASP0, matched
/// by the same engine as stocks and checked by the paper venue's <see cref="FuturesOptionRules"/>; P&amp;L in KRW through
/// the contract multiplier; the notices (H0IFCNI0) resolve the strategy's handles.
/// </summary>
public sealed class BacktestFuturesTests
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(60);

    private static KisBacktestOptions Options() => new() { HtsId = SimulatorOptions.DefaultHtsId, Latency = TimeSpan.Zero };

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
        => await KisBacktest.RunAsync(new KisRecordingFolder(dir), strategy, options ?? Options()).WaitAsync(RunTimeout);

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
        Assert.Equal(Options().StartingCash - buyFills.Sum(f => f.Commission), buyFills[^1].Cash);
        Assert.Equal(2, buyFills[^1].Position);
        Assert.Equal(0, sellFills[^1].Position);
        Assert.Equal(pnl - commission, result.Summary.NetProfitLoss);
        Assert.Equal(Options().StartingCash + pnl - commission, result.Summary.EndingCash);
        Assert.Equal(pnl, result.Summary.GrossProfitLoss);
        // The handles, fed only by the backtest's H0IFCNI0 notices, say filled.
        Assert.All(strategy.Final, s => Assert.True(s is { IsDone: true, FilledQuantity: 2 }, s?.ToString()));
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
