using System.Text;

namespace Kis.Realtime.Tests.Markets;

/// <summary>
/// Every TR of the catalog has its market's calendar by an explicit rule (no TR falls to the default), and
/// docs/kis-catalog.md's "Market calendar per TR" table is what the code says (KIS_ACCEPT_PUBLIC_API=1 rewrites it).
/// </summary>
public sealed class CatalogCalendarTests
{
    private const string Heading = "## Market calendar per TR";

    [Fact]
    public void Every_catalog_TR_has_an_explicit_market_calendar()
    {
        var unknown = KisTrs.All.Where(tr => MarketCalendar.Known(tr.Id) is null).Select(tr => tr.Id).ToList();
        Assert.Empty(unknown);
    }

    [Fact]
    public void The_catalog_doc_lists_each_TRs_market_time_zone_and_trading_day_field()
    {
        var expected = Table();
        var path = Path.Combine(Kis.Realtime.Tests.Packaging.ReadmeSamples.RepositoryRoot(), "docs", "kis-catalog.md");
        var doc = File.ReadAllText(path);
        var start = doc.IndexOf(Heading, StringComparison.Ordinal);
        var end = start < 0 ? -1 : doc.IndexOf("\n## ", start + Heading.Length, StringComparison.Ordinal);
        var current = start < 0 ? "" : end < 0 ? doc[start..] : doc[start..(end + 1)];
        if (Environment.GetEnvironmentVariable("KIS_ACCEPT_PUBLIC_API") == "1")
        {
            File.WriteAllText(path, start < 0 ? doc.TrimEnd() + "\n\n" + expected : doc.Replace(current, expected, StringComparison.Ordinal));
            return;
        }
        Assert.Equal(expected, current);
    }

    private static string Table()
    {
        var s = new StringBuilder();
        s.Append(Heading).Append("\n\n");
        s.Append("Generated from the code (`MarketCalendar.For`, `CatalogCalendarTests` checks it): which market's calendar each TR\n");
        s.Append("follows and which field dates its trading day. Sessions and provenance: docs/bars.md, \"Markets and sessions\".\n");
        s.Append("Overseas stock TRs follow the key's market (DNAS…: New York; DTSE…: Tokyo …); the US is shown.\n\n");
        s.Append("| TR | market | time zone | trading day from |\n|---|---|---|---|\n");
        foreach (var tr in KisTrs.All.OrderBy(t => t.Id, StringComparer.Ordinal))
        {
            var calendar = MarketCalendar.For(tr.Id);
            var day = tr.IndexOf("tymd") >= 0 ? "tymd (the market's local business date)"
                : tr.IndexOf("bsop_date") >= 0 ? "bsop_date (KST)"
                : tr.IndexOf("kymd") >= 0 ? "kymd + khms (KST), on the market's clock"
                : calendar.DayStart > TimeSpan.Zero ? "the KST time; a session after midnight belongs to the evening before"
                : "the KST time, dated by the day it is received";
            s.Append($"| {tr.Id} | {calendar.Name} | {calendar.TimeZoneId} | {day} |\n");
        }
        return s.ToString();
    }
}
