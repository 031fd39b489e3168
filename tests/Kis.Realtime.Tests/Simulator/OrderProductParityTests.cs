using Kis.Realtime.Simulator.Trading;

namespace Kis.Realtime.Tests.Simulator;

/// <summary>
/// Issue 73 (one pre-trade check, drivers only translate): an amendment or cancel names its original by number within
/// its product. A futures/options amendment or cancel naming a stock order's number is refused <c>APBK0915</c> (no such
/// order of this product), alike as a backtest and on paper, and the stock order stays open. The backtest once looked
/// the number up across products: a futures cancel cancelled the stock order that paper kept.
/// </summary>
public sealed class OrderProductParityTests
{
    private sealed record Outcome(bool Accepted, string? Code, string? Message);

    [Fact]
    public async Task A_futures_amendment_or_cancel_naming_a_stock_order_is_refused_alike_as_a_backtest_and_on_paper()
    {
        const string code = VenueParityTests.Code;
        var (backtest, paper) = await VenueParity.OnBothAsync<Outcome>(AmendKindParityTests.StockRecording(), KisProduct.Stock, code,
            VenueParityTests.Account, async (orders, into, ct) =>
            {
                var number = ReplayedVenue.Accepted(await orders.PlaceAsync(KisOrderRequest.Stock(code, OrderSide.Buy, 2, 69_000), ct));
                var wrongProduct = new Func<Task<KisOrderResult>>[]
                {
                    () => orders.AmendAsync(new KisAmendRequest
                    {
                        Product = KisProduct.FuturesOptions, OriginalOrderNumber = number, Price = 349.50m, Branch = PaperVenue.Branch,
                    }, ct),
                    () => orders.CancelAsync(new KisCancelRequest
                    {
                        Product = KisProduct.FuturesOptions, OriginalOrderNumber = number, Branch = PaperVenue.Branch,
                    }, ct),
                };
                foreach (var call in wrongProduct)
                {
                    var answer = await call();
                    into.Add(new Outcome(answer.IsAccepted, answer.Refusal?.MessageCode, answer.Refusal?.Message));
                }
                // The stock order is untouched: still open with all of its 2 shares.
                var row = (await orders.GetOrdersAsync(KisProduct.Stock, cancellationToken: ct)).Single(r => r.OrderNumber == number);
                into.Add(new Outcome(row.RemainingQuantity == 2 && row.CancelledQuantity == 0, null, null));
            });

        Assert.Equal(backtest, paper);
        Assert.Equal(3, backtest.Count);
        Assert.All(backtest.Take(2), o => Assert.Equal((false, "APBK0915"), (o.Accepted, o.Code)));
        Assert.True(backtest[2].Accepted, "the stock order stays open");
    }
}
