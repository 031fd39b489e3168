using System.Text.RegularExpressions;
using Kis.Realtime.Simulator;
using Kis.Realtime.Simulator.Backtest;
using Kis.Realtime.Tests.Simulator;
using static Kis.Realtime.Tests.Simulator.ReplayVenueTests;

namespace Kis.Realtime.Tests.Backtest;

/// <summary>
/// Issue 76 (7) and 73 (11): report.html reads as `kisrt bars` does: KST market times, latency in milliseconds, counts
/// with thousands separators. Failed before: times were UTC ("2026-11-25 01:00:05Z"), latency "00:00:00.0050000" and
/// "Records read" 1234 without a separator.
/// </summary>
public sealed class BacktestReportReadingTests
{
    private const string Code = "005930";
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 10, 0, 0, TimeSpan.FromHours(9));

    [Fact]
    public async Task The_report_shows_KST_market_times_latency_in_ms_and_grouped_counts()
    {
        // A book and 1,200 trades a second apart: more than a thousand records, so the count needs its separator.
        byte[][] lines =
        [
            Line(T0, Book(T0, ask: 70_000, bid: 69_900, quantity: 100)),
            .. Enumerable.Range(1, 1200).Select(i => Line(T0.AddSeconds(i),
                Trade(T0.AddSeconds(i), price: i % 2 == 0 ? 70_000 : 69_900, volume: 10, buyer: i % 2 == 0, previousClose: 69_000))),
        ];
        var dir = Cli.CliTestKit.EmptyDirectory();
        Directory.CreateDirectory(Path.Combine(dir, "2026-11-25"));
        File.WriteAllBytes(Path.Combine(dir, "2026-11-25", "raw.log"), [.. lines.SelectMany(l => l)]);
        var bought = 0;
        var result = await KisBacktest.RunAsync(new KisRecordingFolder(dir), async (data, orders, ct) =>
        {
            await foreach (var _ in data.SubscribeStockTradesAsync(Code, cancellationToken: ct))
                if (bought++ < 3) await orders.PlaceAsync(KisOrderRequest.Stock(Code, OrderSide.Buy, 1), ct);
        }, new KisBacktestOptions { Latency = TimeSpan.FromMilliseconds(5) }).WaitAsync(SimTestClient.Timeout);

        var html = BacktestReport.Html(result);

        Assert.Contains("<th>Latency (ms)</th><td>5</td>", html, StringComparison.Ordinal);
        Assert.Contains($"<th>Records read</th><td>{result.Summary.Records:N0}</td>", html, StringComparison.Ordinal);
        Assert.Contains(",", $"{result.Summary.Records:N0}", StringComparison.Ordinal);
        Assert.Contains("<td>1,200</td>", html, StringComparison.Ordinal); // the tape's trades of 005930
        Assert.Contains("2026-11-25 10:00:", html, StringComparison.Ordinal); // KST, as the recording's stamps
        Assert.Matches(new Regex(@"buy 1 @ [\d,]+ 2026-11-25 10:00:0\d KST"), html);
        Assert.DoesNotContain("Z<", html, StringComparison.Ordinal);
        Assert.DoesNotContain("2026-11-25 01:00", html, StringComparison.Ordinal);
    }
}
