using System.Text;

namespace Kis.Realtime.Tests.Trs;

/// <summary>
/// The backtest's engine reads a book's levels with <c>StockOrderBook.TryDecodeLevels</c> instead of a whole decode: it
/// must take the same records, refuse the same ones, and give the same levels; the one difference is a price with a
/// fraction or past a long's range, which it refuses (it reads prices as whole won, as the engine counts).
/// </summary>
public class StockOrderBookLevelsTests
{
    public static TheoryData<string> BookTrs => ["H0STASP0", "H0NXASP0", "H0UNASP0", "H0STOAA0"];

    [Theory]
    [MemberData(nameof(BookTrs))]
    public void Levels_match_the_whole_decode_for_every_field_damaged_or_missing(string id)
    {
        Assert.True(KisTrs.TryGet(id, out var tr));
        var values = new Dictionary<string, string> { ["antc_cntg_vrss_sign"] = "2", ["hour_cls_code"] = "0" };
        for (var level = 1; tr.IndexOf($"askp{level}") >= 0; level++) // KRX stock prices: whole won
            (values[$"askp{level}"], values[$"bidp{level}"]) = ($"{70_000 + 100 * level}", $"{70_100 - 100 * level}");
        var golden = new GoldenRecord(tr, values);
        var records = new List<(string Record, bool NotWholeWon)> { (golden.Record, false) };
        for (var i = 0; i < tr.Fields.Count; i++)
        {
            foreach (var damage in new[] { "x", "", "1.5", "99999999999999999999999" })
            {
                var damaged = golden.Values.ToArray();
                damaged[i] = damage;
                var name = tr.Fields[i].Name;
                records.Add((string.Join('^', damaged), damage is "1.5" or "99999999999999999999999"
                    && (name.StartsWith("askp", StringComparison.Ordinal) || name.StartsWith("bidp", StringComparison.Ordinal))
                    && !name.Contains("rsqn", StringComparison.Ordinal)));
            }
            records.Add((string.Join('^', golden.Values.Take(i)), false)); // the fields from i on missing
        }
        records.Add((golden.Record + "^extra^fields", false));
        var refused = 0;
        var fractions = 0;
        foreach (var (record, notWholeWon) in records)
        {
            var bytes = Encoding.UTF8.GetBytes(record);
            var whole = StockOrderBook.TryDecode(tr, bytes, out var book, out _);
            long[] askPrices = new long[OrderBookLevels.MaxDepth], bidPrices = new long[OrderBookLevels.MaxDepth];
            long[] askQuantities = new long[OrderBookLevels.MaxDepth], bidQuantities = new long[OrderBookLevels.MaxDepth];
            Array.Fill(askPrices, -1); // stale values from an earlier book must not show through
            Array.Fill(bidQuantities, -1);
            var levels = StockOrderBook.TryDecodeLevels(tr, bytes, askPrices, askQuantities, bidPrices, bidQuantities);
            if (notWholeWon)
            {
                Assert.True(whole, $"{id} [{record}]: the whole decode takes a price with a fraction or of 23 digits");
                Assert.False(levels, $"{id} [{record}]: the levels took a price with a fraction or of 23 digits");
                fractions++;
                continue;
            }
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
        Assert.True(fractions >= 36, $"{id}: only {fractions} prices with a fraction or of 23 digits tried");
    }
}
