using System.Globalization;
using System.Text.Json;
using Kis.Realtime.Simulator;
using Kis.Realtime.Simulator.Trading;

namespace Kis.Realtime.Tests.Simulator;

/// <summary>
/// Issue 73, finding 7: a KRX ETF (069500 KODEX 200) is not a stock to the venues. Its sale pays no securities
/// transaction tax, and its tick is 5 KRW at every price (KRX's stock bands would make it 50 KRW at 35,000). The same
/// recording and the same orders, once as a backtest and once on paper under <c>kisrt sim --replay</c>, with a stock
/// (005930) beside it that keeps the stock rules.
/// </summary>
public sealed class EtfVenueParityTests
{
    private const string Etf = "069500", Stock = VenueParityTests.Code, Account = VenueParityTests.Account;
    private static readonly DateTimeOffset T0 = VenueParityTests.T0;

    /// <summary>A book and a trade of the stock, then of the ETF (its book's touch <paramref name="etfAsk"/> / 35,000),
    /// at one instant; a last trade later, so the replay is still running while the orders are sent.</summary>
    private static byte[] Recording(long etfAsk) =>
    [
        .. ReplayVenueTests.Line(T0, ReplayVenueTests.Book(T0, ask: 70_000, bid: 69_900, quantity: 100)),
        .. ReplayVenueTests.Line(T0, ReplayVenueTests.Trade(T0, price: 70_000, volume: 5, buyer: true, previousClose: 69_000)),
        .. ReplayVenueTests.Line(T0, ReplayVenueTests.Book(T0, ask: etfAsk, bid: 35_000, quantity: 100, code: Etf)),
        .. ReplayVenueTests.Line(T0, ReplayVenueTests.Trade(T0, price: 35_000, volume: 5, buyer: false, previousClose: 35_000, code: Etf)),
        .. ReplayVenueTests.Line(T0.AddMinutes(5), ReplayVenueTests.Trade(T0.AddMinutes(5), 35_000, 1, buyer: true, previousClose: 35_000, code: Etf)),
    ];

    /// <summary>One order of a script: a placement, or an amendment of the script's order <see cref="Amends"/> (0-based).</summary>
    private sealed record Step(string Code, bool Buy, long Quantity, long Price, int Amends = -1);

    [Fact]
    public async Task An_etf_sale_pays_no_tax_and_a_stock_sale_the_stock_rate_alike_as_a_backtest_and_on_paper()
    {
        // The ETF's prices are on the stock grid too (50 KRW at 35,000): only the tax is at stake here.
        Step[] script =
        [
            new(Etf, Buy: true, 10, 35_050), new(Stock, Buy: true, 10, 70_000),
            new(Etf, Buy: false, 10, 35_000), new(Stock, Buy: false, 10, 69_900),
        ];
        var (backtest, paper) = await RunBothAsync(Recording(etfAsk: 35_050), script);

        Assert.Equal(backtest.Select(b => b.Refusal), paper.Select(p => p.Refusal));
        Assert.All(backtest, b => Assert.Null(b.Refusal));
        // Field by field: filled, value, commission and tax of each order.
        Assert.Equal(backtest.Select(b => b.Costs), paper.Select(p => p.Costs));
        Assert.Equal((10L, 350_000L, 0m), (backtest[2].Costs.Filled, backtest[2].Costs.Value, backtest[2].Costs.Tax));
        Assert.Equal(10m * 69_900 * KisTradingCosts.DefaultSellTaxRate, backtest[3].Costs.Tax);
        Assert.True(backtest[2].Costs.Commission > 0); // the ETF still pays commission
    }

    [Fact]
    public async Task An_etf_limit_on_the_5_won_grid_is_taken_and_one_off_it_refused_alike_as_a_backtest_and_on_paper()
    {
        // 35,005 and 34,995 are on the ETF's 5-won grid, not on the stock band's 50-won one; 35,003 and 34,997 are on neither.
        Step[] script =
        [
            new(Etf, Buy: true, 10, 35_005), new(Etf, Buy: true, 1, 35_003), new(Etf, Buy: true, 1, 34_900),
            new(Etf, Buy: true, 1, 34_995, Amends: 2), new(Etf, Buy: true, 1, 34_997, Amends: 3), new(Stock, Buy: true, 1, 70_005),
        ];
        var (backtest, paper) = await RunBothAsync(Recording(etfAsk: 35_005), script);

        Assert.Equal(backtest.Select(b => b.Refusal), paper.Select(p => p.Refusal));
        Assert.Equal([null, "APBK0506", null, null, "APBK0506", "APBK0506"], backtest.Select(b => b.Refusal));
        Assert.Equal(backtest.Select(b => b.Costs), paper.Select(p => p.Costs));
        Assert.Equal((10L, 350_050L), (backtest[0].Costs.Filled, backtest[0].Costs.Value));
    }

    /// <summary>An order's outcome: its refusal's code (null when taken) and, when taken, what it filled and paid.</summary>
    private sealed record Outcome(string? Refusal, (long Filled, long Value, decimal Commission, decimal Tax) Costs);

    /// <summary>The script as a backtest (at the ETF's first trade, no latency) and on paper (once the replay has sent every
    /// frame up to that trade).</summary>
    private static async Task<(List<Outcome> Backtest, List<Outcome> Paper)> RunBothAsync(byte[] recording, Step[] script)
    {
        var (dir, rawLog) = ReplayedVenue.Recording(recording);
        var numbers = new string?[script.Length];
        var refusals = new string?[script.Length];
        var result = await KisBacktest.RunAsync(new KisRecordingFolder(dir), async (data, orders, ct) =>
        {
            // The venue follows what the strategy subscribes to: the stock's trades from the start, the ETF's from the stock's trade.
            await foreach (var stockTrade in data.SubscribeStockTradesAsync(Stock, cancellationToken: ct))
            await foreach (var trade in data.SubscribeStockTradesAsync(Etf, cancellationToken: ct))
            {
                for (var i = 0; i < script.Length; i++)
                {
                    var s = script[i];
                    var answer = s.Amends < 0
                        ? await orders.PlaceAsync(KisOrderRequest.Stock(s.Code, s.Buy ? OrderSide.Buy : OrderSide.Sell, s.Quantity, s.Price), ct)
                        : await orders.AmendAsync(new KisAmendRequest
                        {
                            Product = KisProduct.Stock, OriginalOrderNumber = numbers[s.Amends]!, Quantity = s.Quantity, Price = s.Price,
                        }, ct);
                    (numbers[i], refusals[i]) = (answer.OrderNumber, answer.Refusal?.MessageCode);
                }
                return;
            }
        }, new KisBacktestOptions { Latency = TimeSpan.Zero }).WaitAsync(SimTestClient.Timeout);
        var backtest = script.Select((_, i) => new Outcome(refusals[i], refusals[i] is not null ? default : BacktestCosts(result, numbers[i]!))).ToList();

        // Every frame at the first instant (both books and both trades): the replay counts a frame as sent to a session
        // whatever it subscribed, so after one frame only the stock's book was certain to have moved the market, and a
        // loaded machine placed the first order before the ETF's trade (APBK0918, no trade yet, on paper only).
        await using var replay = await ReplayedVenue.StartAsync(rawLog, Etf, frames: 4);
        var paperNumbers = new long[script.Length];
        var paper = new List<Outcome>();
        for (var i = 0; i < script.Length; i++)
        {
            var (refusal, number) = await PaperAsync(replay, script[i], script[i].Amends < 0 ? 0 : paperNumbers[script[i].Amends]);
            paperNumbers[i] = number;
            paper.Add(new Outcome(refusal, refusal is not null ? default : PaperCosts(replay.Venue, number)));
        }
        return (backtest, paper);
    }

    private static (long, long, decimal, decimal) BacktestCosts(KisBacktestResult result, string number)
    {
        var fills = result.Fills.Where(f => f.OrderNumber == number).ToList();
        return (fills.Sum(f => f.Quantity), (long)fills.Sum(f => f.Quantity * f.Price), fills.Sum(f => f.Commission), fills.Sum(f => f.Tax));
    }

    private static (long, long, decimal, decimal) PaperCosts(PaperVenue venue, long number)
    {
        var order = venue.View(Account + "01").Orders.Single(o => o.Number == number);
        return (order.Filled, order.FilledValue, order.Commission, order.Tax);
    }

    /// <summary>A step through KIS's REST calls (order-cash, or order-rvsecncl for an amendment of <paramref name="original"/>):
    /// the refusal's msg_cd (null when taken) and the order's number.</summary>
    private static async Task<(string? Refusal, long Number)> PaperAsync(ReplayedVenue replay, Step s, long original)
    {
        JsonElement answer;
        if (s.Amends < 0)
            answer = await PaperVenueTests.PostAsync(replay.Sim, replay.Token, "/uapi/domestic-stock/v1/trading/order-cash", s.Buy ? "TTTC0012U" : "TTTC0011U",
                PaperVenueTests.Buy(s.Price, s.Quantity, Account, s.Code));
        else
            answer = await PaperVenueTests.PostAsync(replay.Sim, replay.Token, "/uapi/domestic-stock/v1/trading/order-rvsecncl", "TTTC0013U", new()
            {
                ["CANO"] = Account, ["ACNT_PRDT_CD"] = "01", ["KRX_FWDG_ORD_ORGNO"] = "00950",
                ["ORGN_ODNO"] = original.ToString("D10", CultureInfo.InvariantCulture), ["ORD_DVSN"] = "00", ["RVSE_CNCL_DVSN_CD"] = "01",
                ["ORD_QTY"] = s.Quantity.ToString(CultureInfo.InvariantCulture), ["ORD_UNPR"] = s.Price.ToString(CultureInfo.InvariantCulture),
                ["QTY_ALL_ORD_YN"] = "N", ["EXCG_ID_DVSN_CD"] = "KRX",
            });
        if (answer.GetProperty("rt_cd").GetString() != "0") return (answer.GetProperty("msg_cd").GetString(), 0);
        return (null, long.Parse(answer.GetProperty("output").GetProperty("ODNO").GetString()!, CultureInfo.InvariantCulture));
    }
}
