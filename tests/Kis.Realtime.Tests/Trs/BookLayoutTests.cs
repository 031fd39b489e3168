using Kis.Realtime.Protocol;

namespace Kis.Realtime.Tests.Trs;

/// <summary>
/// A book view reads a TR by the layout views.json's books give that TR id (generated), never by guessing from the TR's
/// field count: a TR the view does not list is <see cref="DecodeErrorKind.UnknownTr"/>, however many fields it has.
/// </summary>
public class BookLayoutTests
{
    private delegate bool Decode(TrDefinition tr, byte[] record, out DecodeError error);

    private static readonly (string View, IReadOnlyList<TrDefinition> Trs, Decode Decode)[] Views =
    [
        ("StockOrderBook", StockOrderBook.Trs, (TrDefinition tr, byte[] r, out DecodeError e) => StockOrderBook.TryDecode(tr, r, out _, out e)),
        ("DerivativesOrderBook", DerivativesOrderBook.Trs,
            (TrDefinition tr, byte[] r, out DecodeError e) => DerivativesOrderBook.TryDecode(tr, r, out _, out e)),
        ("OverseasStockOrderBook", OverseasStockOrderBook.Trs,
            (TrDefinition tr, byte[] r, out DecodeError e) => OverseasStockOrderBook.TryDecode(tr, r, out _, out e)),
        ("OverseasFuturesOrderBook", OverseasFuturesOrderBook.Trs,
            (TrDefinition tr, byte[] r, out DecodeError e) => OverseasFuturesOrderBook.TryDecode(tr, r, out _, out e)),
    ];

    [Fact]
    public void A_tr_the_book_view_does_not_list_is_an_unknown_tr_not_a_guessed_layout()
    {
        var wrong = new List<string>();
        foreach (var (view, trs, decode) in Views)
            foreach (var tr in KisTrs.All.Where(t => !trs.Contains(t)))
            {
                var record = new GoldenRecord(tr).Bytes;
                try
                {
                    if (decode(tr, record, out var error) || error.Kind != DecodeErrorKind.UnknownTr)
                        wrong.Add($"{view} {tr.Id} ({tr.Fields.Count} fields): {error.Kind}");
                }
                catch (IndexOutOfRangeException e) // a depth guessed from the field count past the inline array
                {
                    wrong.Add($"{view} {tr.Id} ({tr.Fields.Count} fields): {e.GetType().Name}");
                }
            }
        Assert.True(wrong.Count == 0, string.Join("; ", wrong));
    }

    [Fact]
    public void The_levels_alone_refuse_a_tr_the_stock_book_does_not_list()
    {
        Span<long> a = stackalloc long[OrderBookLevels.MaxDepth], b = stackalloc long[OrderBookLevels.MaxDepth];
        Span<long> c = stackalloc long[OrderBookLevels.MaxDepth], d = stackalloc long[OrderBookLevels.MaxDepth];
        var taken = new List<string>();
        foreach (var tr in KisTrs.All.Where(t => !StockOrderBook.Trs.Contains(t)))
            if (StockOrderBook.TryDecodeLevels(tr, WholeNumbers(tr).Bytes, a, b, c, d)) taken.Add(tr.Id);
        Assert.True(taken.Count == 0, $"levels read from TRs that are no stock book: {string.Join(", ", taken)}");
    }

    /// <summary>A golden record whose decimals are whole numbers, so prices read as whole won do not refuse it.</summary>
    private static GoldenRecord WholeNumbers(TrDefinition tr)
        => new(tr, tr.Fields.Select((f, i) => (f, i)).Where(x => x.f.Type == FieldType.Decimal && x.i != tr.KeyField)
            .ToDictionary(x => x.f.Name, x => (x.i * 100 + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)));
}
