using Kis.Realtime.Simulator;

namespace Kis.Realtime.Tests.Backtest;

/// <summary>
/// Issue 55, items 1 and 8: an amendment or partial cancel names how many of what is left it concerns. The paper venue
/// refuses none, fewer than none or more than is left (APBK0507); the backtest took the smaller of what was asked and
/// what was left, so 0 made an empty amendment, -5 gave the order five more shares, and 1,000 of 4 cancelled the 4:
/// the same calls were refused on paper and accepted in the backtest. Both now ask the one rule (ProductRules).
/// </summary>
public sealed class BacktestAmendQuantityTests
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task An_amendment_or_partial_cancel_of_none_fewer_or_more_than_is_left_is_refused_as_on_paper()
    {
        var dir = BacktestRecording.Write(Cli.CliTestKit.EmptyDirectory(), 50);
        var refusals = new List<string?>();
        KisOrderResult? amended = null, cancelled = null;
        var result = await KisBacktest.RunAsync(new KisRecordingFolder(dir), async (data, orders, ct) =>
        {
            await foreach (var trade in data.SubscribeStockTradesAsync("005930", cancellationToken: ct))
            {
                var price = (long)trade.Price - 2_000; // 20 ticks under: it rests
                var placed = await orders.PlaceAsync(KisOrderRequest.Stock("005930", OrderSide.Buy, 4, price), ct);
                foreach (var quantity in new long[] { 0, -5, 5, 1L << 55 })
                {
                    refusals.Add((await orders.AmendAsync(new KisAmendRequest
                    {
                        Product = KisProduct.Stock, OriginalOrderNumber = placed.OrderNumber!, Quantity = quantity, Price = price,
                    }, ct)).Refusal?.MessageCode);
                    refusals.Add((await orders.CancelAsync(new KisCancelRequest
                    {
                        Product = KisProduct.Stock, OriginalOrderNumber = placed.OrderNumber!, Quantity = quantity,
                    }, ct)).Refusal?.MessageCode);
                }
                amended = await orders.AmendAsync(new KisAmendRequest
                {
                    Product = KisProduct.Stock, OriginalOrderNumber = placed.OrderNumber!, Quantity = 3, Price = price - 100,
                }, ct);
                cancelled = await orders.CancelAsync(new KisCancelRequest { Product = KisProduct.Stock, OriginalOrderNumber = placed.OrderNumber! }, ct);
                break;
            }
        }, new KisBacktestOptions { HtsId = SimulatorOptions.DefaultHtsId }).WaitAsync(RunTimeout);

        Assert.Equal(Enumerable.Repeat<string?>("APBK0507", 8), refusals);
        Assert.Equal(KisOrderOutcome.Accepted, amended?.Outcome);
        Assert.Equal(KisOrderOutcome.Accepted, cancelled?.Outcome);
        var placement = result.Orders[0];
        Assert.Equal((4L, 0L, 4L), (placement.Quantity, placement.Filled, placement.Cancelled)); // 3 amended away, 1 cancelled
        Assert.Equal(3, result.Orders.Single(o => o.Action == "amend" && o.Outcome == "accepted").Quantity);
    }
}
