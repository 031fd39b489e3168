using Kis.Realtime.Simulator;
using Kis.Realtime.Simulator.Market;
using Kis.Realtime.Simulator.Rules;
using Kis.Realtime.Simulator.Trading;
using Kis.Realtime.Simulator.Trading.Engine;
using Kis.Realtime.Simulator.Trading.Ledger;
using Kis.Realtime.Simulator.Trading.Rules;

namespace Kis.Realtime.Tests.Simulator;

/// <summary>
/// Issue 55, item 1: one ledger (the venue core) under both venues. The paper venue used to keep whole won and truncate
/// a position's cost at every partial sell, the backtest exact decimals: the same fills left costs a won or more apart.
/// </summary>
public sealed class VenueLedgerTests
{
    private const string Code = "005930", Account = "5012345601", Hts = "simuser01";

    /// <summary>Two buys at different prices, then two partial sells: the paper position's cost is the backtest's exact
    /// figure (each sell takes its share at the exact average), and the cash is the exact cash rounded down.</summary>
    [Fact]
    public void Partial_sells_on_paper_leave_the_exact_cost_the_backtest_keeps()
    {
        var market = new SimulatedMarket(SimulatorOptions.Default with { Seed = 7, DriveRestingOrders = false });
        var venue = new PaperVenue(market);
        var now = market.Clock.Now();
        var touch = market.StockBookForOrders(Code).Touch();
        var low = KrxRules.StockTickDown(KrxRules.StockTickDown(touch.Bid));
        var lower = KrxRules.StockTickDown(low);
        var high = KrxRules.StockTickUp(KrxRules.StockTickUp(touch.Ask));
        var costs = TradingCosts.Default;

        BuyFilled(venue, 1, low, now);
        BuyFilled(venue, 2, lower, now);
        SellFilled(venue, 1, high, now);
        SellFilled(venue, 1, high, now);

        // The backtest's rule, written out: exact decimals all the way.
        decimal cost = 1m * low + 2m * lower, held = 3;
        cost -= cost * 1 / held--;
        cost -= cost * 1 / held--;
        var cash = PaperVenue.StartingCash - 1m * low - 2m * lower + 2m * high
                   - costs.OfStockFill(Code, true, 1, low).Commission - costs.OfStockFill(Code, true, 2, lower).Commission
                   - 2 * (costs.OfStockFill(Code, false, 1, high).Commission + costs.OfStockFill(Code, false, 1, high).Tax);
        var view = venue.View(Account, now);
        var position = view.Positions.Single();
        Assert.Equal((1L, cost), (position.Quantity, position.Cost));
        Assert.NotEqual(decimal.Truncate(cost), cost); // the case where whole won lost the fraction
        Assert.Equal((long)decimal.Floor(cash), view.Cash);
    }

    /// <summary>Every hold an order takes comes back as it fills, is amended, cancelled or expires; futures/options
    /// margin is each open order's own, rounded up on its own, as the paper venue and the backtest both counted it.</summary>
    [Fact]
    public void Holds_come_back_and_free_cash_counts_cash_commission_and_margin()
    {
        var ledger = new LedgerAccount(1_000_000m, TradingCosts.Default);
        var buy = new LedgerOrderTerms(Code, Derivative: false, Buy: true, IsMarket: false, LimitPrice: 1_000, ReservePrice: 1_000);
        ledger.Hold(buy, 0, 10);
        Assert.Equal(10_000, ledger.ReservedCash);
        Assert.Equal(1_000_000m - 10_000m * (1 + TradingCosts.Default.CommissionRate), ledger.FreeCash());
        var (commission, tax) = ledger.Fill(buy, 10, 4, 990);
        Assert.Equal((4m * 990 * TradingCosts.Default.CommissionRate, 0m), (commission, tax));
        Assert.Equal(6_000, ledger.ReservedCash);
        ledger.Hold(buy, 6, 0); // the rest cancelled
        Assert.Equal(0, ledger.ReservedCash);
        Assert.Equal(1_000_000m - 3_960m - commission, ledger.Cash);
        Assert.Equal(ledger.Cash, ledger.FreeCash()); // nothing held: no rate's decimal places added to the figure
        Assert.Equal(ledger.Cash.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ledger.FreeCash().ToString(System.Globalization.CultureInfo.InvariantCulture));

        var sell = buy with { Buy = false };
        ledger.Hold(sell, 0, 3);
        Assert.Equal(1, ledger.Sellable(Code));

        const string Future = "101W09";
        var future = new LedgerOrderTerms(Future, Derivative: true, Buy: true, IsMarket: false, LimitPrice: 35_005, ReservePrice: 35_005);
        ledger.Hold(future, 0, 3);
        Assert.Equal(ContractMath.MarginOf(Future, 3, 35_005), ledger.OrderMargin);
        ledger.Hold(future, 3, 1);
        Assert.Equal(ContractMath.MarginOf(Future, 1, 35_005), ledger.OrderMargin);
        ledger.Fill(future, 1, 1, 35_000);
        Assert.Equal(0, ledger.OrderMargin);
        Assert.Equal(ContractMath.MarginOf(Future, 1, 35_000), ledger.MarginInUse()); // the position's
    }

    private static void BuyFilled(PaperVenue venue, long quantity, long price, DateTime now)
    {
        var placed = venue.Place(new PaperOrderRequest(Account, Hts, Code, Buy: true, Kind: OrderKind.Limit, quantity, price), now);
        Assert.True(placed.Accepted, placed.Message);
        venue.OnTrade(Code, derivative: false, KrxRules.StockTickDown(price), 1_000_000, buyerInitiated: false, now);
        Assert.Equal(0, venue.View(Account, now).Orders.Single(o => o.Number == placed.Order!.Number).Remaining);
    }

    private static void SellFilled(PaperVenue venue, long quantity, long price, DateTime now)
    {
        var placed = venue.Place(new PaperOrderRequest(Account, Hts, Code, Buy: false, Kind: OrderKind.Limit, quantity, price), now);
        Assert.True(placed.Accepted, placed.Message);
        venue.OnTrade(Code, derivative: false, KrxRules.StockTickUp(price), 1_000_000, buyerInitiated: true, now);
        Assert.Equal(0, venue.View(Account, now).Orders.Single(o => o.Number == placed.Order!.Number).Remaining);
    }
}
