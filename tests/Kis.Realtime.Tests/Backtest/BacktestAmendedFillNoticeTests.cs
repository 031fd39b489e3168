using Kis.Realtime.Simulator;
using Kis.Realtime.Tests.Simulator;

namespace Kis.Realtime.Tests.Backtest;

/// <summary>
/// Issue 55, 1c: a fill of an amendment's order names that order's original in its notice (field 4), in a backtest as
/// on paper (the paper venue always sent it; the backtest's own writer left it empty). Found by sending one order script
/// through both venues and comparing the notices (<see cref="VenueNoticeParityTests"/>); this is the backtest's half,
/// through the public API only.
/// </summary>
public sealed class BacktestAmendedFillNoticeTests
{
    private const string Code = "005930";

    /// <summary>10:00:00 KST on a Wednesday: KRX's continuous session.</summary>
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 10, 0, 0, TimeSpan.FromHours(9));

    [Fact]
    public async Task A_fill_of_an_amended_order_names_its_original_as_on_paper()
    {
        // A book (70,000 / 69,900) and a trade; a second later a seller trades through 69,900.
        var dir = Cli.CliTestKit.EmptyDirectory();
        var day = Path.Combine(dir, "2026-11-25");
        Directory.CreateDirectory(day);
        File.WriteAllBytes(Path.Combine(day, "raw.log"), [
            .. ReplayVenueTests.Line(T0, ReplayVenueTests.Book(T0, ask: 70_000, bid: 69_900, quantity: 100)),
            .. ReplayVenueTests.Line(T0, ReplayVenueTests.Trade(T0, price: 70_000, volume: 5, buyer: true, previousClose: 69_000)),
            .. ReplayVenueTests.Line(T0.AddSeconds(1), ReplayVenueTests.Trade(T0.AddSeconds(1), 69_800, 50, buyer: false, previousClose: 69_000)),
        ]);
        var notices = new List<StockNotice>();
        string? original = null, amendment = null;
        await KisBacktest.RunAsync(new KisRecordingFolder(dir), async (data, orders, ct) =>
        {
            var collecting = Collect(data.SubscribeStockNoticesAsync(cancellationToken: ct), notices);
            await foreach (var trade in data.SubscribeStockTradesAsync(Code, cancellationToken: ct))
            {
                if (original is not null) continue;
                original = (await orders.PlaceAsync(KisOrderRequest.Stock(Code, OrderSide.Buy, 5, 69_800), ct)).OrderNumber;
                var amended = await orders.AmendAsync(new KisAmendRequest
                {
                    Product = KisProduct.Stock, OriginalOrderNumber = original!, Quantity = 5, Price = 69_900,
                }, ct);
                Assert.True(amended.IsAccepted, amended.Refusal?.ToString());
                amendment = amended.OrderNumber;
            }
            await collecting;
        }, new KisBacktestOptions { Latency = TimeSpan.Zero }).WaitAsync(SimTestClient.Timeout);

        var fill = Assert.Single(notices, n => n.Kind == NoticeKind.Fill);
        Assert.Equal((amendment, 5L, 69_900m), (fill.OrderNumber, fill.Quantity, fill.Price));
        Assert.Equal(original, fill.OriginalOrderNumber);
    }

    private static async Task Collect(IAsyncEnumerable<StockNotice> notices, List<StockNotice> into)
    {
        await foreach (var notice in notices) into.Add(notice);
    }
}
