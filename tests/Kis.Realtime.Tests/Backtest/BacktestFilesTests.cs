using Kis.Realtime.Simulator;
using Kis.Realtime.Simulator.Backtest;

namespace Kis.Realtime.Tests.Backtest;

/// <summary>
/// fills.csv and orders.csv row by row, as a spreadsheet or pandas reads them: invariant numbers, decimals as computed,
/// UTC times with seven fraction digits, and text holding a comma or a quote quoted (a refusal's message does).
/// </summary>
public sealed class BacktestFilesTests
{
    private static readonly TimeSpan Kst = TimeSpan.FromHours(9);

    [Fact]
    public void A_fill_row_holds_its_fields_in_the_headers_order()
    {
        var at = new DateTimeOffset(2026, 11, 23, 9, 0, 1, Kst).AddTicks(1_234_567);
        var fill = new KisBacktestFill(1, at, "0000000001", "005930", OrderSide.Sell, 10, 71_500m, 100.50m, 1_430m, "taker", -12.25m, -10);

        var lines = BacktestFiles.Fills([fill]).Split('\n');

        Assert.Equal("sequence,time,order_number,code,side,quantity,price,commission,tax,liquidity,cash,position", lines[0]);
        Assert.Equal("1,2026-11-23T00:00:01.1234567Z,0000000001,005930,sell,10,71500,100.50,1430,taker,-12.25,-10", lines[1]);
        Assert.Equal([""], lines[2..]); // every row ends with '\n', the last too
    }

    [Fact]
    public void An_order_row_quotes_text_that_holds_a_comma_or_a_quote()
    {
        var sent = new DateTimeOffset(2026, 11, 23, 15, 19, 59, Kst);
        var order = new KisBacktestOrder(2, "place", sent, sent.AddMilliseconds(5), "", "", "005930", OrderSide.Buy, KisOrderKind.IocLimit, 5,
            70_000m, "refused", "APBK0507 at most 5 shares, \"per order\"", 0, 0, 0m);
        var amend = order with { Sequence = 3, Action = "amend", OrderNumber = "0000000007", OriginalOrderNumber = "0000000006",
            Kind = KisOrderKind.Limit, Outcome = "accepted", Refusal = "", Filled = 3, Cancelled = 2, AveragePrice = 69_950.5m };

        var lines = BacktestFiles.Orders([order, amend]).Split('\n');

        Assert.Equal("sequence,action,sent_at,arrived_at,order_number,original_order_number,code,side,kind,quantity,price,outcome,refusal,"
            + "filled,cancelled,average_price", lines[0]);
        Assert.Equal("2,place,2026-11-23T06:19:59.0000000Z,2026-11-23T06:19:59.0050000Z,,,005930,buy,ioclimit,5,70000,refused,"
            + "\"APBK0507 at most 5 shares, \"\"per order\"\"\",0,0,0", lines[1]);
        Assert.Equal("3,amend,2026-11-23T06:19:59.0000000Z,2026-11-23T06:19:59.0050000Z,0000000007,0000000006,005930,buy,limit,5,70000,accepted,,"
            + "3,2,69950.5", lines[2]);
    }
}
