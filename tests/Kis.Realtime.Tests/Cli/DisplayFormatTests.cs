using Kis.Realtime.Cli.Output;
using static Kis.Realtime.Tests.Cli.CliTestKit;

namespace Kis.Realtime.Tests.Cli;

public class DisplayFormatTests
{
    [Theory]
    [InlineData("2084.76", "2,084.76")]
    [InlineData("10400.00", "10,400.00")]
    [InlineData("1234567", "1,234,567")]
    [InlineData("-0.50", "-0.50")]
    [InlineData("-12345.6", "-12,345.6")]
    [InlineData("0", "0")]
    public void Prices_get_thousands_separators_and_keep_their_decimals(string value, string expected)
        => Assert.Equal(expected, DisplayFormat.Default.Price(decimal.Parse(value, System.Globalization.CultureInfo.InvariantCulture)));

    [Theory]
    [InlineData(-117_252_452_610, "-1,172억 5,245만원")]
    [InlineData(13_844_364_703, "138억 4,436만원")]
    [InlineData(2_512_345_678_901_234, "2,512조 3,456억 7,890만원")]
    [InlineData(100_000_000, "1억원")]
    [InlineData(4_703, "4,703원")]
    [InlineData(-4_703, "-4,703원")]
    [InlineData(0, "0원")]
    public void Korean_style_counts_in_jo_eok_man(long amount, string expected)
        => Assert.Equal(expected, DisplayFormat.Parse("korean").Won(amount));

    [Fact]
    public void Digits_style_is_grouped_krw()
        => Assert.Equal("-117,252,452,610 KRW", DisplayFormat.Parse(null).Won(-117_252_452_610));

    [Fact]
    public void Unknown_krw_style_is_a_usage_error()
        => Assert.Equal("--krw must be digits or korean (조/억/만), not 'usd'.",
            Assert.Throws<Kis.Realtime.Cli.Configuration.CliUsageException>(() => DisplayFormat.Parse("usd")).Message);

    [Fact]
    public async Task Table_with_korean_krw_shows_program_amounts_in_eok()
    {
        var stderr = new StringWriter();
        var exit = await Kis.Realtime.Cli.Commands.StreamCommand.RunAsync(FastSimulator("program:005930"),
            new Kis.Realtime.Cli.Commands.StreamArgs { Format = "table", Count = 20, Krw = "korean" }, Env(), new MemoryStream(), stderr, default).WaitAsync(
                CliTimeout);
        Assert.Equal(0, exit);
        var row = stderr.ToString().Split('\n').Last(l => l.StartsWith("H0UNPGM0 005930", StringComparison.Ordinal));
        Assert.Matches(@"net -?[\d,]+ sh / -?[\d,]+억( [\d,]+만)?원", row);
    }
}
