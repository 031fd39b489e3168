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
        var (backtest, paper) = await VenueParity.AfterRestingBuyAsync<OrderSeen>(product, later,
            async (orders, number, into, ct) =>
            {
                var row = (await orders.GetOrdersAsync(product, cancellationToken: ct)).Single(r => r.OrderNumber == number);
                into.Add(new OrderSeen(row.OriginalOrderNumber, row.Code, row.Side, row.Quantity, row.Price, row.FilledQuantity,
                    row.AveragePrice, row.RemainingQuantity, row.CancelledQuantity));
            });

        Assert.Equal(backtest, paper);
        var seen = Assert.Single(backtest);
        // KIS's futures/options inquiry names no cancelled quantity (KisOrderRow): what expired shows as nothing left.
        Assert.Equal((0L, 0L, stock ? 2L : 0L), (seen.Filled, seen.Remaining, seen.Cancelled));
    }

    /// <summary>
    /// The closing print reaches what rests till the close, on both venues, though another record stamped 15:30:00 came
    /// first: the recording's stamps are whole seconds, and a second record of one second is placed a few milliseconds
    /// into it by its receive time. The backtest once expired the order at that record (market time past 15:30:00.000)
    /// before the print it was stamped with could fill it.
    /// </summary>
    [Fact]
    public async Task The_closing_print_fills_a_resting_stock_order_after_another_record_of_its_second_on_both_venues()
    {
        var t0 = VenueParityTests.T0;
        var close = DateTimeOffset.Parse("2026-11-25T15:30:00+09:00", System.Globalization.CultureInfo.InvariantCulture);
        byte[] recording =
        [
            .. ReplayVenueTests.Line(t0, ReplayVenueTests.Book(t0, ask: 70_000, bid: 69_900, quantity: 100)),
            .. ReplayVenueTests.Line(t0, ReplayVenueTests.Trade(t0, price: 70_000, volume: 5, buyer: true, previousClose: 69_000)),
            .. ReplayVenueTests.Line(close, ReplayVenueTests.Book(close, ask: 70_000, bid: 69_400, quantity: 100)),
            .. ReplayVenueTests.Line(close.AddMilliseconds(10), ReplayVenueTests.Trade(close, 69_400, 50, buyer: false, previousClose: 69_000)),
        ];
        var code = VenueParityTests.Code;
        var (backtest, paper) = await VenueParity.OnBothAsync<OrderSeen>(recording, KisProduct.Stock, code, VenueParityTests.Account,
            async (orders, nextTrade, into, ct) =>
            {
                var number = ReplayedVenue.Accepted(await orders.PlaceAsync(KisOrderRequest.Stock(code, OrderSide.Buy, 2, 69_500), ct));
                await nextTrade();
                var row = (await orders.GetOrdersAsync(KisProduct.Stock, cancellationToken: ct)).Single(r => r.OrderNumber == number);
                into.Add(new OrderSeen(row.OriginalOrderNumber, row.Code, row.Side, row.Quantity, row.Price, row.FilledQuantity,
                    row.AveragePrice, row.RemainingQuantity, row.CancelledQuantity));
            });

        Assert.Equal(backtest, paper);
        Assert.Equal((2L, 0L), (Assert.Single(backtest).Filled, backtest[0].Remaining));
    }

    /// <summary>
    /// One expiry rule on both venues, from the venue core: a day order is over once the market's whole second is past
    /// its order hours' end, so every record stamped 15:30:00 still reaches it, whatever asked the venue the time in
    /// between. Paper expired it at market time 15:30:00.000 (an inquiry then was enough), the backtest only once the
    /// second was past: the closing print stamped 15:30:00 that followed filled it in the backtest only. The order's fill
    /// is compared after each record of that second, field by field.
    /// </summary>
    [Fact]
    public async Task A_record_stamped_at_the_close_fills_a_resting_order_on_both_venues_after_an_inquiry_at_the_close()
    {
        var t0 = VenueParityTests.T0;
        var close = DateTimeOffset.Parse("2026-11-25T15:30:00+09:00", System.Globalization.CultureInfo.InvariantCulture);
        byte[] recording =
        [
            .. ReplayVenueTests.Line(t0, ReplayVenueTests.Book(t0, ask: 70_000, bid: 69_900, quantity: 100)),
            .. ReplayVenueTests.Line(t0, ReplayVenueTests.Trade(t0, price: 70_000, volume: 5, buyer: true, previousClose: 69_000)),
            // At exactly 15:30:00.000: a trade above the buy's limit (it fills nothing), then the closing print through it.
            .. ReplayVenueTests.Line(close, ReplayVenueTests.Trade(close, 70_000, 3, buyer: true, previousClose: 69_000)),
            .. ReplayVenueTests.Line(close.AddMilliseconds(10), ReplayVenueTests.Trade(close, 69_400, 50, buyer: false, previousClose: 69_000)),
        ];
        var code = VenueParityTests.Code;
        var (backtest, paper) = await VenueParity.OnBothAsync<OrderSeen>(recording, KisProduct.Stock, code, VenueParityTests.Account,
            async (orders, nextTrade, into, ct) =>
            {
                var number = ReplayedVenue.Accepted(await orders.PlaceAsync(KisOrderRequest.Stock(code, OrderSide.Buy, 2, 69_500), ct));
                for (var step = 0; step < 2; step++)
                {
                    await nextTrade(); // the market at 15:30:00.000, then at the closing print 10 ms into that second
                    var row = (await orders.GetOrdersAsync(KisProduct.Stock, cancellationToken: ct)).Single(r => r.OrderNumber == number);
                    into.Add(new OrderSeen(row.OriginalOrderNumber, row.Code, row.Side, row.Quantity, row.Price, row.FilledQuantity,
                        row.AveragePrice, row.RemainingQuantity, row.CancelledQuantity));
                }
            });

        Assert.Equal(backtest, paper);
        Assert.Equal([(0L, 2L, 0L), (2L, 0L, 0L)], backtest.Select(o => (o.Filled, o.Remaining, o.Cancelled)));
        Assert.Equal(69_500m, backtest[1].AveragePrice); // a trade through the limit fills at the limit
    }
}
