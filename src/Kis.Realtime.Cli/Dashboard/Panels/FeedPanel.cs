using System.Text.Json;

namespace Kis.Realtime.Cli.Dashboard.Panels;

/// <summary>
/// A feed of the latest <c>capacity</c> entries (a screenful: at thousands a second nobody reads further back) (newest last), each a row of cells, plus counts
/// by kind. A delta holds
/// the rows added since the last one (at most <c>capacity</c>: older ones would scroll off the page anyway).
/// </summary>
internal abstract class FeedPanel(int capacity) : Panel
{
    private readonly string[][] _rows = new string[capacity][];
    private readonly Dictionary<string, long> _counts = new(StringComparer.Ordinal);
    private long _added;
    private long _published;

    protected override bool HasChanges => _added != _published;

    protected void AddRow(string kind, string[] cells)
    {
        lock (Gate) AddRowLocked(kind, cells);
    }

    /// <summary>Under <see cref="Panel.Gate"/>: for a panel that updates more of its state with the same row.</summary>
    protected void AddRowLocked(string kind, string[] cells)
    {
        _rows[_added % _rows.Length] = cells;
        _added++;
        _counts[kind] = _counts.GetValueOrDefault(kind) + 1;
    }

    protected override void WriteDelta(Utf8JsonWriter json)
    {
        Write(json, Math.Max(_published, _added - _rows.Length));
        _published = _added;
    }

    protected override void WriteSnapshot(Utf8JsonWriter json) => Write(json, Math.Max(0, _added - _rows.Length));

    private void Write(Utf8JsonWriter json, long from)
    {
        json.WriteNumber("capacity", _rows.Length);
        json.WriteNumber("total", _added);
        json.WriteStartObject("counts");
        foreach (var (kind, n) in _counts) json.WriteNumber(kind, n);
        json.WriteEndObject();
        json.WriteStartArray("rows");
        for (var i = from; i < _added; i++)
        {
            json.WriteStartArray();
            foreach (var cell in _rows[i % _rows.Length]) json.WriteStringValue(cell);
            json.WriteEndArray();
        }
        json.WriteEndArray();
    }
}

/// <summary>
/// The trade tape of the subscribed stocks (H0STCNT0 and its NXT/unified twins): newest last. The page colours the price,
/// change and rate by the change from the previous close and the side cell by the side, each on its own.
/// </summary>
internal sealed class TapePanel(PreviousCloses previousCloses) : FeedPanel(30)
{
    public override string Name => "tape";

    /// <summary>Row: time, code, price, change, rate, volume, side, accumulated volume.</summary>
    public void Add(StockTrade trade)
    {
        previousCloses.Set(trade.StockCode, trade.Price - trade.Change);
        var side = trade.Side switch { TradeSide.Buy => "buy", TradeSide.Sell => "sell", TradeSide.PreOpen => "pre-open", _ => "" };
        AddRow(side.Length == 0 ? "other" : side,
        [
            trade.Time.ToString("HH:mm:ss"), trade.StockCode, trade.Price.ToString("N0"), trade.Change.ToString("+#,0;-#,0;0"),
            trade.ChangeRate.ToString("+0.00;-0.00;0.00"), trade.Volume.ToString("N0"), side, trade.CumulativeVolume.ToString("N0"),
        ]);
    }
}

/// <summary>
/// Each stock's previous close (a trade's price less its change), shared by the tape that learns it and the book that
/// colours its prices against it.
/// </summary>
internal sealed class PreviousCloses
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, decimal> _byCode = new(StringComparer.Ordinal);

    public void Set(string code, decimal previousClose) => _byCode[code] = previousClose;

    public decimal? Of(string code) => _byCode.TryGetValue(code, out var value) ? value : null;
}
