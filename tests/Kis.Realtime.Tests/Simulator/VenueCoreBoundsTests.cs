using Kis.Realtime.Simulator.Trading.Core;
using Kis.Realtime.Simulator.Trading.Engine;
using Kis.Realtime.Simulator.Trading.Ledger;

namespace Kis.Realtime.Tests.Simulator;

/// <summary>
/// Review of issue 55, SHOULD 6: the venue core is the one place an order's quantities change, so it checks them. A fill
/// or a reduction (amend, cancel) of more than is left used to go through: what is left went negative, and the ledger's
/// hold with it, without an error. Now the core throws and changes nothing.
/// </summary>
public sealed class VenueCoreBoundsTests
{
    private static readonly DateTime At = new(2026, 11, 25, 10, 0, 0);

    private sealed class Events : IVenueEvents
    {
        public List<OrderEvent> Seen { get; } = [];

        public void OnOrderEvent(VenueOrder order, in OrderEvent e, decimal commission, decimal tax) => Seen.Add(e);
    }

    private static (VenueCore Core, Events Events, LedgerAccount Ledger, VenueOrder Order) Accepted(long quantity)
    {
        var events = new Events();
        var core = new VenueCore(events);
        var ledger = new LedgerAccount(10_000_000, TradingCosts.Default);
        var order = new VenueOrder(1, 0, "005930", buy: true, OrderKind.Limit, 70_000, quantity, derivative: false, ledger);
        core.Accept(order, At);
        return (core, events, ledger, order);
    }

    [Fact]
    public void A_fill_of_more_than_is_left_throws_and_changes_nothing()
    {
        var (core, events, ledger, order) = Accepted(3);
        var free = ledger.FreeCash();

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => core.Fill(order, 4, 70_000, At));

        Assert.Contains("only 3 is left", error.Message, StringComparison.Ordinal);
        Assert.Equal((3L, 0L, 0L), (order.Remaining, order.Filled, order.FilledValue));
        Assert.Equal(free, ledger.FreeCash());
        Assert.Equal([OrderEventKind.Accepted], events.Seen.Select(e => e.Kind));
    }

    [Fact]
    public void A_cancel_or_amendment_of_more_than_is_left_throws_and_changes_nothing()
    {
        var (core, events, ledger, order) = Accepted(3);
        core.Fill(order, 2, 70_000, At);
        var free = ledger.FreeCash();

        var cancel = new VenueOrder(2, 1, "005930", buy: true, OrderKind.Limit, 70_000, 2, derivative: false, ledger);
        Assert.Throws<ArgumentOutOfRangeException>(() => core.Cancel(order, cancel, At));
        var successor = new VenueOrder(3, 1, "005930", buy: true, OrderKind.Limit, 69_900, 2, derivative: false, ledger);
        Assert.Throws<ArgumentOutOfRangeException>(() => core.Amend(order, successor, At));

        Assert.Equal((1L, 2L, 0L, false), (order.Remaining, order.Filled, order.Cancelled, order.Closed));
        Assert.Equal(free, ledger.FreeCash());
        Assert.Equal([OrderEventKind.Accepted, OrderEventKind.Filled], events.Seen.Select(e => e.Kind));
    }

    [Fact]
    public void Fills_carry_what_they_took_taker_on_arrival_maker_when_resting()
    {
        var (core, events, _, order) = Accepted(3);
        core.Fill(order, 1, 70_000, At);
        core.Rest(order, [], At);
        core.OnTrade("005930", derivative: false, 69_900, 5, buyerInitiated: false, At);

        Assert.Equal([(OrderEventKind.Filled, FillLiquidity.Taker), (OrderEventKind.Filled, FillLiquidity.Maker)],
            events.Seen.Where(e => e.Kind == OrderEventKind.Filled).Select(e => (e.Kind, e.Liquidity)));
        Assert.Equal((0L, 3L, true), (order.Remaining, order.Filled, order.Closed));
    }
}
