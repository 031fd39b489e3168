using System.Globalization;
using Kis.Realtime.Simulator;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Simulator;

/// <summary>
/// Issue 73: a KRX index option on both venues. The same recording of a KOSPI200 call's trades (H0IOCNT0) and books
/// (H0IOASP0) and the same order script as a backtest (latency 0) and on paper under <c>kisrt sim --replay</c> through the
/// library's order client (KIS's domestic-futureoption REST calls): paper once refused every option order
/// <c>APBK0918</c> where the backtest took it at a limit. Compared field by field: each call's refusal (code and text) or
/// buying power, and each accepted order's contracts filled, value, commission and tax, and the position left.
/// </summary>
public sealed class OptionsVenueParityTests
{
    internal const string Code = "201W9350", Account = FuturesVenueParityTests.Account;
    private static readonly DateTimeOffset T0 = VenueParityTests.T0;
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(90);

    /// <summary>Previous close 3.50 points (KRX's option grid: 0.01 under a 10-point premium, 0.05 from 10). A book
    /// (3.55 / 3.50, 10 a level, 0.01 apart) and a trade at 3.55; a seller through 3.49 (3.48); a new book (3.62 / 3.59);
    /// a buyer through 3.61 (3.63); a last trade.</summary>
    internal static byte[] Recording() =>
    [
        .. ReplayVenueTests.Line(T0, Book(T0, ask: 3.55m, bid: 3.50m)),
        .. ReplayVenueTests.Line(T0, Trade(T0, 3.55m, 2)),
        .. ReplayVenueTests.Line(T0.AddSeconds(1), Trade(T0.AddSeconds(1), 3.48m, 30)),
        .. ReplayVenueTests.Line(T0.AddSeconds(2), Book(T0.AddSeconds(2), ask: 3.62m, bid: 3.59m)),
        .. ReplayVenueTests.Line(T0.AddSeconds(3), Trade(T0.AddSeconds(3), 3.63m, 20)),
        .. ReplayVenueTests.Line(T0.AddSeconds(4), Trade(T0.AddSeconds(4), 3.50m, 1)),
    ];

    /// <summary>One call: a placement (<see cref="Price"/> null: a market order), an amendment of the script's call
    /// <see cref="Amends"/>, or a buying-power inquiry (0: a market order's).</summary>
    private sealed record Step(bool Buy, long Quantity, decimal? Price, int Amends = -1, bool Power = false);

    private static readonly Step[] Script =
    [
        new(Buy: true, 1, null), // 0: a market order: no limit known bounds its premium (APBK0505)
        new(Buy: true, 1, 10.03m), // 1: off the 0.05 grid from 10 points (APBK0506)
        new(Buy: true, 200, 3.40m), // 2: 170 M KRW of premium: over the 100 M free (APBK0952)
        new(Buy: true, 3, 3.56m), // 3: takes 3 at 3.55
        new(Buy: true, 5, 3.50m), // 4: rests behind the bid
        new(Buy: true, 5, 3.49m, Amends: 4), // 5: amended to 3.49: filled by the seller through it
        new(Buy: false, 2, 3.61m), // 6: closes 2 of the 3 held; filled by the buyer through it
        new(Buy: false, 2, 10.02m, Amends: 6), // 7: amended off the 0.05 grid from 10 points (APBK0506)
        new(Buy: true, 0, 3.50m, Power: true), // 8: the contracts a buy at 3.50 may carry
        new(Buy: false, 0, 0m, Power: true), // 9: a market sale's: only what it closes
    ];

    /// <summary>A call's outcome as the strategy reads it: the order number (accepted), the refusal, or the buying power.</summary>
    private sealed record Outcome(string? Number, string? Code, string? Message, KisBuyingPower? Power = null);

    [Fact]
    public async Task The_same_option_orders_are_taken_refused_and_filled_alike_as_a_backtest_and_on_paper_under_replay()
    {
        var (dir, rawLog) = ReplayedVenue.Recording(Recording());
        var backtest = new List<Outcome>();
        var result = await KisBacktest.RunAsync(new KisRecordingFolder(dir), async (data, orders, ct) =>
        {
            await foreach (var trade in data.SubscribeOptionsTradesAsync(Code, cancellationToken: ct))
            {
                await RunScriptAsync(orders, backtest, ct);
                return;
            }
        }, new KisBacktestOptions { Latency = TimeSpan.Zero, Account = new KisAccount(Account, "03") }).WaitAsync(Generous);

        await using var replay = await ReplayedVenue.StartAsync(rawLog, Code, frames: 2, tradeTr: "H0IOCNT0");
        using var client = new KisOrderClient(new KisOrderOptions
        {
            Credential = DefaultCredential, Account = new KisAccount(Account, "01"), FuturesAccount = new KisAccount(Account, "03"),
            RestBaseUrl = replay.Sim.RestBaseUrl, Environment = KisEnvironment.Real,
        });
        var paper = new List<Outcome>();
        using var cts = new CancellationTokenSource(Generous);
        await RunScriptAsync(client, paper, cts.Token);

        // Refusals and buying power: one code and one text, call by call.
        Assert.Equal(Script.Length, backtest.Count);
        var differences = Enumerable.Range(0, Script.Length).Where(i => backtest[i] with { Number = null } != paper[i] with { Number = null })
            .Select(i => $"call {i} ({Script[i]}):\n  backtest {backtest[i]}\n  paper    {paper[i]}").ToList();
        Assert.True(differences.Count == 0, string.Join("\n", differences));
        Assert.Equal(["APBK0505", "APBK0506", "APBK0952", null, null, null, null, "APBK0506", null, null], backtest.Select(o => o.Code));

        // The rest of the recording: the resting orders fill from its trades on both venues.
        replay.Clock.Advance(TimeSpan.FromSeconds(5));
        await replay.Sim.ReplayCompletion.WaitAsync(SimTestClient.Timeout);
        var view = () => replay.Venue.View(Account + "03");
        var sell = long.Parse(paper[6].Number!, CultureInfo.InvariantCulture);
        await Sim.UntilAsync(() => view().Orders.Single(o => o.Number == sell).Filled == 2);

        // Each accepted order (by the script's call): contracts filled, their value in hundredths, commission and tax.
        var accepted = new[] { 3, 4, 5, 6 };
        var backtestOrders = accepted.Select(i =>
        {
            var fills = result.Fills.Where(f => f.OrderNumber == backtest[i].Number).ToList();
            return (fills.Sum(f => f.Quantity), (long)fills.Sum(f => f.Quantity * f.Price * 100), fills.Sum(f => f.Commission), fills.Sum(f => f.Tax));
        }).ToList();
        var paperOrders = accepted.Select(i => view().Orders.Single(o => o.Number == long.Parse(paper[i].Number!, CultureInfo.InvariantCulture)))
            .Select(o => (o.Filled, o.FilledValue, o.Commission, o.Tax)).ToList();
        Assert.Equal(backtestOrders, paperOrders);
        Assert.Equal([3L, 0, 5, 2], backtestOrders.Select(o => o.Item1));
        Assert.Equal([355L * 3, 0, 349 * 5, 361 * 2], backtestOrders.Select(o => o.Item2));
        Assert.Equal((6L, 6L), (result.Fills[^1].Position, view().Positions.Single(p => p.Code == Code).Quantity));
        Assert.Equal((long)decimal.Floor(result.Summary.EndingCash), view().Cash);
    }

    private static async Task RunScriptAsync(IKisOrderVenue orders, List<Outcome> into, CancellationToken ct)
    {
        foreach (var s in Script)
        {
            var side = s.Buy ? OrderSide.Buy : OrderSide.Sell;
            if (s.Power)
            {
                into.Add(new Outcome(null, null, null, await orders.GetBuyingPowerAsync(KisProduct.FuturesOptions, Code, side, s.Price!.Value, ct)));
                continue;
            }
            KisOrderResult answer;
            if (s.Amends < 0) answer = await orders.PlaceAsync(KisOrderRequest.FuturesOptions(Code, side, s.Quantity, s.Price), ct);
            else if (into[s.Amends].Number is not { } original)
            {
                into.Add(new Outcome(null, "(its original was refused)", null));
                continue;
            }
            else
            {
                answer = await orders.AmendAsync(new KisAmendRequest
                {
                    Product = KisProduct.FuturesOptions, OriginalOrderNumber = original, Quantity = s.Quantity, Price = s.Price!.Value,
                }, ct);
            }
            Assert.NotEqual(KisOrderOutcome.Unknown, answer.Outcome);
            into.Add(new Outcome(answer.OrderNumber, answer.Refusal?.MessageCode, answer.Refusal?.Message));
        }
    }

    /// <summary>A KOSPI200 option's trade frame (H0IOCNT0): price and change in points (previous close 3.50), contracts.</summary>
    private static byte[] Trade(DateTimeOffset at, decimal price, long volume)
        => VenueParity.DerivativeTrade(KisTrs.H0IOCNT0, "optn", Code, at, price, previousClose: 3.50m, volume);

    /// <summary>An option's five-level book frame (H0IOASP0): 10 contracts a level, levels 0.01 apart from the touch.</summary>
    private static byte[] Book(DateTimeOffset at, decimal ask, decimal bid)
        => VenueParity.DerivativeBook(KisTrs.H0IOASP0, "optn", Code, at, ask, bid, step: 0.01m);
}
