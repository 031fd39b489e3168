using Kis.Realtime.Protocol;
using Kis.Realtime.Simulator.Market;
using Kis.Realtime.Tests.Trs;

namespace Kis.Realtime.Tests.Simulator;

/// <summary>
/// The order books' layouts are stated once, in views.json's books (<see cref="BookFields"/>, generated), for the
/// simulator's book model and field roles; the library's hand-written book views read the same fields. Each book TR has
/// a layout, and a record made from the layout decodes with the view into the levels the layout says.
/// </summary>
public class BookFieldsTests
{
    private delegate bool Decode(TrDefinition tr, byte[] record, out OrderBookLevels asks, out OrderBookLevels bids);

    /// <summary>Each book view's decode, by its TRs: the views that carry levels.</summary>
    private static readonly (IReadOnlyList<TrDefinition> Trs, Decode Decode)[] Views =
    [
        (StockOrderBook.Trs, (TrDefinition tr, byte[] r, out OrderBookLevels a, out OrderBookLevels b) =>
            Levels(StockOrderBook.TryDecode(tr, r, out var v, out _), v.Asks, v.Bids, out a, out b)),
        (DerivativesOrderBook.Trs, (TrDefinition tr, byte[] r, out OrderBookLevels a, out OrderBookLevels b) =>
            Levels(DerivativesOrderBook.TryDecode(tr, r, out var v, out _), v.Asks, v.Bids, out a, out b)),
        (OverseasStockOrderBook.Trs, (TrDefinition tr, byte[] r, out OrderBookLevels a, out OrderBookLevels b) =>
            Levels(OverseasStockOrderBook.TryDecode(tr, r, out var v, out _), v.Asks, v.Bids, out a, out b)),
        (OverseasFuturesOrderBook.Trs, (TrDefinition tr, byte[] r, out OrderBookLevels a, out OrderBookLevels b) =>
            Levels(OverseasFuturesOrderBook.TryDecode(tr, r, out var v, out _), v.Asks, v.Bids, out a, out b)),
        (BondOrderBook.Trs, (TrDefinition tr, byte[] r, out OrderBookLevels a, out OrderBookLevels b) =>
            Levels(BondOrderBook.TryDecode(tr, r, out var v, out _), v.Asks, v.Bids, out a, out b)),
    ];

    [Fact]
    public void Every_tr_of_a_book_view_has_a_book_layout()
    {
        var missing = Views.SelectMany(v => v.Trs).Where(tr => BookFields.Of(tr.Id) is null).Select(tr => tr.Id).ToList();
        Assert.True(missing.Count == 0, $"book TRs with no layout in views.json's books: {string.Join(", ", missing)}");
    }

    [Fact]
    public void A_record_made_from_the_layout_decodes_into_the_levels_the_layout_says()
    {
        foreach (var (trs, decode) in Views)
            foreach (var tr in trs)
            {
                var layout = BookFields.Of(tr.Id)!;
                // Asks 100·n, bids 1000·n (prices as ratios: some books imply decimals); quantities and counts as given.
                var values = new Dictionary<string, string>();
                foreach (var (name, field) in layout)
                    values[name] = field.Role switch
                    {
                        BookRole.AskPrice => $"{100 * field.Level}",
                        BookRole.BidPrice => $"{1000 * field.Level}",
                        BookRole.AskQuantity => $"{10 + field.Level}",
                        BookRole.BidQuantity => $"{50 + field.Level}",
                        BookRole.AskCount => $"{100 + field.Level}",
                        BookRole.BidCount => $"{200 + field.Level}",
                        _ => GoldenRecord.ValueFor(tr, tr.IndexOf(name)),
                    };
                var record = new GoldenRecord(tr, values);
                Assert.True(decode(tr, record.Bytes, out var asks, out var bids), tr.Id);
                Assert.Equal(10m, bids[0].Price / asks[0].Price);
                foreach (var (_, field) in layout)
                {
                    var at = field.Level - 1;
                    var because = $"{tr.Id} {field.Role} {field.Level}";
                    switch (field.Role)
                    {
                        case BookRole.AskPrice: Assert.True(asks[at].Price == field.Level * asks[0].Price, because); break;
                        case BookRole.BidPrice: Assert.True(bids[at].Price == field.Level * bids[0].Price, because); break;
                        case BookRole.AskQuantity: Assert.True(asks[at].Quantity == 10 + field.Level, because); break;
                        case BookRole.BidQuantity: Assert.True(bids[at].Quantity == 50 + field.Level, because); break;
                        case BookRole.AskCount: Assert.True(asks[at].Orders == 100 + field.Level, because); break;
                        case BookRole.BidCount: Assert.True(bids[at].Orders == 200 + field.Level, because); break;
                    }
                }
            }
    }

    [Fact]
    public void A_total_sums_the_levels_its_layout_names()
    {
        var tr = KisTrs.H0IFASP0;
        var total = tr.IndexOf("total_askp_csnu");
        var members = FieldRoles.TotalOf(tr, total);
        Assert.NotNull(members);
        Assert.Equal(Enumerable.Range(1, 5).Select(n => tr.IndexOf($"askp_csnu{n}")), members);
        Assert.Null(FieldRoles.TotalOf(KisTrs.HDFSASP1, KisTrs.HDFSASP1.IndexOf("bvol"))); // one level: no sum
    }

    private static bool Levels(bool decoded, OrderBookLevels a, OrderBookLevels b, out OrderBookLevels asks, out OrderBookLevels bids)
    {
        (asks, bids) = (a, b);
        return decoded;
    }
}
