using System.Text.Json;

namespace Kis.Realtime.Cli.Dashboard.Panels;

/// <summary>
/// The latest order book (up to ten levels a side) of each subscribed stock (H0STASP0 and its twins), with the stock's
/// previous close when a trade has told it: the page colours each price against it, as Korean trading screens do
/// (above red, below blue, equal neutral), whichever side the price is on.
/// </summary>
internal sealed class BookPanel(PreviousCloses previousCloses) : Panel
{
    private sealed class Book
    {
        public StockOrderBook Latest;
        public string TrId = "";
        public bool Changed;
    }

    private readonly Dictionary<string, Book> _books = new(StringComparer.Ordinal);

    public override string Name => "book";

    protected override bool HasChanges => _books.Values.Any(b => b.Changed);

    public void Add(string trId, StockOrderBook book)
    {
        lock (Gate)
        {
            var id = $"{trId}:{book.StockCode}";
            if (!_books.TryGetValue(id, out var entry)) _books[id] = entry = new Book { TrId = trId };
            entry.Latest = book;
            entry.Changed = true;
        }
    }

    protected override void WriteDelta(Utf8JsonWriter json) => Write(json, snapshot: false);

    protected override void WriteSnapshot(Utf8JsonWriter json) => Write(json, snapshot: true);

    private void Write(Utf8JsonWriter json, bool snapshot)
    {
        json.WriteStartArray("books");
        foreach (var (id, entry) in _books)
        {
            if (!snapshot && !entry.Changed) continue;
            if (!snapshot) entry.Changed = false;
            var book = entry.Latest;
            json.WriteStartObject();
            json.WriteString("id", id);
            json.WriteString("code", book.StockCode);
            json.WriteString("tr", entry.TrId);
            json.WriteString("time", book.Time.ToString("HH:mm:ss"));
            json.WriteNumber("totalAsk", book.TotalAskQuantity);
            json.WriteNumber("totalBid", book.TotalBidQuantity);
            if (previousCloses.Of(book.StockCode) is { } previousClose) json.WriteNumber("previousClose", previousClose);
            WriteLevels(json, "asks", book.Asks, book.Depth);
            WriteLevels(json, "bids", book.Bids, book.Depth);
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    private static void WriteLevels(Utf8JsonWriter json, string name, OrderBookLevels levels, int depth)
    {
        json.WriteStartArray(name);
        for (var i = 0; i < Math.Min(depth, OrderBookLevels.MaxDepth); i++)
        {
            json.WriteStartArray();
            json.WriteNumberValue(levels[i].Price);
            json.WriteNumberValue(levels[i].Quantity);
            json.WriteEndArray();
        }
        json.WriteEndArray();
    }
}
