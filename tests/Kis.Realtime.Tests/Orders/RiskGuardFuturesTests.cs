namespace Kis.Realtime.Tests.Orders;

/// <summary>
/// Issue 56 (4): a futures/options loss is its points times the contract's multiplier (KOSPI200 250,000 KRW a point).
/// The guard counted points as KRW: one KOSPI200 future down 2 points (a 500,000 KRW loss) read as a loss of 2, so a
/// 100,000 KRW daily loss limit never stopped anything.
/// </summary>
public sealed class RiskGuardFuturesTests
{
    private const string Kospi200Future = "101W9000";

    private static FuturesOptionsNotice Fill(string number, OrderSide side, long quantity, decimal price) => new()
    {
        Kind = NoticeKind.Fill, OrderNumber = number, OriginalOrderNumber = "", ProductCode = Kospi200Future, Side = side, Quantity = quantity, Price = price,
        OrderQuantityField = quantity, OrderPriceField = price, Time = new TimeOnly(10, 0, 0), CustomerId = "u", AccountNumber = "a",
        OrderKindCode = "", NoticeTypeCode = "", BranchNumber = "", AccountName = "", ProductName = "", OrderCondition = "", OrderGroup = "",
            OrderGroupSequence = "",
    };

    [Fact]
    public async Task A_futures_loss_counts_in_krw_through_the_contract_multiplier()
    {
        await using var server = new ScriptedOrderServer(_ => OrderReaction.Answer);
        using var client = new KisOrderClient(OrderAmbiguityTests.Options(server));
        var guard = new KisRiskGuard(client, new KisRiskLimits { DailyLossLimit = 100_000 });
        client.Book.Apply(Fill("0000000901", OrderSide.Buy, 1, 350.00m));
        guard.OnTrade(Kospi200Future, 349.60m);

        Assert.Equal(-100_000m, guard.DayProfit()); // 0.40 point x 250,000 KRW
        var calls = server.OrderCalls;
        var refused = await guard.PlaceAsync(KisOrderRequest.FuturesOptions(Kospi200Future, OrderSide.Sell, 1, 349.60m));
        Assert.Equal((KisOrderOutcome.Refused, KisRiskCheck.DailyLoss), (refused.Outcome, refused.RiskCheck));
        Assert.Equal(calls, server.OrderCalls);
    }

    [Fact]
    public async Task A_futures_orders_value_is_its_notional_in_krw()
    {
        await using var server = new ScriptedOrderServer(_ => OrderReaction.Answer);
        using var client = new KisOrderClient(OrderAmbiguityTests.Options(server));
        var guard = new KisRiskGuard(client, new KisRiskLimits { MaxOrderValue = 100_000_000 });
        // One KOSPI200 future at 350 points is 87,500,000 KRW; two are over 100,000,000.
        Assert.Null((await guard.PlaceAsync(KisOrderRequest.FuturesOptions(Kospi200Future, OrderSide.Buy, 1, 350.00m))).RiskCheck);
        var refused = await guard.PlaceAsync(KisOrderRequest.FuturesOptions(Kospi200Future, OrderSide.Buy, 2, 350.00m));
        Assert.Equal(KisRiskCheck.MaxOrderValue, refused.RiskCheck);
    }
}
