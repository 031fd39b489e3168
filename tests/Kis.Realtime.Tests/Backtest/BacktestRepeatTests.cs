using Kis.Realtime.Simulator;
using Kis.Realtime.Tests.Simulator;
using static Kis.Realtime.Tests.Simulator.ReplayVenueTests;

namespace Kis.Realtime.Tests.Backtest;

/// <summary>
/// Issue 73, finding 9: a backtest over a doubled recording (every line twice) traded a doubled tape (270 orders instead of
/// 178) with no word of it, where <c>kisrt bars</c> counts duplicates; and orders.csv lost a refused amendment's
/// original number and code and wrote its side as "sell".
/// </summary>
public sealed class BacktestRepeatTests
{
    private const string Code = "005930";
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 10, 0, 0, TimeSpan.FromHours(9));

    /// <summary>A book, then ten trades a second apart (each a buyer's, then a seller's, 100 KRW apart).</summary>
    private static byte[][] Lines() =>
    [
        Line(T0, Book(T0, ask: 70_000, bid: 69_900, quantity: 100)),
        .. Enumerable.Range(1, 10).Select(i => Line(T0.AddSeconds(i),
            Trade(T0.AddSeconds(i), price: i % 2 == 0 ? 70_000 : 69_900, volume: 10, buyer: i % 2 == 0, previousClose: 69_000))),
    ];

    private static string Recording(IEnumerable<byte[]> lines)
    {
        var dir = Cli.CliTestKit.EmptyDirectory();
        var day = Path.Combine(dir, "2026-11-25");
        Directory.CreateDirectory(day);
        File.WriteAllBytes(Path.Combine(day, "raw.log"), [.. lines.SelectMany(l => l)]);
        return dir;
    }

    /// <summary>One share bought at market on every trade it hears.</summary>
    private static Task<KisBacktestResult> BuyOnEveryTrade(string recording) => KisBacktest.RunAsync(new KisRecordingFolder(recording),
        async (data, orders, ct) =>
        {
            await foreach (var _ in data.SubscribeStockTradesAsync(Code, cancellationToken: ct))
                await orders.PlaceAsync(KisOrderRequest.Stock(Code, OrderSide.Buy, 1), ct);
        }, new KisBacktestOptions { Latency = TimeSpan.Zero }).WaitAsync(SimTestClient.Timeout);

    [Fact]
    public async Task A_doubled_recording_trades_as_the_single_one_and_counts_the_repeated_lines()
    {
        var lines = Lines();
        var single = await BuyOnEveryTrade(Recording(lines));
        var doubled = await BuyOnEveryTrade(Recording(lines.SelectMany(l => new[] { l, l })));

        Assert.Equal(10, single.Summary.Calls);
        Assert.Equal((single.Summary.Calls, single.Summary.FillCount, single.Summary.Records), (doubled.Summary.Calls, doubled.Summary.FillCount,
            doubled.Summary.Records));
        Assert.Equal(single.Summary.Instruments.Single().TapeVolume, doubled.Summary.Instruments.Single().TapeVolume);
        Assert.Equal(0, single.Summary.RepeatedLines);
        Assert.Equal(lines.Length, doubled.Summary.RepeatedLines);
        var dir = Cli.CliTestKit.EmptyDirectory();
        await doubled.WriteAsync(dir);
        Assert.Contains($"\"repeated_lines\": {lines.Length}", File.ReadAllText(Path.Combine(dir, "summary.json")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refused_amendment_keeps_the_number_code_and_side_it_named_in_orders_csv()
    {
        var recording = Recording(Lines());
        var result = await KisBacktest.RunAsync(new KisRecordingFolder(recording), async (data, orders, ct) =>
        {
            await foreach (var _ in data.SubscribeStockTradesAsync(Code, cancellationToken: ct))
            {
                var bought = await orders.PlaceAsync(KisOrderRequest.Stock(Code, OrderSide.Buy, 1), ct);
                Assert.True(bought.IsAccepted, bought.Refusal?.ToString());
                // Filled at once: nothing is left to amend (APBK0917); and a number no order has (APBK0915).
                await orders.AmendAsync(new KisAmendRequest { Product = KisProduct.Stock, OriginalOrderNumber = bought.OrderNumber!, Quantity = 1,
                    Price = 70_100 }, ct);
                await orders.AmendAsync(new KisAmendRequest { Product = KisProduct.Stock, OriginalOrderNumber = "0000009999", Quantity = 1,
                    Price = 70_100 }, ct);
                break;
            }
        }, new KisBacktestOptions { Latency = TimeSpan.Zero }).WaitAsync(SimTestClient.Timeout);

        var (placed, filledAway, unknown) = (result.Orders[0], result.Orders[1], result.Orders[2]);
        Assert.Contains("APBK0917", filledAway.Refusal, StringComparison.Ordinal);
        Assert.Equal((placed.OrderNumber, Code, OrderSide.Buy), (filledAway.OriginalOrderNumber, filledAway.Code, filledAway.Side));
        Assert.Contains("APBK0915", unknown.Refusal, StringComparison.Ordinal);
        Assert.Equal(("0000009999", "", OrderSide.Unknown), (unknown.OriginalOrderNumber, unknown.Code, unknown.Side));
        var dir = Cli.CliTestKit.EmptyDirectory();
        await result.WriteAsync(dir);
        var rows = File.ReadAllLines(Path.Combine(dir, "orders.csv"));
        Assert.Contains($",{placed.OrderNumber},{Code},buy,limit,", rows[2], StringComparison.Ordinal);
        Assert.Contains(",0000009999,,,limit,", rows[3], StringComparison.Ordinal); // no side rather than a made-up "sell"
    }
}
