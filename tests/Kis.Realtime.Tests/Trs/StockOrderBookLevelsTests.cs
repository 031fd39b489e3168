using System.Text;
using Kis.Realtime.Protocol;

namespace Kis.Realtime.Tests.Trs;

/// <summary>
/// The backtest's engine reads a book's levels with <c>StockOrderBook.TryDecodeLevels</c> instead of a whole decode: it
/// must take the same records, refuse the same ones, and give the same levels.
/// </summary>
public class StockOrderBookLevelsTests
{
    public static TheoryData<string> BookTrs => ["H0STASP0", "H0NXASP0", "H0UNASP0", "H0STOAA0"];

    [Theory]
    [MemberData(nameof(BookTrs))]
    public void Levels_match_the_whole_decode_for_every_field_damaged_or_missing(string id)
    {
        Assert.True(KisTrs.TryGet(id, out var tr));
        var golden = new GoldenRecord(tr, new Dictionary<string, string> { ["antc_cntg_vrss_sign"] = "2", ["hour_cls_code"] = "0" });
        var records = new List<string> { golden.Record };
        for (var i = 0; i < tr.Fields.Count; i++)
        {
            foreach (var damage in new[] { "x", "", "1.5", "99999999999999999999999" })
            {
                var values = golden.Values.ToArray();
                values[i] = damage;
                records.Add(string.Join('^', values));
            }
            records.Add(string.Join('^', golden.Values.Take(i))); // the fields from i on missing
        }
        records.Add(golden.Record + "^extra^fields");
        var refused = 0;
        foreach (var record in records)
        {
            var bytes = Encoding.UTF8.GetBytes(record);
            var whole = StockOrderBook.TryDecode(tr, bytes, out var book, out _);
            decimal[] askPrices = new decimal[OrderBookLevels.MaxDepth], bidPrices = new decimal[OrderBookLevels.MaxDepth];
            long[] askQuantities = new long[OrderBookLevels.MaxDepth], bidQuantities = new long[OrderBookLevels.MaxDepth];
            Array.Fill(askPrices, -1); // stale values from an earlier book must not show through
            Array.Fill(bidQuantities, -1);
            var levels = StockOrderBook.TryDecodeLevels(tr, bytes, askPrices, askQuantities, bidPrices, bidQuantities);
            Assert.True(whole == levels, $"{id} [{record}]: whole decode {whole}, levels {levels}");
            if (!whole)
            {
                refused++;
                continue;
            }
            for (var i = 0; i < OrderBookLevels.MaxDepth; i++)
            {
                Assert.Equal(book.Asks[i], new OrderBookLevel(askPrices[i], askQuantities[i]));
                Assert.Equal(book.Bids[i], new OrderBookLevel(bidPrices[i], bidQuantities[i]));
            }
        }
        Assert.True(refused > tr.Fields.Count, $"{id}: only {refused} damaged records refused: the test lost its teeth");
    }
}
