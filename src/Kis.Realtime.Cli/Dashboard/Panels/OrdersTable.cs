using System.Globalization;
using System.Text.Json;

namespace Kis.Realtime.Cli.Dashboard.Panels;

/// <summary>
/// The notices panel's orders table: each order's life as a <see cref="KisOrderTracker"/> builds it from the notices alone
/// (so it reads the same over a direct session, a gateway or a recording), one row per order, newest first. Bounded for a
/// whole day: past <c>capacity</c> rows the oldest order that is done goes first (else the oldest of all), the tracker
/// forgets it too, and the drop is counted and shown. Not thread-safe: its owner (<see cref="NoticePanel"/>) calls it
/// under its lock; the tracker's own lock is taken inside that one, never the other way round, and runs no callback.
/// </summary>
internal sealed class OrdersTable(int capacity)
{
    public const int DefaultCapacity = 50;

    private sealed class Row(long sequence, KisOrderState state)
    {
        /// <summary>When the order was first seen: rows keep their place as they update.</summary>
        public long Sequence { get; } = sequence;
        public KisOrderState State { get; set; } = state;
    }

    private readonly KisOrderTracker _tracker = new();
    private readonly Dictionary<string, Row> _rows = new(StringComparer.Ordinal);
    private long _nextSequence, _version, _published, _dropped;

    /// <summary>Anything to send since the last delta.</summary>
    public bool Changed => _version != _published;

    public void Apply(in StockNotice notice) => Show(_tracker.Apply(notice));

    public void Apply(in FuturesOptionsNotice notice) => Show(_tracker.Apply(notice));

    private void Show(KisOrderState order)
    {
        if (_rows.TryGetValue(order.OrderNumber, out var row))
        {
            row.State = order;
        }
        else
        {
            _rows[order.OrderNumber] = new Row(_nextSequence++, order);
            if (_rows.Count > capacity) Drop(keep: order.OrderNumber);
        }
        // An amendment's notice also ends or reduces its original: refresh that row if it is still shown.
        if (order.OriginalOrderNumber is { } original && _rows.TryGetValue(original, out var before) && _tracker.Find(original) is { } now)
            before.State = now;
        _version++;
    }

    private void Drop(string keep)
    {
        var others = _rows.Values.Where(r => r.State.OrderNumber != keep).ToList();
        var victim = others.Where(r => r.State.IsDone).MinBy(r => r.Sequence) ?? others.MinBy(r => r.Sequence)!;
        _rows.Remove(victim.State.OrderNumber);
        _tracker.Forget(victim.State.OrderNumber);
        _dropped++;
    }

    /// <summary>{"orders":{"capacity":50,"dropped":0,"rows":[[cells…]]}}, newest first.</summary>
    /// <param name="markPublished">A delta's (every synced page gets it); a snapshot goes to one new page only.</param>
    public void Write(Utf8JsonWriter json, bool markPublished)
    {
        json.WriteStartObject("orders");
        json.WriteNumber("capacity", capacity);
        json.WriteNumber("dropped", _dropped);
        json.WriteStartArray("rows");
        foreach (var row in _rows.Values.OrderByDescending(r => r.Sequence))
        {
            json.WriteStartArray();
            foreach (var cell in Cells(row.State)) json.WriteStringValue(cell);
            json.WriteEndArray();
        }
        json.WriteEndArray();
        json.WriteEndObject();
        if (markPublished) _published = _version;
    }

    /// <summary>Row: updated (KST), order, the order it amends, code, side, quantity, price, filled, average fill price,
    /// cancelled, remaining, status, status class.</summary>
    public static string[] Cells(KisOrderState order)
    {
        var (status, statusClass) = Status(order);
        return
        [
            order.LastUpdate.ToString("HH:mm:ss", CultureInfo.InvariantCulture), NoticePanel.ShortOrderNumber(order.OrderNumber),
            order.OriginalOrderNumber is { } original ? NoticePanel.ShortOrderNumber(original) : "", order.Code,
            order.Side switch { OrderSide.Buy => "buy", OrderSide.Sell => "sell", _ => "" }, Number(order.Quantity),
            order.Price == 0 ? "market" : Number(order.Price), Number(order.FilledQuantity), order.FilledQuantity == 0 ? "" : Number(order.AveragePrice),
            // A refused order has nothing working, though the tracker leaves its quantity as remaining.
            Number(order.CancelledQuantity), Number(order.Status == KisOrderStatus.Rejected ? 0 : order.RemainingQuantity), status, statusClass,
        ];
    }

    public static (string Text, string Class) Status(KisOrderState order) => order.Status switch
    {
        KisOrderStatus.Accepted => ("accepted", "accepted"),
        KisOrderStatus.PartiallyFilled => ("partially filled", "partial"),
        KisOrderStatus.Filled => ("filled", "filled"),
        KisOrderStatus.Cancelled => ("cancelled", "cancelled"),
        KisOrderStatus.Replaced => (order.ReplacedBy is { } by ? $"replaced by {NoticePanel.ShortOrderNumber(by)}" : "replaced", "replaced"),
        KisOrderStatus.Rejected => ("rejected", "rejected"),
        _ => (order.Status.ToString().ToLowerInvariant(), "other"),
    };

    // Stock prices are whole KRW, futures/options prices have two decimals, averages may have more: up to two shown.
    private static string Number(decimal value) => value.ToString("#,0.##", CultureInfo.InvariantCulture);
}
