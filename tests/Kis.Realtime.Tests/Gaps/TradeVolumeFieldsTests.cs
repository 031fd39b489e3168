using System.Text;
using Kis.Realtime.Internal;
using Kis.Realtime.Protocol;

namespace Kis.Realtime.Tests.Gaps;

/// <summary>Gap detection reads time, date, volume and cumulative volume straight from a record's fields, for every trade TR.</summary>
public class TradeVolumeFieldsTests
{
    public static TheoryData<string> TradeTrs =>
        [.. new[] { "H0STCNT0", "H0NXCNT0", "H0UNCNT0", "H0STOUP0", "H0UPCNT0", "H0IFCNT0", "H0CFCNT0", "H0ZFCNT0", "H0MFCNT0", "H0IOCNT0", "H0ZOCNT0",
            "H0EUCNT0", "HDFSCNT0" }];

    /// <summary>A record of <paramref name="tr"/>: every field its index (so a wrong field reads a wrong number), the four set.</summary>
    private static string[] Fields(TrDefinition tr, string time, string volume, string accumulated, string date)
    {
        var fields = Enumerable.Range(0, tr.Fields.Count).Select(i => (900_000 + i).ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        foreach (var name in new[] { "stck_cntg_hour", "bsop_hour", "khms" }) if (tr.IndexOf(name) is >= 0 and var i) { fields[i] = time; break; }
        foreach (var name in new[] { "cntg_vol", "last_cnqn", "pcas_vol", "evol" }) if (tr.IndexOf(name) is >= 0 and var i) { fields[i] = volume; break; }
        foreach (var name in new[] { "acml_vol", "tvol" }) if (tr.IndexOf(name) is >= 0 and var i) { fields[i] = accumulated; break; }
        foreach (var name in new[] { "bsop_date", "kymd" }) if (tr.IndexOf(name) is >= 0 and var i) { fields[i] = date; break; }
        return fields;
    }

    [Theory]
    [MemberData(nameof(TradeTrs))]
    public void Reads_the_four_fields_wherever_they_are_and_rejects_a_record_cut_short(string trId)
    {
        Assert.True(KisTrs.TryGet(trId, out var tr));
        var layout = TradeVolumeFields.For(tr);
        Assert.NotNull(layout);
        var fields = Fields(tr, "093015", "17", "123456789", "20261123");
        Assert.True(layout.TryRead(Encoding.ASCII.GetBytes(string.Join('^', fields)), out var trade));
        Assert.Equal((new TimeOnly(9, 30, 15), 17L, 123_456_789L), (trade.Time, trade.Volume, trade.Accumulated));
        if (trade.Date is not null) Assert.Equal(new DateOnly(2026, 11, 23), trade.Date);

        // Fields KIS appends after the known ones change nothing.
        Assert.True(layout.TryRead(Encoding.ASCII.GetBytes(string.Join('^', fields) + "^extra^1"), out var extended));
        Assert.Equal((17L, 123_456_789L), (extended.Volume, extended.Accumulated));

        // Cut just before the last field the layout reads: not read.
        var needed = new[] { "stck_cntg_hour", "bsop_hour", "khms", "cntg_vol", "last_cnqn", "pcas_vol", "evol", "acml_vol", "tvol", "bsop_date", "kymd" }
            .Select(tr.IndexOf).Max();
        Assert.False(layout.TryRead(Encoding.ASCII.GetBytes(string.Join('^', fields.Take(needed))), out _));
        // A field that does not parse: not read.
        fields[tr.IndexOf(tr.IndexOf("acml_vol") >= 0 ? "acml_vol" : "tvol")] = "12x";
        Assert.False(layout.TryRead(Encoding.ASCII.GetBytes(string.Join('^', fields)), out _));
    }

    [Fact]
    public void Field_ends_match_a_plain_split_across_vector_boundaries()
    {
        var random = new Random(5);
        for (var round = 0; round < 500; round++)
        {
            var text = string.Join('^', Enumerable.Range(0, random.Next(1, 60)).Select(_ => new string('7', random.Next(0, 9))));
            var bytes = Encoding.ASCII.GetBytes(text);
            var expected = new List<int>();
            for (var i = 0; i < bytes.Length; i++) if (bytes[i] == '^') expected.Add(i);
            expected.Add(bytes.Length);
            foreach (var size in new[] { 1, 5, 33, expected.Count, expected.Count + 3 })
            {
                var ends = new int[size];
                var found = FieldSeparators.FieldEnds(bytes, ends);
                Assert.Equal(Math.Min(size, expected.Count), found);
                Assert.Equal(expected.Take(found), ends.Take(found));
            }
        }
    }

    [Theory]
    [InlineData("H0STCNT0")]
    [InlineData("H0NXCNT0")]
    [InlineData("H0UNCNT0")]
    [InlineData("H0STOUP0")]
    public void A_decoded_stock_trade_gives_the_fields_the_record_does_and_leaves_empty_ones_to_the_record(string trId)
    {
        // Parallel replay workers take gap fields from the decoded view (PendingGaps.FromView) instead of a second read.
        Assert.True(KisTrs.TryGet(trId, out var tr));
        var fields = Encoding.ASCII.GetString(Kis.Realtime.Benchmarks.SyntheticRecording.Record(tr, "005930", 3)).Split('^');
        (fields[tr.IndexOf("stck_cntg_hour")], fields[tr.IndexOf("cntg_vol")], fields[tr.IndexOf("acml_vol")], fields[tr.IndexOf("bsop_date")]) = ("101112",
            "17", "123456789", "20261124");
        Assert.True(StockTrade.TryDecode(tr, Encoding.ASCII.GetBytes(string.Join('^', fields)), out var view, out _));
        Assert.True(TradeVolumeFields.For(tr)!.TryRead(Encoding.ASCII.GetBytes(string.Join('^', fields)), out var fromRecord));
        Assert.True(PendingGaps.FromView(view, out var fromView));
        Assert.Equal(fromRecord, fromView);
        Assert.Equal(new TradeVolume(new DateOnly(2026, 11, 24), new TimeOnly(10, 11, 12), 17, 123_456_789), fromView);

        // An empty field decodes as 0 (or no date): not taken from the view, as the record's check skips the trade.
        foreach (var name in new[] { "cntg_vol", "acml_vol", "bsop_date" })
        {
            var emptied = (string[])fields.Clone();
            emptied[tr.IndexOf(name)] = "";
            Assert.True(StockTrade.TryDecode(tr, Encoding.ASCII.GetBytes(string.Join('^', emptied)), out var partial, out _), name);
            Assert.False(PendingGaps.FromView(partial, out _), name);
        }
    }
}
