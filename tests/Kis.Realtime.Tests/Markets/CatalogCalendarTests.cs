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
    public void Every_catalog_TR_names_its_market_in_the_catalog_and_the_calendar_follows_it()
    {
        Assert.All(KisTrs.All, tr => Assert.NotNull(MarketCalendar.ForMarket(tr.Market)));
        // One market name, one calendar: the same name never leads to two calendars (overseas stocks: by the key).
        Assert.Same(MarketCalendar.KrxNightDerivatives, MarketCalendar.For(KisTrs.H0EUCNT0.Id));
        Assert.Same(MarketCalendar.UsStocks, MarketCalendar.For(KisTrs.HDFSCNT0.Id, "DNASAAPL"));
        Assert.NotSame(MarketCalendar.UsStocks, MarketCalendar.For(KisTrs.HDFSCNT0.Id, "DTSE7203"));
        Assert.Same(MarketCalendar.Nextrade, MarketCalendar.For(KisTrs.H0NXCNT0.Id));
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
        s.Append("Each TR's `market` in kis-catalog.json (generated into the TR tables; `MarketCalendar.For` reads it) names the\n");
        s.Append("calendar it follows; the last column is the field gap detection and bars date its trading day by\n");
        s.Append("(`CatalogCalendarTests` checks this table against the code). Sessions and provenance: docs/bars.md, \"Markets and sessions\".\n");
        s.Append("Overseas stock TRs follow the key's market (DNAS…: New York; DTSE…: Tokyo …); the US is shown.\n\n");
        s.Append("| TR | catalog market | calendar | time zone | trading day from |\n|---|---|---|---|---|\n");
        foreach (var tr in KisTrs.All.OrderBy(t => t.Id, StringComparer.Ordinal))
        {
            var calendar = MarketCalendar.For(tr.Id);
            // The order TradeVolumeFields reads them in: bsop_date, else kymd (overseas: the KST stamp put on New York's
            // clock gives the same day as the record's local date tymd, and works for every key's market).
            var day = tr.IndexOf("bsop_date") >= 0 ? "bsop_date (KST)"
                : tr.IndexOf("kymd") >= 0 ? "kymd + khms (KST), on the market's clock (= tymd, the local date)"
                : calendar.DayStart > TimeSpan.Zero ? "the KST time; a session after midnight belongs to the evening before"
                : "the KST time, dated by the day it is received";
            s.Append($"| {tr.Id} | {tr.Market} | {calendar.Name} | {calendar.TimeZoneId} | {day} |\n");
        }
        return s.ToString();
    }
}
