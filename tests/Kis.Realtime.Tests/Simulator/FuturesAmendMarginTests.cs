using Kis.Realtime.Simulator;
using Kis.Realtime.Simulator.Trading;
using Parity = Kis.Realtime.Tests.Simulator.FuturesVenueParityTests;

namespace Kis.Realtime.Tests.Simulator;

/// <summary>
/// An amendment that raises a futures order's initial margin is checked against the account, alike in a backtest and on
/// paper (one rule: <c>LedgerAccount.CanAmendMargin</c>, the amended contracts' margin at the new price against the free
/// cash with the original's hold given back). Before, both venues checked an F/O amendment's price only, so an account
/// could hold more margin through amendments than any new order may take. 13 contracts at 349.00 hold 90.74 M KRW of
/// 100 M (8 % of 349 × 250,000 each); amended to 349.50 they need 90.87 M (fits); to 400.00, 104 M (refused, APBK0952).
/// </summary>
public sealed class FuturesAmendMarginTests
{
    [Fact]
    public async Task An_amendment_over_the_free_margin_is_refused_as_a_backtest_and_on_paper_and_one_within_it_is_taken()
    {
        var (dir, rawLog) = ReplayedVenue.Recording(Parity.Recording());
        var backtestAnswers = new List<string>();
        await KisBacktest.RunAsync(new KisRecordingFolder(dir), async (data, orders, ct) =>
        {
            var seen = 0;
            await foreach (var trade in data.SubscribeFuturesTradesAsync(Parity.Code, cancellationToken: ct))
            {
                if (++seen != 1) continue;
                var placed = await orders.PlaceAsync(KisOrderRequest.FuturesOptions(Parity.Code, OrderSide.Buy, 13, 349.00m), ct);
                Assert.True(placed.IsAccepted, placed.Refusal?.ToString());
                var within = await orders.AmendAsync(Amendment(placed.OrderNumber!, 349.50m), ct);
                backtestAnswers.Add(within.IsAccepted ? "0" : within.Refusal!.MessageCode);
                var over = await orders.AmendAsync(Amendment(within.OrderNumber ?? placed.OrderNumber!, 400.00m), ct);
                backtestAnswers.Add(over.IsAccepted ? "0" : over.Refusal!.MessageCode);
            }
        }, new KisBacktestOptions
        {
            Latency = TimeSpan.Zero, Account = new KisAccount(Parity.Account, "03"), StartingCash = PaperVenue.StartingCash,
        }).WaitAsync(SimTestClient.Timeout);

        await using var paper = await ReplayedVenue.StartAsync(rawLog, Parity.Code, frames: 2, tradeTr: "H0IFCNT0");
        var resting = await Parity.PlaceAsync(paper, buy: true, 13, "349.00");
        var within = await Parity.AmendOrCancelAnswerAsync(paper, resting, cancel: false, 13, "349.50");
        var amended = Parity.Number(within);
        var over = await Parity.AmendOrCancelAnswerAsync(paper, amended, cancel: false, 13, "400.00");
        string[] paperAnswers = [Code(within), Code(over)];

        Assert.Equal(["0", "APBK0952"], backtestAnswers);
        Assert.Equal(backtestAnswers, paperAnswers);
        Assert.Equal(13, paper.Venue.View(Parity.Account + "03").Orders.Single(o => o.Number == amended).Remaining); // untouched by the refusal
    }

    private static KisAmendRequest Amendment(string original, decimal price)
        => new() { Product = KisProduct.FuturesOptions, OriginalOrderNumber = original, Quantity = 13, Price = price };

    private static string Code(System.Text.Json.JsonElement answer)
        => answer.GetProperty("rt_cd").GetString() == "0" ? "0" : answer.GetProperty("msg_cd").GetString()!;
}
