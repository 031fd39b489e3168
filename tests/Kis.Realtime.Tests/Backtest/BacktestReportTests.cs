using System.Globalization;
using System.Text;
using Kis.Realtime.Simulator.Backtest;

namespace Kis.Realtime.Tests.Backtest;

/// <summary>
/// report.html's numbers are written without the custom formats they used to go through ("0.#" for the chart's
/// coordinates, "#,##0.##" for a fill's price): the page must keep its bytes, so each writer is held to its format.
/// </summary>
public sealed class BacktestReportTests
{
    [Theory]
    [InlineData(0.0)]
    [InlineData(0.04)]
    [InlineData(0.05)] // midpoints, as binary doubles lie on either side of them
    [InlineData(0.15)]
    [InlineData(0.25)]
    [InlineData(0.35)]
    [InlineData(1.45)]
    [InlineData(12.95)]
    [InlineData(100.25)]
    [InlineData(43.0)]
    [InlineData(959.99)]
    [InlineData(212.0000000001)]
    [InlineData(123456789.0499996)] // 15 significant digits move it onto a midpoint: 123456789.1
    [InlineData(1234567890123.046)]
    [InlineData(1e16)]
    [InlineData(-0.04)] // below the picture: the format itself ("-0")
    [InlineData(double.NaN)]
    [InlineData(-3.26)]
    public void A_coordinate_is_written_as_the_format_writes_it(double value) =>
        Assert.Equal(value.ToString("0.#", CultureInfo.InvariantCulture), BacktestReport.Tenths(new StringBuilder(), value).ToString());

    [Fact]
    public void Negative_zero_is_written_as_the_format_writes_it() => // a theory's data takes it for 0
        Assert.Equal((-0.0).ToString("0.#", CultureInfo.InvariantCulture), BacktestReport.Tenths(new StringBuilder(), -0.0).ToString());

    [Fact]
    public void Coordinates_across_the_picture_are_written_as_the_format_writes_them()
    {
        // The chart's arithmetic: a pad plus a fraction of the width or height, over a day of fills.
        var random = new Random(20261129);
        for (var i = 0; i < 200_000; i++)
        {
            var value = i < 100_000 ? 48 + random.NextDouble() * 864 : Math.Round(random.NextDouble() * 9600) / 10 + 0.05;
            var expected = value.ToString("0.#", CultureInfo.InvariantCulture);
            var written = BacktestReport.Tenths(new StringBuilder(), value).ToString();
            Assert.True(expected == written, $"{value:R}: the format writes {expected}, the report {written}");
        }
    }

    [Theory]
    [InlineData("0")]
    [InlineData("7")]
    [InlineData("999")]
    [InlineData("1000")]
    [InlineData("70100")]
    [InlineData("70100.00")] // a whole number with a scale
    [InlineData("1234567890123")]
    [InlineData("70100.5")] // a fraction: the format itself
    [InlineData("0.125")]
    [InlineData("-1500")]
    [InlineData("1000000000000000000")]
    [InlineData("10000000000000000000")] // past a long
    public void A_price_is_written_as_the_format_writes_it(string text)
    {
        var value = decimal.Parse(text, CultureInfo.InvariantCulture);
        Assert.Equal(value.ToString("#,##0.##", CultureInfo.InvariantCulture), BacktestReport.Money(new StringBuilder(), value).ToString());
    }
}
