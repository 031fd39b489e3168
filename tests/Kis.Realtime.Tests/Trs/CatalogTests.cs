using System.Text;
using System.Text.Json;
using Kis.Realtime.Cli.Commands;
using Kis.Realtime.Protocol;
using static Kis.Realtime.Tests.Protocol.DocumentedFrames;

namespace Kis.Realtime.Tests.Trs;

public class CatalogTests
{
    public static TheoryData<string> AllTrIds()
    {
        var data = new TheoryData<string>();
        foreach (var tr in KisTrs.All) data.Add(tr.Id);
        return data;
    }

    [Fact]
    public void The_catalog_has_60_trs_plus_three_paper_notice_ids()
    {
        Assert.Equal(60, KisTrs.Catalog.Count);
        Assert.Equal(63, KisTrs.All.Count);
        Assert.Equal(63, KisTrs.All.Select(t => t.Id).Distinct().Count());
        Assert.Equal(["H0GSCNI9", "H0IFCNI9", "H0STCNI9"], KisTrs.All.Except(KisTrs.Catalog).Select(t => t.Id).Order());
        foreach (var tr in KisTrs.All)
        {
            Assert.True(KisTrs.TryGet(tr.Id, out var found) && ReferenceEquals(found, tr), tr.Id);
            Assert.Equal(tr.Fields.Count, tr.Fields.Select(f => f.Name).Distinct().Count());
            Assert.All(tr.Fields, f => Assert.False(string.IsNullOrWhiteSpace(f.Description)));
            Assert.True(tr.IsValidKey(tr.KeyExample), $"{tr.Id} example key {tr.KeyExample}");
            Assert.Equal(tr.KeyFormat == TrKeyFormat.HtsId, tr.Encrypted);
        }
    }

    [Theory]
    [InlineData("H0STCNT0", 46)]
    [InlineData("H0STASP0", 59)]
    [InlineData("H0NXASP0", 65)]
    [InlineData("H0STCNI0", 26)]
    [InlineData("H0STOAA0", 54)]
    [InlineData("H0STMKO0", 11)]
    [InlineData("H0UNMKO0", 10)]
    [InlineData("H0STNAV0", 8)]
    [InlineData("H0EWCNT0", 63)]
    [InlineData("H0IFCNT0", 50)]
    [InlineData("H0ZOANC0", 7)]
    [InlineData("HDFSCNT0", 26)]
    [InlineData("HDFSASP0", 71)]
    [InlineData("HDFSASP1", 17)]
    [InlineData("H0GSCNI0", 25)]
    [InlineData("HDFFF1C0", 33)]
    [InlineData("HDFFF2C0", 33)]
    public void Field_counts_follow_the_catalog_resolutions(string id, int fields)
        => Assert.Equal(fields, Get(id).Fields.Count);

    [Fact]
    public void Disagreements_are_resolved_as_the_catalog_advises()
    {
        // Overseas stock lists start with RSYM (the key), the overseas futures notices with user_id.
        foreach (var id in new[] { "HDFSCNT0", "HDFSASP0", "HDFSASP1" }) Assert.Equal("rsym", Get(id).Fields[0].Name);
        foreach (var id in new[] { "HDFFF1C0", "HDFFF2C0" }) Assert.Equal("user_id", Get(id).Fields[0].Name);
        // H0STNAV0: the 8 payload fields, no REST envelope names.
        Assert.Equal(["mksc_shrn_iscd", "nav", "nav_prdy_vrss_sign", "nav_prdy_vrss", "nav_prdy_ctrt", "oprc_nav", "hprc_nav", "lprc_nav"],
            Get("H0STNAV0").Fields.Select(f => f.Name));
        // H0BJASP0's typo'd 5th-level names are the regular ones.
        Assert.True(Get("H0BJASP0").IndexOf("askp_rsqn5") > 0);
        Assert.True(Get("H0BJASP0").IndexOf("bidp_rsqn5") > 0);
        Assert.Equal(-1, Get("H0BJASP0").IndexOf("askp_rsqn52"));
        // H0UNMKO0 carries no stock code; every other market TR leads with its key.
        Assert.Equal(-1, Get("H0UNMKO0").KeyField);
        Assert.Equal("trht_yn", Get("H0UNMKO0").Fields[0].Name);
        Assert.NotEmpty(KisTrs.CatalogChoices);
    }

    [Fact]
    public void Field_types_follow_kis_naming()
    {
        var trade = KisTrs.StockTrades;
        Assert.Equal(FieldType.Time, Type(trade, "stck_cntg_hour"));
        Assert.Equal(FieldType.Date, Type(trade, "bsop_date"));
        Assert.Equal(FieldType.Code, Type(trade, "prdy_vrss_sign"));
        Assert.Equal(FieldType.Code, Type(trade, "hour_cls_code"));
        Assert.Equal(FieldType.Code, Type(trade, "trht_yn"));
        Assert.Equal(FieldType.Decimal, Type(trade, "stck_prpr"));
        Assert.Equal(FieldType.Decimal, Type(trade, "prdy_ctrt"));
        Assert.Equal(FieldType.Integer, Type(trade, "acml_vol"));
        Assert.Equal(FieldType.Integer, Type(trade, "acml_tr_pbmn"));
        Assert.Equal(FieldType.Integer, Type(trade, "seln_cntg_csnu"));
        Assert.Equal(FieldType.Text, Type(trade, "mksc_shrn_iscd"));
        // Overseas amounts are not KRW: decimal. Undocumented time formats stay text.
        Assert.Equal(FieldType.Decimal, Type(KisTrs.HDFSCNT0, "tamt"));
        Assert.Equal(FieldType.Text, Type(KisTrs.H0GSCNI0, "start_tm"));
        Assert.Equal(FieldType.Time, Type(KisTrs.HDFSCNT0, "khms"));
        Assert.Equal(FieldType.Date, Type(KisTrs.HDFSCNT0, "kymd"));
        // 'VI 상태값' is a status in the NXT/combined expected trades, a price in the trades.
        Assert.Equal(FieldType.Code, Type(KisTrs.H0NXANC0, "vi_stnd_prc"));
        Assert.Equal(FieldType.Decimal, Type(KisTrs.H0NXCNT0, "vi_stnd_prc"));
        // Futures notice prices carry two implied decimals; stock notice prices do not.
        Assert.Equal(2, KisTrs.H0MFCNI0.Fields[KisTrs.H0MFCNI0.IndexOf("cntg_unpr")].ImpliedDecimals);
        Assert.Equal(0, KisTrs.H0STCNI0.Fields[KisTrs.H0STCNI0.IndexOf("cntg_unpr")].ImpliedDecimals);
    }

    [Fact]
    public void Paper_ids_and_environments()
    {
        Assert.Equal([KisEnvironment.Real, KisEnvironment.Paper], KisTrs.H0STCNT0.Environments);
        Assert.Equal("H0STCNT0", KisTrs.H0STCNT0.PaperId);
        Assert.Equal([KisEnvironment.Real], KisTrs.H0UPCNT0.Environments);
        Assert.Null(KisTrs.H0UPCNT0.PaperId);
        Assert.Same(KisTrs.H0STCNI9, KisTrs.ForEnvironment(KisTrs.H0STCNI0, KisEnvironment.Paper));
        Assert.Same(KisTrs.H0STCNI0, KisTrs.ForEnvironment(KisTrs.H0STCNI9, KisEnvironment.Real));
        Assert.Same(KisTrs.H0GSCNI9, KisTrs.ForEnvironment(KisTrs.H0GSCNI0, KisEnvironment.Paper));
        Assert.Same(KisTrs.H0STCNT0, KisTrs.ForEnvironment(KisTrs.H0STCNT0, KisEnvironment.Paper));
        Assert.Same(KisTrs.H0MFCNI0, KisTrs.ForEnvironment(KisTrs.H0MFCNI0, KisEnvironment.Paper)); // not on paper: unchanged
    }

    [Theory]
    [InlineData(TrKeyFormat.StockCode, "005930", true)]
    [InlineData(TrKeyFormat.StockCode, "57LA24", true)]
    [InlineData(TrKeyFormat.StockCode, "05930", false)]
    [InlineData(TrKeyFormat.StockCode, "005930 ", false)]
    [InlineData(TrKeyFormat.DerivativeCode, "101W09", true)]
    [InlineData(TrKeyFormat.DerivativeCode, "201W08427", true)]
    [InlineData(TrKeyFormat.DerivativeCode, "101W9000", true)]
    [InlineData(TrKeyFormat.DerivativeCode, "101w09", false)]
    [InlineData(TrKeyFormat.DerivativeCode, "10109", false)]
    [InlineData(TrKeyFormat.DerivativeCode, "101W084271", false)]
    [InlineData(TrKeyFormat.OverseasSymbol, "DNASAAPL", true)]
    [InlineData(TrKeyFormat.OverseasSymbol, "RBAQAAPL", true)]
    [InlineData(TrKeyFormat.OverseasSymbol, "DHKS00003", true)]
    [InlineData(TrKeyFormat.OverseasSymbol, "DNYSBRK.B", true)]
    [InlineData(TrKeyFormat.OverseasSymbol, "NASAAPL", false)]
    [InlineData(TrKeyFormat.OverseasSymbol, "XNASAAPL", false)]
    [InlineData(TrKeyFormat.OverseasSymbol, "DNAS", false)]
    [InlineData(TrKeyFormat.OverseasSymbol, "dnasaapl", false)]
    [InlineData(TrKeyFormat.OverseasDerivativeCode, "1OZQ25", true)]
    [InlineData(TrKeyFormat.OverseasDerivativeCode, "OESH23 C3900", true)]
    [InlineData(TrKeyFormat.OverseasDerivativeCode, " OESH23", false)]
    [InlineData(TrKeyFormat.OverseasDerivativeCode, "A", false)]
    [InlineData(TrKeyFormat.BondIndexCode, "KBPR01", true)]
    [InlineData(TrKeyFormat.BondIndexCode, "KB PR01", false)]
    [InlineData(TrKeyFormat.IndexCode, "0001", true)]
    [InlineData(TrKeyFormat.IndexCode, "00a1", false)]
    [InlineData(TrKeyFormat.HtsId, "simuser01", true)]
    [InlineData(TrKeyFormat.HtsId, "bad id!", false)]
    [InlineData(TrKeyFormat.HtsId, null, false)]
    public void Keys_are_validated_per_format(TrKeyFormat format, string? key, bool valid)
        => Assert.Equal(valid, TrKeys.IsValid(format, key));

    /// <summary>A golden frame of every TR, built from its field table, decodes through <c>kisrt decode</c> with the table's field names and typed
    /// values.</summary>
    [Theory]
    [MemberData(nameof(AllTrIds))]
    public void Every_tr_decodes_a_golden_frame_with_its_field_names(string id)
    {
        var tr = Get(id);
        var golden = new GoldenRecord(tr);
        var lines = new List<byte[]>();
        if (tr.Encrypted)
        {
            lines.Add(Utf8(SuccessReply(tr.Id, tr.KeyExample)));
            lines.Add(Utf8($"1|{tr.Id}|002|{EncryptIndependently(golden.Record + "^" + golden.Record)}"));
        }
        else
        {
            lines.Add(Utf8(golden.Frame(2)));
        }

        var (exit, records, errors) = RunDecode(lines);
        Assert.True(exit == 0, errors);
        Assert.Equal(2, records.Count);
        foreach (var record in records)
        {
            Assert.Equal(tr.Id, record.GetProperty("tr_id").GetString());
            var fields = record.GetProperty("fields");
            Assert.Equal(tr.Fields.Select(f => f.Name), fields.EnumerateObject().Select(p => p.Name));
            for (var i = 0; i < tr.Fields.Count; i++)
            {
                var def = tr.Fields[i];
                var value = fields.GetProperty(def.Name);
                if (def.IsNumeric)
                {
                    Assert.Equal(JsonValueKind.Number, value.ValueKind);
                    Assert.Equal(golden.Dec(def.Name), value.GetDecimal());
                }
                else
                {
                    Assert.Equal(golden.Values[i], value.GetString());
                }
            }
            Assert.False(record.TryGetProperty("extra", out _));
        }
    }

    [Theory]
    [InlineData("H0STCNT0")]
    [InlineData("H0STASP0")]
    [InlineData("HDFSCNT0")]
    public void A_malformed_typed_field_is_an_error_naming_the_field(string id)
    {
        var tr = Get(id);
        var numeric = tr.Fields.First(f => f.Type == FieldType.Integer).Name;
        var golden = new GoldenRecord(tr, new Dictionary<string, string> { [numeric] = "12x" });
        var (exit, records, errors) = RunDecode([Utf8(golden.Frame())]);
        Assert.Equal(1, exit);
        Assert.Empty(records);
        Assert.Contains(numeric, errors);
    }

    [Fact]
    public void A_bad_date_is_a_typed_error()
    {
        var golden = new GoldenRecord(KisTrs.StockTrades, new Dictionary<string, string> { ["bsop_date"] = "20261332" });
        Assert.False(StockTrade.TryDecode(KisTrs.StockTrades, golden.Bytes, out _, out var error));
        Assert.Equal(DecodeErrorKind.BadDate, error.Kind);
        Assert.Equal(KisTrs.StockTrades.IndexOf("bsop_date"), error.FieldIndex);
        Assert.Contains("bsop_date", error.Describe(KisTrs.StockTrades));
        var (exit, _, errors) = RunDecode([Utf8(golden.Frame())]);
        Assert.Equal(1, exit);
        Assert.Contains("bsop_date", errors);
    }

    private static TrDefinition Get(string id)
    {
        Assert.True(KisTrs.TryGet(id, out var tr), id);
        return tr;
    }

    private static FieldType Type(TrDefinition tr, string name) => tr.Fields[tr.IndexOf(name)].Type;

    private static (int Exit, List<JsonElement> Records, string Errors) RunDecode(IEnumerable<byte[]> lines)
    {
        var input = new MemoryStream();
        foreach (var line in lines)
        {
            input.Write(line);
            input.WriteByte((byte)'\n');
        }
        input.Position = 0;
        var output = new MemoryStream();
        var errors = new StringWriter();
        var exit = DecodeCommand.Run(input, output, errors);
        var records = Encoding.UTF8.GetString(output.ToArray())
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement.Clone())
            .ToList();
        return (exit, records, errors.ToString());
    }
}
