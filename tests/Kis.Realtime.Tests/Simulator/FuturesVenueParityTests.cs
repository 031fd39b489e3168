using System.Globalization;
using Kis.Realtime.Simulator;
using Kis.Realtime.Simulator.Backtest;
using Kis.Realtime.Simulator.Market;
using Kis.Realtime.Simulator.Trading;
using Kis.Realtime.Simulator.Trading.Rules;

namespace Kis.Realtime.Tests.Simulator;

/// <summary>
/// Issue 55: where the two venues meet for KRX index futures. One recording of a future's trades (H0IFCNT0) and books
/// (H0IFASP0), one order script (a marketable buy, a resting buy amended to a lower price and filled by a later trade, a
/// buy cancelled, a sell closing the position) as a backtest (latency 0) and on paper under <c>kisrt sim --replay</c>
/// (KIS's domestic-futureoption REST calls), compared field by field: fills (order, contracts, price in points, time),
/// commission and tax per order, the free cash (what open positions' and orders' margin leaves) at two points, the ending
/// cash and position, and the H0IFCNI0 notices decoded as <see cref="FuturesOptionsNotice"/>. By design and asserted:
/// each venue numbers its own orders (compared by first appearance); the backtest keeps exact cash, paper shows it
/// rounded down to the won; the account holder (field 17) and the product name differ (a backtest has no instrument
/// master: "backtest" and the code; paper: "김한국" and the simulator's name).
/// </summary>
public sealed class FuturesVenueParityTests
{
    internal const string Code = "101W3000", Account = "60123456";

    /// <summary>10:00:00 KST on a Wednesday: KRX's day session.</summary>
    private static readonly DateTimeOffset T0 = VenueParityTests.T0;

    /// <summary>A book (350.05 / 350.00, 10 contracts a level, 0.05 apart) and a trade at 350.05; a seller through 349.95
    /// (349.90); a new book (350.20 / 350.15); a buyer through 350.30 (350.40); a last trade. Previous close 350.00.</summary>
    internal static byte[] Recording(string code = Code) =>
    [
        .. ReplayVenueTests.Line(T0, Book(T0, ask: 350.05m, bid: 350.00m, code: code)),
        .. ReplayVenueTests.Line(T0, Trade(T0, 350.05m, 2, code)),
        .. ReplayVenueTests.Line(T0.AddSeconds(1), Trade(T0.AddSeconds(1), 349.90m, 30, code)),
        .. ReplayVenueTests.Line(T0.AddSeconds(2), Book(T0.AddSeconds(2), ask: 350.20m, bid: 350.15m, code: code)),
        .. ReplayVenueTests.Line(T0.AddSeconds(3), Trade(T0.AddSeconds(3), 350.40m, 20, code)),
        .. ReplayVenueTests.Line(T0.AddSeconds(4), Trade(T0.AddSeconds(4), 350.00m, 1, code)),
    ];

    [Fact]
    public async Task The_same_futures_orders_fill_settle_and_notify_alike_as_a_backtest_and_on_paper_under_replay()
    {
        var (dir, rawLog) = ReplayedVenue.Recording(Recording());

        // The backtest: at the first trade a buy of 3 at 350.10 (takes 3 at 350.05), a buy of 5 at 350.00 amended to 5 at
        // 349.95, a buy of 4 at 349.00 cancelled; at the second trade (the 5 filled at 349.95) a sell of 8 at 350.30.
        var backtestNotices = new List<FuturesOptionsNotice>();
        var backtestFree = new List<decimal>();
        var backtest = await KisBacktest.RunAsync(new KisRecordingFolder(dir), async (data, orders, ct) =>
        {
            var collecting = ReplayedVenue.Collect(data.SubscribeFuturesOptionsNoticesAsync(cancellationToken: ct), backtestNotices);
            var seen = 0;
            await foreach (var trade in data.SubscribeFuturesTradesAsync(Code, cancellationToken: ct))
            {
                if (++seen == 1)
                {
                    ReplayedVenue.Accepted(await orders.PlaceAsync(KisOrderRequest.FuturesOptions(Code, OrderSide.Buy, 3, 350.10m), ct));
                    var resting = ReplayedVenue.Accepted(await orders.PlaceAsync(KisOrderRequest.FuturesOptions(Code, OrderSide.Buy, 5, 350.00m), ct));
                    ReplayedVenue.Accepted(await orders.AmendAsync(new KisAmendRequest
                    {
                        Product = KisProduct.FuturesOptions, OriginalOrderNumber = resting, Quantity = 5, Price = 349.95m,
                    }, ct));
                    var far = ReplayedVenue.Accepted(await orders.PlaceAsync(KisOrderRequest.FuturesOptions(Code, OrderSide.Buy, 4, 349.00m), ct));
                    ReplayedVenue.Accepted(await orders.CancelAsync(new KisCancelRequest
                    {
                        Product = KisProduct.FuturesOptions, OriginalOrderNumber = far, Quantity = 4,
                    }, ct));
                    backtestFree.Add(((BacktestVenue)orders).FreeCash()); // KIS's inquire-psbl-order names no cash: the venue's own
                }
                else if (seen == 2)
                {
                    ReplayedVenue.Accepted(await orders.PlaceAsync(KisOrderRequest.FuturesOptions(Code, OrderSide.Sell, 8, 350.30m), ct));
                    backtestFree.Add(((BacktestVenue)orders).FreeCash()); // KIS's inquire-psbl-order names no cash: the venue's own
                }
            }
            await collecting; // the notice subscription ends last, at the end of data
        }, new KisBacktestOptions
        {
            Latency = TimeSpan.Zero, HtsId = SimulatorOptions.DefaultHtsId, Account = new KisAccount(Account, "03"),
        }).WaitAsync(SimTestClient.Timeout);

        // Paper: the same raw.log replayed by the simulator, the same orders through KIS's REST calls at the same points.
        await using var paper = await ReplayedVenue.StartAsync(rawLog, Code, frames: 2, tradeTr: "H0IFCNT0");
        var venue = paper.Venue;
        using var notices = await paper.SubscribeNoticesAsync<FuturesOptionsNotice>("H0IFCNI0", FuturesOptionsNotice.TryDecode);
        var numbers = new long[6]; // by placement: buy, resting buy, its amendment, far buy, its cancel, sell
        numbers[0] = await PlaceAsync(paper, buy: true, 3, "350.10");
        numbers[1] = await PlaceAsync(paper, buy: true, 5, "350.00");
        numbers[2] = await AmendOrCancelAsync(paper, numbers[1], cancel: false, 5, "349.95");
        numbers[3] = await PlaceAsync(paper, buy: true, 4, "349.00");
        numbers[4] = await AmendOrCancelAsync(paper, numbers[3], cancel: true, 4, "0");
        long[] paperFree = [venue.View(Account + "03").FreeCash, 0];
        paper.Clock.Advance(TimeSpan.FromSeconds(1));
        await Sim.UntilAsync(() => Order(venue, numbers[2]).Filled == 5);
        numbers[5] = await PlaceAsync(paper, buy: false, 8, "350.30");
        paperFree[1] = venue.View(Account + "03").FreeCash;
        paper.Clock.Advance(TimeSpan.FromSeconds(3));
        await paper.Sim.ReplayCompletion.WaitAsync(SimTestClient.Timeout);
        await Sim.UntilAsync(() => Order(venue, numbers[5]).Filled == 8);
        var paperNotices = await notices.ReadAsync(backtestNotices.Count);

        // Fills: which order (by placement), contracts, price in points, market time.
        var backtestFills = backtest.Fills.Select(f => (Placed: long.Parse(f.OrderNumber, CultureInfo.InvariantCulture) - 1, f.Quantity, f.Price,
            f.Time.ToOffset(T0.Offset).DateTime)).ToList();
        Assert.Equal([(0L, 3L, 350.05m, T0.DateTime), (2, 5, 349.95m, T0.AddSeconds(1).DateTime), (5, 8, 350.30m, T0.AddSeconds(3).DateTime)],
            backtestFills);
        Assert.Equal(backtestFills, paperNotices.Where(n => n.Kind == NoticeKind.Fill).Select(n => ((long)Array.IndexOf(numbers,
            long.Parse(n.OrderNumber, CultureInfo.InvariantCulture)), n.Quantity, n.Price, T0.Date + n.Time.ToTimeSpan())).ToList());

        // Commission (futures rate on the contracts' value) and tax (none) per order, and the value filled (hundredths on paper).
        var view = venue.View(Account + "03");
        for (var placed = 0; placed < numbers.Length; placed++)
        {
            var order = view.Orders.Single(o => o.Number == numbers[placed]);
            var fills = backtest.Fills.Where(f => long.Parse(f.OrderNumber, CultureInfo.InvariantCulture) == placed + 1).ToList();
            Assert.Equal((fills.Sum(f => f.Commission), fills.Sum(f => f.Tax)), (order.Commission, order.Tax));
            Assert.Equal(fills.Sum(f => f.Quantity * f.Price * 100), order.FilledValue);
        }
        Assert.All(backtest.Fills, f => Assert.Equal(f.Quantity * f.Price * 250_000m * KisBacktestOptions.DefaultFuturesCommissionRate, f.Commission));

        // Margin: the cash left free after the opening orders and after the closing sell (exact vs rounded down to the won).
        Assert.Equal(backtestFree.Select(c => (long)decimal.Floor(c)), paperFree);
        Assert.True(paperFree[0] < PaperVenue.StartingCash - 50_000_000, "8 open contracts hold about 70 M KRW of margin");
        // Cash: exact in the backtest, rounded down on paper; the P&L of (0.25 × 3 + 0.35 × 5) points × 250,000 KRW less costs.
        var commission = backtest.Fills.Sum(f => f.Commission);
        Assert.Equal(backtest.Summary.StartingCash + 625_000m - commission, backtest.Summary.EndingCash);
        Assert.Equal((long)decimal.Floor(backtest.Summary.EndingCash), view.Cash);
        Assert.Equal((0L, 0L), (backtest.Fills[^1].Position, view.Positions.Single(p => p.Code == Code).Quantity));
        Assert.Equal(625_000L * 100 / 250_000, view.Positions.Single(p => p.Code == Code).Realized); // hundredths × contracts

        // Notices: the same kinds in the same order, every field the same but the by-design ones.
        Assert.Equal(
            [
                NoticeKind.OrderAccepted, NoticeKind.Fill, NoticeKind.OrderAccepted, NoticeKind.AmendAccepted, NoticeKind.OrderAccepted,
                NoticeKind.CancelAccepted, NoticeKind.Fill, NoticeKind.OrderAccepted, NoticeKind.Fill,
            ], backtestNotices.Select(n => n.Kind));
        Assert.All(backtestNotices, n => Assert.Equal(("backtest", Code), (n.AccountName, n.ProductName)));
        Assert.All(paperNotices, n => Assert.Equal((NoticeStream.Customer, GenericStream.DerivativeName(Code)), (n.AccountName, n.ProductName)));
        Assert.Equal(Comparable(backtestNotices), Comparable(paperNotices));
    }

    [Fact]
    public async Task Under_replay_a_future_and_an_option_wait_for_their_first_replayed_trade()
    {
        // A book alone at 10:00:00, the first trade a second later: before it the future's limits are unknown, and the
        // option is never traded (APBK0918, as the backtest answers: OptionsVenueParityTests trades one).
        var (_, rawLog) = ReplayedVenue.Recording(
        [
            .. ReplayVenueTests.Line(T0, Book(T0, ask: 350.05m, bid: 350.00m)),
            .. ReplayVenueTests.Line(T0.AddSeconds(1), Trade(T0.AddSeconds(1), 350.05m, 2)),
            .. ReplayVenueTests.Line(T0.AddSeconds(2), Trade(T0.AddSeconds(2), 350.05m, 1)),
        ]);
        await using var paper = await ReplayedVenue.StartAsync(rawLog, Code, frames: 1, tradeTr: "H0IFCNT0");
        Assert.Equal(("1", "APBK0918"), Refusal(await PostOrderAsync(paper, Code, "350.00")));
        Assert.Equal(("1", "APBK0918"), Refusal(await PostOrderAsync(paper, "201W9350", "3.50")));
        paper.Clock.Advance(TimeSpan.FromSeconds(1));
        await Sim.UntilAsync(() => paper.Sim.Counters.ReplayFramesSent >= 2);
        var accepted = await PostOrderAsync(paper, Code, "350.00");
        Assert.True(accepted.GetProperty("rt_cd").GetString() == "0", accepted.ToString());
        Assert.Equal(("1", "APBK0510"), Refusal(await PostOrderAsync(paper, Code, "430.00"))); // over the future's daily limit (+20 %: 420.00)
    }

    internal static (string, string) Refusal(System.Text.Json.JsonElement answer)
        => (answer.GetProperty("rt_cd").GetString()!, answer.GetProperty("msg_cd").GetString()!);

    /// <summary>Every field but the by-design differences: order numbers as their first appearance, no holder or name.</summary>
    private static List<FuturesOptionsNotice> Comparable(List<FuturesOptionsNotice> notices)
    {
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        string Ordinal(string number)
            => number.Length == 0 ? "" : seen.TryGetValue(number, out var o) ? o : seen[number] = seen.Count.ToString(CultureInfo.InvariantCulture);
        return [.. notices.Select(n => n with
        {
            OrderNumber = Ordinal(n.OrderNumber), OriginalOrderNumber = Ordinal(n.OriginalOrderNumber), AccountName = "", ProductName = "",
        })];
    }

    /// <summary>A KRX index future's trade frame (H0IFCNT0): price and change in points, contracts; previous close 350.00.</summary>
    internal static byte[] Trade(DateTimeOffset at, decimal price, long volume, string code = Code)
        => VenueParity.DerivativeTrade(KisTrs.H0IFCNT0, "futs", code, at, price, previousClose: 350.00m, volume);

    /// <summary>A future's five-level book frame (H0IFASP0) stamped <paramref name="at"/>: 10 contracts a level, levels 0.05 apart
    /// from the touch (<paramref name="levels"/> of them quoted, the others empty).</summary>
    internal static byte[] Book(DateTimeOffset at, decimal ask, decimal bid, string code = Code, int levels = 5)
        => VenueParity.DerivativeBook(KisTrs.H0IFASP0, "futs", code, at, ask, bid, step: 0.05m, levels);

    /// <summary>A limit order through domestic-futureoption order, as KIS's sample builds it; its order number.</summary>
    internal static async Task<long> PlaceAsync(ReplayedVenue paper, bool buy, long quantity, string price)
        => Number(await PostOrderAsync(paper, Code, price, buy, quantity));

    internal static Task<System.Text.Json.JsonElement> PostOrderAsync(ReplayedVenue paper, string code, string price, bool buy = true, long quantity = 1)
        => PaperVenueTests.PostAsync(paper.Sim, paper.Token, "/uapi/domestic-futureoption/v1/trading/order", "TTTO1101U", new()
        {
            ["ORD_PRCS_DVSN_CD"] = "02", ["CANO"] = Account, ["ACNT_PRDT_CD"] = "03", ["SLL_BUY_DVSN_CD"] = buy ? "02" : "01", ["SHTN_PDNO"] = code,
            ["ORD_QTY"] = quantity.ToString(CultureInfo.InvariantCulture), ["UNIT_PRICE"] = price, ["NMPR_TYPE_CD"] = "01",
            ["KRX_NMPR_CNDT_CD"] = "0", ["ORD_DVSN_CD"] = "01", ["CTAC_TLNO"] = "", ["FUOP_ITEM_DVSN_CD"] = "",
        });

    /// <summary>An amendment (to <paramref name="price"/>) or a cancel of <paramref name="quantity"/> contracts through
    /// domestic-futureoption order-rvsecncl; KIS's answer.</summary>
    internal static Task<System.Text.Json.JsonElement> AmendOrCancelAnswerAsync(ReplayedVenue paper, long original, bool cancel, long quantity, string price)
        => PaperVenueTests.PostAsync(paper.Sim, paper.Token, "/uapi/domestic-futureoption/v1/trading/order-rvsecncl", "TTTO1103U", new()
        {
            ["ORD_PRCS_DVSN_CD"] = "02", ["CANO"] = Account, ["ACNT_PRDT_CD"] = "03", ["RVSE_CNCL_DVSN_CD"] = cancel ? "02" : "01",
            ["ORGN_ODNO"] = original.ToString("D10", CultureInfo.InvariantCulture), ["ORD_QTY"] = quantity.ToString(CultureInfo.InvariantCulture),
            ["UNIT_PRICE"] = price, ["NMPR_TYPE_CD"] = "01", ["KRX_NMPR_CNDT_CD"] = "0", ["RMN_QTY_YN"] = "N", ["ORD_DVSN_CD"] = "01",
            ["FUOP_ITEM_DVSN_CD"] = "",
        });

    /// <summary><see cref="AmendOrCancelAnswerAsync"/>, accepted: the number of the amendment's or cancel's own order.</summary>
    private static async Task<long> AmendOrCancelAsync(ReplayedVenue paper, long original, bool cancel, long quantity, string price)
        => Number(await AmendOrCancelAnswerAsync(paper, original, cancel, quantity, price));

    internal static long Number(System.Text.Json.JsonElement answer)
    {
        Assert.True(answer.GetProperty("rt_cd").GetString() == "0", answer.GetProperty("msg1").GetString());
        return long.Parse(answer.GetProperty("output").GetProperty("ODNO").GetString()!, CultureInfo.InvariantCulture);
    }

    private static PaperOrderSnapshot Order(PaperVenue venue, long number) => venue.View(Account + "03").Orders.Single(o => o.Number == number);
}
