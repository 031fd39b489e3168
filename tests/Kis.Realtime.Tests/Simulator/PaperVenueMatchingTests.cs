using Kis.Realtime.Simulator;
using Kis.Realtime.Simulator.Market;
using Kis.Realtime.Simulator.Trading;

namespace Kis.Realtime.Tests.Simulator;

/// <summary>The paper venue's matching rules, on the venue itself (no sessions): price-time priority.</summary>
public sealed class PaperVenueMatchingTests
{
    [Fact]
    public void A_resting_market_order_fills_before_a_resting_limit_order_from_the_same_trade()
    {
        var market = new SimulatedMarket(SimulatorOptions.Default);
        var now = market.Clock.Now();
        var touch = market.StockBookForOrders("123450").Touch();
        var venue = market.Venue;
        var limit = venue.Place(new PaperOrderRequest("5012345601", "simuser01", "123450", Buy: true, IsMarket: false, 5, touch.Bid), now);
        // More than the ask's quantity: the rest of the market order waits for the next trades.
        var marketOrder = venue.Place(new PaperOrderRequest("5012345601", "simuser01", "123450", Buy: true, IsMarket: true, touch.AskQuantity + 10, 0), now);
        Assert.True(limit.Accepted && marketOrder.Accepted);

        venue.OnTrade("123450", touch.Bid, 10, now);

        var orders = venue.View("5012345601").Orders.ToDictionary(o => o.Number);
        Assert.Equal((touch.AskQuantity + 10, 0L), (orders[marketOrder.Order!.Number].Filled, orders[marketOrder.Order.Number].Remaining));
        Assert.Equal(0, orders[limit.Order!.Number].Filled); // the trade's 10 went to the market order first
    }
}
