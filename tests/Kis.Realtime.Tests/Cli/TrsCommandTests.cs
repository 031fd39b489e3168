using Kis.Realtime.Cli.Commands;
using Kis.Realtime.Cli.Configuration;
using Kis.Realtime.Cli.Output;
using Kis.Realtime.Tests.Trs;

namespace Kis.Realtime.Tests.Cli;

public class TrsCommandTests
{
    [Fact]
    public void Trs_lists_the_60_trs_with_key_example_encryption_and_paper_id()
    {
        var output = new StringWriter();
        Assert.Equal(0, TrsCommand.Run(output, new StringWriter(), null));
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var rows = lines.Where(l => l.Length > 8 && KisTrs.TryGet(l[..8], out _)).ToList();
        Assert.Equal(60, rows.Count);
        Assert.Equal(KisTrs.Catalog.Select(t => t.Id), rows.Select(r => r[..8]));
        var stock = rows.Single(r => r.StartsWith("H0STCNT0"));
        Assert.Contains("005930", stock);
        Assert.Matches(@"^H0STCNT0\s+H0STCNT0\s+no\s+46\s", stock); // paper id = the same id; not encrypted; 46 fields
        Assert.Contains("stock", stock);
        Assert.Contains("국내주식 실시간체결가(KRX)", stock);
        var notice = rows.Single(r => r.StartsWith("H0STCNI0"));
        Assert.Contains("H0STCNI9", notice);
        Assert.Contains("yes", notice);
        Assert.Contains("DNASAAPL", rows.Single(r => r.StartsWith("HDFSCNT0")));
        Assert.Contains("101W09", rows.Single(r => r.StartsWith("H0IFCNT0")));
        Assert.Matches(@"^H0UPCNT0\s+-\s+no", rows.Single(r => r.StartsWith("H0UPCNT0")));
    }

    [Fact]
    public void Trs_with_an_id_or_alias_lists_its_fields()
    {
        var output = new StringWriter();
        Assert.Equal(0, TrsCommand.Run(output, new StringWriter(), "book"));
        var text = output.ToString();
        Assert.StartsWith("H0STASP0", text);
        Assert.Contains(" 59  stck_deal_cls_code", text);
        Assert.Contains("askp_rsqn10", text);
        Assert.Contains("매도호가 잔량10", text);

        output = new StringWriter();
        Assert.Equal(0, TrsCommand.Run(output, new StringWriter(), "h0ifcni0"));
        Assert.Contains("Decimal (2 implied decimals)", output.ToString());

        var errors = new StringWriter();
        Assert.Equal(2, TrsCommand.Run(new StringWriter(), errors, "nope"));
        Assert.Contains("unknown TR 'nope'", errors.ToString());
    }

    [Theory]
    [InlineData("stock:005930", "H0STCNT0", "005930")]
    [InlineData("book:005930", "H0STASP0", "005930")]
    [InlineData("stock-nxt:005930", "H0NXCNT0", "005930")]
    [InlineData("book-unified:005930", "H0UNASP0", "005930")]
    [InlineData("status:005930", "H0STMKO0", "005930")]
    [InlineData("expected:005930", "H0STANC0", "005930")]
    [InlineData("futures:101W09", "H0IFCNT0", "101W09")]
    [InlineData("options:201W08427", "H0IOCNT0", "201W08427")]
    [InlineData("night-futures:101W9000", "H0MFCNT0", "101W9000")]
    [InlineData("us:DNASAAPL", "HDFSCNT0", "DNASAAPL")]
    [InlineData("us-book:RBAQAAPL", "HDFSASP0", "RBAQAAPL")]
    [InlineData("etf-nav:069500", "H0STNAV0", "069500")]
    [InlineData("elw:57LA24", "H0EWCNT0", "57LA24")]
    [InlineData("stock-notice", "H0STCNI0", "myhts01")]
    [InlineData("us-notice", "H0GSCNI0", "myhts01")]
    [InlineData("program-krx:005930", "H0STPGM0", "005930")]
    [InlineData("H0ZOASP0:239W08090", "H0ZOASP0", "239W08090")]
    public void Aliases_cover_the_common_trs(string text, string trId, string key)
    {
        Assert.True(SubscriptionSpec.TryParse(text, "myhts01", KisEnvironment.Real, out var spec, out var error), error);
        Assert.Equal(trId, spec.Tr.Id);
        Assert.Equal(key, spec.Key);
    }

    [Theory]
    [InlineData("stock-notice", "H0STCNI9")]
    [InlineData("us-notice", "H0GSCNI9")]
    [InlineData("stock:005930", "H0STCNT0")]
    public void Paper_maps_notice_aliases_to_paper_ids(string text, string trId)
    {
        Assert.True(SubscriptionSpec.TryParse(text, "myhts01", KisEnvironment.Paper, out var spec, out var error), error);
        Assert.Equal(trId, spec.Tr.Id);
    }

    [Theory]
    [InlineData("us:AAPL", "not a valid HDFSCNT0 key")]
    [InlineData("futures:101w09", "not a valid H0IFCNT0 key")]
    [InlineData("book", "H0STASP0 needs a key")]
    public void Malformed_keys_are_refused_with_the_format(string text, string message)
    {
        Assert.False(SubscriptionSpec.TryParse(text, "myhts01", KisEnvironment.Real, out _, out var error));
        Assert.Contains(message, error);
    }

    [Fact]
    public void Every_typed_view_has_a_readable_live_table_line()
    {
        foreach (var tr in KisTrs.All)
        {
            var golden = new GoldenRecord(tr);
            var (_, summary) = RecordSummary.Describe(tr, golden.Bytes);
            var raw = golden.Record.Length > 80 ? golden.Record[..80] : golden.Record;
            var typed = RecordSummary.HasTypedLine(tr); // which TRs: RecordSummaryTests
            if (typed) Assert.NotEqual(raw, summary);
            else Assert.Equal(raw, summary); // generic TRs show their raw fields
        }
    }
}
