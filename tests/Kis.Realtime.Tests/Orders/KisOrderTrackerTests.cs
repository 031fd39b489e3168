
namespace Kis.Realtime.Tests.Orders;

/// <summary>Issue 32 (4): an order's life from its notices alone.</summary>
public sealed class KisOrderTrackerTests
{
    private static StockNotice Notice(NoticeKind kind, string number, long quantity, decimal price, string original = "", long field16 = 0, int second = 0)
        => new()
    {
        Kind = kind, OrderNumber = number, OriginalOrderNumber = original, StockCode = "005930", Side = OrderSide.Buy, Quantity = quantity, Price = price,
        OrderQuantity = field16, OrderPrice = price, Time = new TimeOnly(10, 0, second), CustomerId = "u", AccountNumber = "a",
        OrderTypeCode = "00", OrderConditionCode = "0", BranchNumber = "", AccountName = "", OrderExchangeCode = "", PopupCode = "", CreditTypeCode = "",
            StockName = "",
    };

    [Fact]
    public void Fills_an_amendment_and_a_cancel_give_each_order_its_quantities_average_and_status()
    {
        var orders = new KisOrderTracker();
        Assert.Equal(KisOrderStatus.Accepted, orders.Apply(Notice(NoticeKind.OrderAccepted, "0000000101", 100, 70_000)).Status);
        orders.Apply(Notice(NoticeKind.Fill, "0000000101", 30, 70_000, field16: 100, second: 1));
        var partly = orders.Apply(Notice(NoticeKind.Fill, "0000000101", 20, 69_900, field16: 100, second: 2));
        Assert.Equal((KisOrderStatus.PartiallyFilled, 50L, 69_960m, 50L),
            (partly.Status, partly.FilledQuantity, partly.AveragePrice, partly.RemainingQuantity));

        // The remaining 50 move to an amending order at a new price; the original is done.
        var amended = orders.Apply(Notice(NoticeKind.AmendAccepted, "0000000102", 50, 69_800, original: "0000000101", field16: 50, second: 3));
        Assert.Equal(("0000000101", 50L, 69_800m, KisOrderStatus.Accepted), (amended.OriginalOrderNumber, amended.Quantity, amended.Price, amended.Status));
        var original = orders.Find("0000000101")!;
        Assert.Equal((KisOrderStatus.Replaced, "0000000102", 50L, 0L, true),
            (original.Status, original.ReplacedBy, original.FilledQuantity, original.RemainingQuantity, original.IsDone));

        orders.Apply(Notice(NoticeKind.Fill, "0000000102", 10, 69_800, field16: 50, second: 4));
        var cancelled = orders.Apply(Notice(NoticeKind.CancelAccepted, "0000000103", 40, 69_800, original: "0000000102", field16: 10, second: 5));
        Assert.Equal(("0000000102", KisOrderStatus.Cancelled, 10L, 40L, 0L),
            (cancelled.OrderNumber, cancelled.Status, cancelled.FilledQuantity, cancelled.CancelledQuantity, cancelled.RemainingQuantity));
        Assert.Null(orders.Find("0000000103")); // a cancel's own number is not an order
        Assert.Empty(orders.Open);
        Assert.Equal(2, orders.Orders.Count);
    }

    [Fact]
    public void A_fill_whose_acceptance_was_missed_starts_from_the_order_quantity_it_carries()
    {
        var orders = new KisOrderTracker();
        var order = orders.Apply(Notice(NoticeKind.Fill, "0000000201", 5, 1_000, field16: 5));
        Assert.Equal((5L, 5L, KisOrderStatus.Filled), (order.Quantity, order.FilledQuantity, order.Status));
        Assert.Equal(KisOrderStatus.Rejected, orders.Apply(Notice(NoticeKind.Rejected, "0000000202", 1, 1_000)).Status);
    }

    [Fact]
    public void A_forgotten_order_is_gone_and_a_later_notice_starts_it_afresh()
    {
        var orders = new KisOrderTracker();
        orders.Apply(Notice(NoticeKind.OrderAccepted, "0000000301", 10, 1_000));
        orders.Apply(Notice(NoticeKind.OrderAccepted, "0000000302", 10, 1_000));
        Assert.True(orders.Forget("0000000301"));
        Assert.False(orders.Forget("0000000301"));
        Assert.Null(orders.Find("0000000301"));
        Assert.Equal(["0000000302"], orders.Orders.Select(o => o.OrderNumber));

        var late = orders.Apply(Notice(NoticeKind.Fill, "0000000301", 4, 1_000, field16: 10));
        Assert.Equal((10L, 4L, KisOrderStatus.PartiallyFilled), (late.Quantity, late.FilledQuantity, late.Status));
    }
}
