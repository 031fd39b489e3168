using Kis.Realtime.Simulator.Trading.Rules;
using Kis.Realtime.Simulator.Rules;
using Kis.Realtime.Simulator.Trading.Engine;
using Kis.Realtime.Simulator;
using Kis.Realtime.Simulator.Market;
using Kis.Realtime.Simulator.Trading;

namespace Kis.Realtime.Tests.Simulator;

/// <summary>
/// Issue 55, item 2: the paper venue charges what the backtest charges, by one rule (<see cref="KisTradingCosts"/>) at
/// the same default rates: commission on every fill, securities transaction tax on stock sells, commission on futures.
/// </summary>
public sealed class PaperCostsTests
{
    private const string Code = "005930", Account = "5012345601", Hts = "simuser01";

    [Fact]
    public void The_paper_venue_and_the_backtest_default_to_the_same_rates()
    {
        var backtest = new KisBacktestOptions();
        Assert.Equal(backtest.Costs, SimulatorOptions.Default.Costs.ToCosts());
        Assert.Equal(KisTradingCosts.Default, SimulatorOptions.Default.Costs);
        Assert.True(backtest.CommissionRate > 0 && backtest.SellTaxRate > 0);
    }

    /// <summary>Same fills, both rules: each paper fill's commission and tax, field by field, are what the backtest's
    /// rule charges the same fill; the cash is the exact cash rounded down to the won.</summary>
    [Fact]
    public void Each_stock_fill_on_paper_pays_the_backtests_commission_and_tax_and_the_cash_shows_it()
    {
        var market = new SimulatedMarket(SimulatorOptions.Default with { Seed = 7, DriveRestingOrders = false });
        var venue = new PaperVenue(market);
        var now = market.Clock.Now();
        var touch = market.StockBookForOrders(Code).Touch();
        var backtest = new KisBacktestOptions().Costs;

        // A buy resting under the bid, filled by a trade through it at its own price.
        var buyPrice = KrxRules.StockTickDown(KrxRules.StockTickDown(touch.Bid));
        var buy = venue.Place(new PaperOrderRequest(Account, Hts, Code, Buy: true, Kind: OrderKind.Limit, 37, buyPrice), now);
        Assert.True(buy.Accepted, buy.Message);
        venue.OnTrade(Code, derivative: false, KrxRules.StockTickDown(buyPrice), 1_000_000, buyerInitiated: false, now);
        // A sell of part of it resting over the ask, filled by a trade through it.
        var sellPrice = KrxRules.StockTickUp(KrxRules.StockTickUp(touch.Ask));
        var sell = venue.Place(new PaperOrderRequest(Account, Hts, Code, Buy: false, Kind: OrderKind.Limit, 23, sellPrice), now);
        Assert.True(sell.Accepted, sell.Message);
        venue.OnTrade(Code, derivative: false, KrxRules.StockTickUp(sellPrice), 1_000_000, buyerInitiated: true, now);

        var view = venue.View(Account, now);
        var bought = view.Orders.Single(o => o.Number == buy.Order!.Number);
        var sold = view.Orders.Single(o => o.Number == sell.Order!.Number);
        Assert.Equal((37L, 37L * buyPrice), (bought.Filled, bought.FilledValue));
        Assert.Equal((23L, 23L * sellPrice), (sold.Filled, sold.FilledValue));
        var buyCosts = backtest.OfStockFill(Code, buy: true, 37, buyPrice);
        var sellCosts = backtest.OfStockFill(Code, buy: false, 23, sellPrice);
        Assert.Equal(37m * buyPrice * KisBacktestOptions.DefaultCommissionRate, buyCosts.Commission);
        Assert.Equal(23m * sellPrice * KisBacktestOptions.DefaultSellTaxRate, sellCosts.Tax);
        Assert.Equal((buyCosts.Commission, buyCosts.Tax), (bought.Commission, bought.Tax));
        Assert.Equal((sellCosts.Commission, sellCosts.Tax), (sold.Commission, sold.Tax));
        Assert.Equal(0m, bought.Tax);
        Assert.True(sold.Tax > 0);

        var exactCash = PaperVenue.StartingCash - 37m * buyPrice + 23m * sellPrice
                        - buyCosts.Commission - sellCosts.Commission - sellCosts.Tax;
        Assert.Equal((long)decimal.Floor(exactCash), view.Cash);
    }

    [Fact]
    public void A_futures_fill_on_paper_pays_the_backtests_commission_and_no_tax()
    {
        var market = new SimulatedMarket(SimulatorOptions.Default with { Seed = 7, DriveRestingOrders = false });
        var venue = new PaperVenue(market);
        var now = market.Clock.Now();
        const string Future = "101W09";
        var quote = market.DerivativeForOrders(Future).Quote;
        var placed = venue.Place(new PaperOrderRequest("6012345603", Hts, Future, Buy: true, Kind: OrderKind.Market, 2, 0, Derivative: true), now);
        Assert.True(placed.Accepted, placed.Message);

        var order = venue.View("6012345603", now).Orders.Single();
        Assert.Equal(2, order.Filled);
        var expected = new KisBacktestOptions().Costs.OfDerivativeFill(Future, 2, quote.Ask);
        Assert.Equal(2m * quote.Ask * 250_000m / 100 * KisBacktestOptions.DefaultFuturesCommissionRate, expected);
        Assert.Equal((expected, 0m), (order.Commission, order.Tax));
    }
}
