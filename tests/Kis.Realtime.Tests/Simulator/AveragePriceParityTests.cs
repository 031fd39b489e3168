using System.Globalization;
using Kis.Realtime.Simulator.Trading.Core;

namespace Kis.Realtime.Tests.Simulator;

/// <summary>
/// Issue 73 (the venues' parity): an order's average fill price and a position's average price are the venue core's
/// one rule on both venues: the exact average rounded to 4 decimals (of a won, of a point), as KIS writes
/// <c>pchs_avg_pric</c>. Paper's order inquiry once wrote a stock's <c>avg_prvs</c> rounded down to the won and a
/// future's <c>avg_idx</c> down to 0.01 point, where the backtest reported the exact average. An order filled at two
/// levels goes to a backtest and, through the library's order client, to paper under <c>kisrt sim --replay</c>;
/// compared: the order's average as each venue's inquiry reports it, and the position's average in the balance.
/// </summary>
public sealed class AveragePriceParityTests
{
    private static readonly DateTimeOffset T0 = VenueParityTests.T0;

    [Theory]
    [InlineData(KisProduct.Stock)]
    [InlineData(KisProduct.FuturesOptions)]
    public async Task An_average_over_two_levels_is_reported_alike_as_a_backtest_and_on_paper(KisProduct product)
    {
        var stock = product == KisProduct.Stock;
        var code = stock ? VenueParityTests.Code : FuturesVenueParityTests.Code;
        // A stock's book 2 shares a level (70,000 up, 100 apart): 3 at 70,100 take 2 at 70,000 and 1 at 70,100. A future's
        // 10 contracts a level (350.05 up, 0.05 apart): 11 at 350.10 take 10 at 350.05 and 1 at 350.10.
        byte[] recording = stock
            ?
            [
                .. ReplayVenueTests.Line(T0, ReplayVenueTests.Book(T0, ask: 70_000, bid: 69_900, quantity: 2)),
                .. ReplayVenueTests.Line(T0, ReplayVenueTests.Trade(T0, price: 70_000, volume: 5, buyer: true, previousClose: 69_000)),
                .. ReplayVenueTests.Line(T0.AddMinutes(1), ReplayVenueTests.Trade(T0.AddMinutes(1), 70_000, 1, buyer: true, previousClose: 69_000)),
            ]
            :
            [
                .. ReplayVenueTests.Line(T0, FuturesVenueParityTests.Book(T0, ask: 350.05m, bid: 350.00m)),
                .. ReplayVenueTests.Line(T0, FuturesVenueParityTests.Trade(T0, 350.05m, 2)),
                .. ReplayVenueTests.Line(T0.AddMinutes(1), FuturesVenueParityTests.Trade(T0.AddMinutes(1), 350.00m, 1)),
            ];
        var (backtest, paper) = await VenueParity.OnBothAsync<(long Filled, decimal Order, decimal Position)>(recording, product, code,
            stock ? VenueParityTests.Account : FuturesVenueParityTests.Account, async (orders, into, ct) =>
            {
                var number = ReplayedVenue.Accepted(await orders.PlaceAsync(stock ? KisOrderRequest.Stock(code, OrderSide.Buy, 3, 70_100)
                    : KisOrderRequest.FuturesOptions(code, OrderSide.Buy, 11, 350.10m), ct));
                var row = (await orders.GetOrdersAsync(product, cancellationToken: ct)).Single(r => r.OrderNumber == number);
                var position = (await orders.GetBalanceAsync(product, ct)).Positions.Single(p => p.Code == code);
                into.Add((row.FilledQuantity, row.AveragePrice, position.AveragePrice));
            });

        Assert.Equal(backtest, paper);
        Assert.Equal(stock ? (3L, 70_033.3333m) : (11L, 350.0545m), (backtest[0].Filled, backtest[0].Order));
    }

    /// <summary>
    /// Issue 73 (leftovers, item 4): the stock order inquiry's total (<c>inquire-daily-ccld</c> output2's
    /// <c>pchs_avg_pric</c>) is the venue core's one average rule too, 4 decimals as KIS writes it; it was the won
    /// rounded down (70,033 for 70,033.3333). Compared: the REST answer against the venue's own figure for the day's
    /// fills (their value over their quantity) and against the order's own <c>avg_prvs</c>.
    /// </summary>
    [Fact]
    public async Task The_order_inquirys_total_average_is_the_venues_figure_to_4_decimals()
    {
        byte[] recording =
        [
            .. ReplayVenueTests.Line(T0, ReplayVenueTests.Book(T0, ask: 70_000, bid: 69_900, quantity: 2)),
            .. ReplayVenueTests.Line(T0, ReplayVenueTests.Trade(T0, price: 70_000, volume: 5, buyer: true, previousClose: 69_000)),
            .. ReplayVenueTests.Line(T0.AddMinutes(1), ReplayVenueTests.Trade(T0.AddMinutes(1), 70_000, 1, buyer: true, previousClose: 69_000)),
        ];
        var (_, rawLog) = ReplayedVenue.Recording(recording);
        await using var paper = await ReplayedVenue.StartAsync(rawLog, VenueParityTests.Code, frames: 2);
        await paper.PlaceAsync(VenueParityTests.Account, VenueParityTests.Code, buy: true, 70_100, 3); // 2 at 70,000, 1 at 70,100

        var daily = await PaperVenueTests.GetAsync(paper.Sim, paper.Token, "/uapi/domestic-stock/v1/trading/inquire-daily-ccld", "TTTC0081R",
            $"CANO={VenueParityTests.Account}&ACNT_PRDT_CD=01&INQR_STRT_DT=20260101&INQR_END_DT=20261231&SLL_BUY_DVSN_CD=00&PDNO=&CCLD_DVSN=00&"
            + "INQR_DVSN=00&INQR_DVSN_3=00&ORD_GNO_BRNO=&ODNO=&INQR_DVSN_1=&CTX_AREA_FK100=&CTX_AREA_NK100=");
        var total = decimal.Parse(daily.GetProperty("output2").GetProperty("pchs_avg_pric").GetString()!, CultureInfo.InvariantCulture);
        var row = Assert.Single(daily.GetProperty("output1").EnumerateArray());
        var orders = paper.Venue.View(VenueParityTests.Account + "01").Orders;
        var venue = AveragePrice.Of(orders.Sum(o => o.FilledValue), orders.Sum(o => o.Filled));

        Assert.Equal(70_033.3333m, venue);
        Assert.Equal(venue, total);
        Assert.Equal(decimal.Parse(row.GetProperty("avg_prvs").GetString()!, CultureInfo.InvariantCulture), total);
    }
}
