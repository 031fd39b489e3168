using System.Globalization;
using System.Text.RegularExpressions;
using Kis.Realtime.Simulator;
using Kis.Realtime.Simulator.Backtest;
using static Kis.Realtime.Tests.Simulator.ReplayVenueTests;

namespace Kis.Realtime.Tests.Backtest;

/// <summary>
/// Issue 73, finding 11: report.html drew a stock's price line from a point a second (each second's last trade, then
/// thinned), under the fill marks, so fills sat far off the line. Now every fill lies on the line: the line passes, in
/// the fill's pixel column, through a range of prices that holds the fill's.
/// </summary>
public sealed partial class BacktestReportPriceLineTests
{
    private const string Code = "005930";
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 10, 0, 0, TimeSpan.FromHours(9));

    [Fact]
    public async Task Every_fill_mark_lies_within_the_price_lines_range_in_its_pixel_column()
    {
        // 1,500 seconds of four trades a second between 69,500 and 70,500 (the last of a second is one of four), a
        // fresh book (70,000 / 69,900) every ten seconds; the strategy buys one at the ask and sells it at the bid.
        var lines = new List<byte[]>();
        for (var second = 0; second < 1_500; second++)
        {
            var at = T0.AddSeconds(second);
            if (second % 10 == 0) lines.Add(Line(at, Book(at, ask: 70_000, bid: 69_900, quantity: 100)));
            for (var k = 0; k < 4; k++)
            {
                var price = 69_500 + (second * 37 + k * 53) % 11 * 100;
                lines.Add(Line(at.AddMilliseconds(k * 200), Trade(at.AddMilliseconds(k * 200), price, volume: 10, buyer: k % 2 == 0, previousClose: 69_000)));
            }
        }
        var dir = Cli.CliTestKit.EmptyDirectory();
        Directory.CreateDirectory(Path.Combine(dir, "2026-11-25"));
        File.WriteAllBytes(Path.Combine(dir, "2026-11-25", "raw.log"), [.. lines.SelectMany(l => l)]);
        var result = await KisBacktest.RunAsync(new KisRecordingFolder(dir), async (data, orders, ct) =>
        {
            var seen = 0;
            await foreach (var _ in data.SubscribeStockTradesAsync(Code, cancellationToken: ct))
                if (++seen % 32 == 0)
                    await orders.PlaceAsync(KisOrderRequest.Stock(Code, seen % 64 == 0 ? OrderSide.Sell : OrderSide.Buy, 1), ct);
        }, new KisBacktestOptions { Latency = TimeSpan.Zero }).WaitAsync(TimeSpan.FromSeconds(120));
        Assert.True(result.Fills.Count >= 150, $"{result.Fills.Count} fills");

        var chart = Regex.Match(BacktestReport.Html(result), $"<svg id=\"chart-{Code}\".*?</svg>", RegexOptions.Singleline).Value;
        var line = Points(Regex.Match(chart, "<polyline class=\"line\" points=\"([^\"]*)\"").Groups[1].Value);
        var marks = Marks().Matches(chart).Select(m => (Buy: m.Groups[1].Value == "buy", Points: Points(m.Groups[2].Value))).ToList();
        Assert.Equal(result.Fills.Count, marks.Count);
        var off = new List<string>();
        foreach (var (buy, triangle) in marks)
        {
            // The mark's tip is 3 px from the fill's point: above it for a buy (pointing up), below for a sell.
            var (x, y) = (triangle[2].X, triangle[2].Y + (buy ? 3 : -3));
            var column = line.Where(p => Math.Abs(p.X - x) <= 0.6).Select(p => p.Y).ToList();
            if (column.Count == 0 || y < column.Min() - 0.15 || y > column.Max() + 0.15)
                off.Add($"{(buy ? "buy" : "sell")} at ({x}, {y}): line {string.Join(' ', column)}");
        }
        Assert.True(off.Count == 0, $"{off.Count} of {marks.Count} fills off the line:\n" + string.Join('\n', off.Take(10)));
    }

    private static List<(double X, double Y)> Points(string points)
        => [.. points.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split(','))
            .Select(p => (double.Parse(p[0], CultureInfo.InvariantCulture), double.Parse(p[1], CultureInfo.InvariantCulture)))];

    [GeneratedRegex("<polygon class=\"(buy|sell)\" points=\"([^\"]*)\">")]
    private static partial Regex Marks();
}
