using Divisions = Kis.Realtime.Simulator.Hosting.KisOrderDivisions;
using Wire = Kis.Realtime.Internal.KisOrderWire;

namespace Kis.Realtime.Tests.Simulator;

/// <summary>
/// Issue 73: an amendment's order kind (order-rvsecncl's <c>ORD_DVSN</c>, futures/options' <c>ORD_DVSN_CD</c>) is the
/// kind it asks for, on both venues by the venue core's one rule. Paper once kept the original's kind (a limit amended
/// to a market order became a limit at 0, refused <c>APBK0506</c>) where the backtest took the kind asked for. The same
/// scripts (limit → market, market → limit at a price, limit → limit at a new price, a kind the product cannot take
/// here) go once to a backtest and once, through the library's order client, to paper under <c>kisrt sim --replay</c>
/// of the same recording; compared field by field: each call's refusal (code and text) and each accepted order as the
/// venue's order inquiry reports it (quantity, price (0: a market order), filled, average price, left, and cancelled:
/// a stock's; none for futures/options on either venue, as KIS's futures/options inquire-ccnl names none, where the
/// backtest once reported the quantity amended away).
/// </summary>
public sealed class AmendKindParityTests
{
    private const string Code = VenueParityTests.Code, Account = VenueParityTests.Account;
    private static readonly DateTimeOffset T0 = VenueParityTests.T0;

    /// <summary>One call: a placement (<see cref="Amends"/> &lt; 0; <see cref="Price"/> null: a market order) or an amendment
    /// of the script's call <see cref="Amends"/> to <see cref="Kind"/> at <see cref="Price"/> (<see cref="Quantity"/> null:
    /// all that is left).</summary>
    private sealed record Step(long? Quantity, decimal? Price, int Amends = -1, KisOrderKind Kind = KisOrderKind.Limit, bool Buy = true);

    /// <summary>An order as the venue's inquiry reports it.</summary>
    private sealed record OrderSeen(long Quantity, decimal Price, long Filled, decimal AveragePrice, long Remaining, long Cancelled);

    /// <summary>A call's outcome: the refusal's code and text, or the order it made as reported after the script.</summary>
    private sealed record Outcome(string? Code, string? Message, OrderSeen? Order);

    /// <summary>A book of 2 shares a level (asks 70,000 up, bids 69,900 down, 100 KRW apart: 20 shares a side), a trade
    /// at 70,000 over a previous close of 69,000 (limits 48,300..89,700), a last trade later to keep the replay running.</summary>
    internal static byte[] StockRecording() =>
    [
        .. ReplayVenueTests.Line(T0, ReplayVenueTests.Book(T0, ask: 70_000, bid: 69_900, quantity: 2)),
        .. ReplayVenueTests.Line(T0, ReplayVenueTests.Trade(T0, price: 70_000, volume: 5, buyer: true, previousClose: 69_000)),
        .. ReplayVenueTests.Line(T0.AddMinutes(5), ReplayVenueTests.Trade(T0.AddMinutes(5), 70_000, 1, buyer: true, previousClose: 69_000)),
    ];

    private static readonly Step[] StockScript =
    [
        new(5, 69_000), // 0: rests under the bids
        new(null, null, Amends: 0, KisOrderKind.Market), // 1: to a market order: walks the asks (2 @ 70,000, 2 @ 70,100, 1 @ 70,200)
        new(5, 69_000), // 2: rests
        new(null, 69_500, Amends: 2), // 3: a limit at a new price: rests at 69,500
        new(20, null), // 4: a market buy of 20: takes the 15 shares left on the asks, 5 rest
        new(null, 69_000, Amends: 4, KisOrderKind.Limit), // 5: the 5 left of the market order to a limit at 69,000: rests
        new(null, null, Amends: 5, KisOrderKind.BestLimit), // 6: 최유리 (ORD_DVSN 03): a kind the venues do not take
        new(2, 69_100, Amends: 3, KisOrderKind.Limit), // 7: 2 of the 5 at 69,500 to 69,100; 3 stay
    ];

    [Fact]
    public async Task A_stock_amendment_takes_the_kind_it_asks_for_alike_as_a_backtest_and_on_paper()
    {
        var (backtest, paper) = await OnBothVenuesAsync(StockRecording(), KisProduct.Stock, Code, Account, StockScript);

        Compare(StockScript, backtest, paper);
        Assert.Equal([null, null, null, null, null, null, "APBK0505", null], backtest.Select(o => o.Code));
        Assert.Equal(new OrderSeen(5, 0, 5, 70_080, 0, 0), backtest[1].Order); // a market order: no price, filled at once
        Assert.Equal(new OrderSeen(5, 69_500, 0, 0, 3, 2), backtest[3].Order); // 2 amended away by call 7
        Assert.Equal(new OrderSeen(5, 69_000, 0, 0, 5, 0), backtest[5].Order); // a limit now, resting
        Assert.Equal(new OrderSeen(2, 69_100, 0, 0, 2, 0), backtest[7].Order);
        Assert.Contains("BestLimit", backtest[6].Message, StringComparison.Ordinal);
    }

    private static readonly Step[] FuturesScript =
    [
        new(3, 349.00m), // 0: rests under the bid
        new(null, null, Amends: 0, KisOrderKind.Market), // 1: to a market order: takes 3 at the ask, 350.05
        new(2, 349.00m), // 2: rests
        new(null, 349.50m, Amends: 2), // 3: a limit at a new price: rests at 349.50
        new(null, null, Amends: 3, KisOrderKind.BestLimit), // 4: 최유리 (ORD_DVSN_CD 04): a kind the venues do not take
        new(1, 349.95m, Amends: 3), // 5: 1 of the 2 to 349.95
    ];

    /// <summary>Market → limit on a recording of its own (a book quoted one level a side).</summary>
    private static readonly Step[] FuturesMarketScript =
    [
        new(11, null), // 0: a market buy of 11: takes the 10 quoted at 350.05, 1 rests
        new(null, 349.90m, Amends: 0), // 1: the 1 left of the market order to a limit at 349.90: rests
    ];

    /// <summary>A future's book quoted one level a side (350.05 / 350.00, 10 contracts: what paper's feed quote shows and
    /// the backtest's book holds alike), a trade at 350.05, a last trade later. Previous close 350.00.</summary>
    private static byte[] FuturesRecording() =>
    [
        .. ReplayVenueTests.Line(T0, FuturesVenueParityTests.Book(T0, ask: 350.05m, bid: 350.00m, levels: 1)),
        .. ReplayVenueTests.Line(T0, FuturesVenueParityTests.Trade(T0, 350.05m, 2)),
        .. ReplayVenueTests.Line(T0.AddSeconds(4), FuturesVenueParityTests.Trade(T0.AddSeconds(4), 350.00m, 1)),
    ];

    [Fact]
    public async Task A_futures_amendment_takes_the_kind_it_asks_for_alike_as_a_backtest_and_on_paper()
    {
        var (backtest, paper) = await OnBothVenuesAsync(FuturesVenueParityTests.Recording(), KisProduct.FuturesOptions, FuturesVenueParityTests.Code,
            FuturesVenueParityTests.Account, FuturesScript);

        Compare(FuturesScript, backtest, paper);
        Assert.Equal([null, null, null, null, "APBK0505", null], backtest.Select(o => o.Code));
        Assert.Equal(new OrderSeen(3, 0, 3, 350.05m, 0, 0), backtest[1].Order);
        Assert.Equal(new OrderSeen(2, 349.50m, 0, 0, 1, 0), backtest[3].Order);
        Assert.Equal(new OrderSeen(1, 349.95m, 0, 0, 1, 0), backtest[5].Order);
    }

    [Fact]
    public async Task A_futures_market_order_amended_to_a_limit_becomes_one_alike_as_a_backtest_and_on_paper()
    {
        var (backtest, paper) = await OnBothVenuesAsync(FuturesRecording(), KisProduct.FuturesOptions, FuturesVenueParityTests.Code,
            FuturesVenueParityTests.Account, FuturesMarketScript);

        Compare(FuturesMarketScript, backtest, paper);
        Assert.Equal(new OrderSeen(11, 0, 10, 350.05m, 0, 0), backtest[0].Order);
        Assert.Equal(new OrderSeen(1, 349.90m, 0, 0, 1, 0), backtest[1].Order); // a limit now, resting
    }

    private static readonly Step[] OptionScript =
    [
        new(3, 3.40m), // 0: rests under the bid
        new(null, null, Amends: 0, KisOrderKind.Market), // 1: to a market order: no limit known bounds its premium (APBK0505)
        new(null, 3.45m, Amends: 0), // 2: a limit at a new price: rests at 3.45
    ];

    [Fact]
    public async Task An_option_amended_to_a_market_order_is_refused_alike_as_a_backtest_and_on_paper()
    {
        var (backtest, paper) = await OnBothVenuesAsync(OptionsVenueParityTests.Recording(), KisProduct.FuturesOptions, OptionsVenueParityTests.Code,
            OptionsVenueParityTests.Account, OptionScript);

        Compare(OptionScript, backtest, paper);
        Assert.Equal([null, "APBK0505", null], backtest.Select(o => o.Code));
        Assert.Contains("market order's premium has no bound", backtest[1].Message, StringComparison.Ordinal);
        Assert.Equal(new OrderSeen(3, 3.45m, 0, 0, 3, 0), backtest[2].Order);
    }

    /// <summary>The simulator reads every order division the library's client writes as the kind the client meant
    /// (order-rvsecncl carries the amendment's kind only as these codes), and none it does not write.</summary>
    [Fact]
    public void The_simulator_reads_each_order_division_as_the_kind_the_client_sent()
    {
        foreach (var kind in Enum.GetValues<KisOrderKind>())
        {
            Assert.Equal(kind, Divisions.Stock(Wire.StockKindCode(kind)));
            if (Wire.FuturesKindCodes(kind) is { } codes)
                Assert.Equal(kind, Divisions.FuturesOptions(codes.Kind));
        }
        Assert.Equal(10, Enum.GetValues<KisOrderKind>().Count(k => Wire.FuturesKindCodes(k) is not null));
        Assert.Null(Divisions.Stock("99"));
        Assert.Null(Divisions.FuturesOptions("00"));
        Assert.Null(Divisions.Stock(null));
    }

    /// <summary>An average fill price as both venues can show it: a stock's in whole won (paper's inquiry writes KIS's
    /// avg_prvs so; the backtest's is exact), a future's in points.</summary>
    private static decimal Shown(KisProduct product, decimal average) => product == KisProduct.Stock ? decimal.Floor(average) : average;

    private static void Compare(Step[] script, List<Outcome> backtest, List<Outcome> paper)
    {
        Assert.Equal(script.Length, backtest.Count);
        Assert.Equal(script.Length, paper.Count);
        var differences = Enumerable.Range(0, script.Length).Where(i => backtest[i] != paper[i])
            .Select(i => $"call {i} ({script[i]}):\n  backtest {backtest[i]}\n  paper    {paper[i]}").ToList();
        Assert.True(differences.Count == 0, string.Join("\n", differences));
    }

    /// <summary>The script as a backtest over <paramref name="recording"/> (at its first trade of <paramref name="code"/>)
    /// and on paper replaying it: what each venue answered, in order, with the orders as reported after the script.</summary>
    private static Task<(List<Outcome> Backtest, List<Outcome> Paper)> OnBothVenuesAsync(byte[] recording, KisProduct product, string code,
        string account, Step[] script)
        => VenueParity.OnBothAsync<Outcome>(recording, product, code, account,
            (orders, into, ct) => RunScriptAsync(orders, into, product, code, script, ct));

    private static async Task RunScriptAsync(IKisOrderVenue orders, List<Outcome> into, KisProduct product, string code, Step[] script,
        CancellationToken ct)
    {
        var numbers = new string?[script.Length];
        var answers = new List<KisOrderResult>();
        foreach (var (s, i) in script.Select((s, i) => (s, i)))
        {
            var side = s.Buy ? OrderSide.Buy : OrderSide.Sell;
            if (s.Amends >= 0 && numbers[s.Amends] is null)
            {
                answers.Add(new KisOrderResult { Outcome = KisOrderOutcome.Refused, Refusal = new KisRefusal("1", "-", "(its original was refused)", 200) });
                continue;
            }
            var answer = s.Amends < 0
                ? await orders.PlaceAsync(product == KisProduct.Stock ? KisOrderRequest.Stock(code, side, s.Quantity!.Value, s.Price)
                    : KisOrderRequest.FuturesOptions(code, side, s.Quantity!.Value, s.Price), ct)
                : await orders.AmendAsync(new KisAmendRequest
                {
                    Product = product, OriginalOrderNumber = numbers[s.Amends]!, Quantity = s.Quantity, Kind = s.Kind, Price = s.Price ?? 0,
                }, ct);
            Assert.NotEqual(KisOrderOutcome.Unknown, answer.Outcome);
            numbers[i] = answer.IsAccepted ? answer.OrderNumber : null;
            answers.Add(answer);
        }
        // Each accepted call's order as the venue's inquiry reports it once the script is done.
        var rows = await orders.GetOrdersAsync(product, cancellationToken: ct);
        foreach (var (answer, i) in answers.Select((a, i) => (a, i)))
        {
            var row = numbers[i] is { } number ? rows.Single(r => long.Parse(r.OrderNumber, System.Globalization.CultureInfo.InvariantCulture)
                == long.Parse(number, System.Globalization.CultureInfo.InvariantCulture)) : null;
            into.Add(new Outcome(answer.Refusal?.MessageCode, answer.Refusal?.Message, row is null ? null
                : new OrderSeen(row.Quantity, row.Price, row.FilledQuantity, Shown(product, row.AveragePrice), row.RemainingQuantity,
                    row.CancelledQuantity))); // 0 for futures/options on both: KIS's F/O inquire-ccnl names no cancelled quantity
        }
    }
}
