using Kis.Realtime.Cli.Output;
using Kis.Realtime.Tests.Trs;

namespace Kis.Realtime.Tests.Cli;

/// <summary>
/// The live table's Korean colours (issue 47, item 4): a price and its change coloured by the change from the previous
/// close (up red, down blue, unchanged neutral), the side by itself (buy red, sell blue). Failed before: the table had no
/// colour at all.
/// </summary>
public sealed class LiveTableColourTests
{
    private static string Markup(string price, string change, string rate, string side)
    {
        var record = new GoldenRecord(KisTrs.H0STCNT0, new Dictionary<string, string>
        {
            ["stck_prpr"] = price, ["prdy_vrss"] = change, ["prdy_ctrt"] = rate, ["ccld_dvsn"] = side,
        });
        var (_, summary) = RecordSummary.Describe(KisTrs.H0STCNT0, record.Bytes, null, out var colours);
        return LiveTable.Coloured(summary, colours);
    }

    [Fact]
    public void A_rise_sold_into_has_a_red_price_and_a_blue_side()
    {
        var markup = Markup("71200", "1200", "1.71", "5");
        Assert.StartsWith("[red]71200 +1200 (+1.71%)[/]  [dodgerblue1]Sell[/] ", markup, StringComparison.Ordinal);
    }

    [Fact]
    public void A_fall_bought_into_has_a_blue_price_and_a_red_side()
        => Assert.StartsWith("[dodgerblue1]69500 -500 (-0.71%)[/]  [red]Buy[/] ", Markup("69500", "-500", "-0.71", "1"), StringComparison.Ordinal);

    [Fact]
    public void An_unchanged_price_is_neutral()
        => Assert.StartsWith("70000 0 (0%)  [red]Buy[/] ", Markup("70000", "0", "0", "1"), StringComparison.Ordinal);

    [Fact]
    public void Text_in_the_summary_is_escaped_not_read_as_markup()
        => Assert.Equal("a [[b]] [red]c[/]", LiveTable.Coloured("a [b] c", new SummaryColours(new SummaryPart(6, 1, 1), default)));
}
