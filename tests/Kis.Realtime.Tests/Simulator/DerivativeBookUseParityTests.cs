namespace Kis.Realtime.Tests.Simulator;

/// <summary>
/// Issue 73 (the venues' parity): what a futures order takes from the recording's book is gone from it until the
/// recording shows the next book, on both venues. Two marketable buys against one ask level of 10 contracts: the first
/// takes 6, the second the 4 left, and its other 2 rest. The same orders go to a backtest and, through the library's
/// order client, to paper under <c>kisrt sim --replay</c>; each order is compared as the venue's inquiry reports it.
/// </summary>
public sealed class DerivativeBookUseParityTests
{
    /// <summary>An order as the venue's inquiry (TTTO5201R) reports it.</summary>
    private sealed record OrderSeen(long Quantity, decimal Price, long Filled, decimal AveragePrice, long Remaining, long Cancelled);

    /// <summary>A future's book quoted one level a side (350.05 / 350.00, 10 contracts), a trade at 350.05, a last trade
    /// later. Previous close 350.00.</summary>
    private static byte[] Recording()
    {
        var t0 = VenueParityTests.T0;
        return
        [
            .. ReplayVenueTests.Line(t0, FuturesVenueParityTests.Book(t0, ask: 350.05m, bid: 350.00m, levels: 1)),
            .. ReplayVenueTests.Line(t0, FuturesVenueParityTests.Trade(t0, 350.05m, 2)),
            .. ReplayVenueTests.Line(t0.AddSeconds(4), FuturesVenueParityTests.Trade(t0.AddSeconds(4), 350.00m, 1)),
        ];
    }

    [Fact]
    public async Task Two_buys_against_one_ask_level_share_its_contracts_alike_as_a_backtest_and_on_paper()
    {
        const string code = FuturesVenueParityTests.Code;
        var (backtest, paper) = await VenueParity.OnBothAsync<OrderSeen>(Recording(), KisProduct.FuturesOptions, code,
            FuturesVenueParityTests.Account, async (orders, into, ct) =>
            {
                var numbers = new List<string>();
                for (var i = 0; i < 2; i++)
                    numbers.Add(ReplayedVenue.Accepted(await orders.PlaceAsync(KisOrderRequest.FuturesOptions(code, OrderSide.Buy, 6, 350.05m), ct)));
                var rows = await orders.GetOrdersAsync(KisProduct.FuturesOptions, cancellationToken: ct);
                foreach (var number in numbers)
                {
                    var row = rows.Single(r => r.OrderNumber == number);
                    into.Add(new OrderSeen(row.Quantity, row.Price, row.FilledQuantity, row.AveragePrice, row.RemainingQuantity, row.CancelledQuantity));
                }
            });

        Assert.Equal(backtest, paper);
        Assert.Equal([new OrderSeen(6, 350.05m, 6, 350.05m, 0, 0), new OrderSeen(6, 350.05m, 4, 350.05m, 2, 0)], backtest);
    }
}
