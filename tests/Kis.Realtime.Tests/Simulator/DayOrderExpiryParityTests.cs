namespace Kis.Realtime.Tests.Simulator;

/// <summary>
/// Issue 73 (leftovers, item 2): a day order ends with the day's order hours of its market, by one rule in the venue
/// core on both venues: what is left of a stock order expires at 15:30 (the closing auction's end), of a day-session
/// future's at 15:45, by the market's time (the recording's stamps). Paper expired at the session's end, the backtest
/// only when the KST date changed: an order inquiry after the hours found the order open in the backtest and expired on
/// paper. A buy rests at 10:00; at a trade after the hours both venues' order rows are compared field by field.
/// </summary>
public sealed class DayOrderExpiryParityTests
{
    /// <summary>An order as the order inquiry reports it (the fields both venues fill; the numbers are each venue's own).</summary>
    private sealed record OrderSeen(string? Original, string Code, OrderSide Side, long Quantity, decimal Price, long Filled,
        decimal AveragePrice, long Remaining, long Cancelled);

    [Theory]
    [InlineData(KisProduct.Stock, "15:35")]
    [InlineData(KisProduct.FuturesOptions, "15:50")]
    public async Task A_resting_order_expires_with_its_markets_order_hours_alike_as_a_backtest_and_on_paper(KisProduct product, string later)
    {
        var stock = product == KisProduct.Stock;
        var code = stock ? VenueParityTests.Code : FuturesVenueParityTests.Code;
        var account = stock ? VenueParityTests.Account : FuturesVenueParityTests.Account;
        var (backtest, paper) = await VenueParity.OnBothAsync<OrderSeen>(OrderHoursParityTests.RecordingUntil(product, later), product, code, account,
            async (orders, nextTrade, into, ct) =>
            {
                var number = ReplayedVenue.Accepted(await orders.PlaceAsync(stock ? KisOrderRequest.Stock(code, OrderSide.Buy, 2, 69_500)
                    : KisOrderRequest.FuturesOptions(code, OrderSide.Buy, 2, 349.50m), ct));
                await nextTrade();
                var row = (await orders.GetOrdersAsync(product, cancellationToken: ct)).Single(r => r.OrderNumber == number);
                into.Add(new OrderSeen(row.OriginalOrderNumber, row.Code, row.Side, row.Quantity, row.Price, row.FilledQuantity,
                    row.AveragePrice, row.RemainingQuantity, row.CancelledQuantity));
            });

        Assert.Equal(backtest, paper);
        var seen = Assert.Single(backtest);
        // KIS's futures/options inquiry names no cancelled quantity (KisOrderRow): what expired shows as nothing left.
        Assert.Equal((0L, 0L, stock ? 2L : 0L), (seen.Filled, seen.Remaining, seen.Cancelled));
    }
}
