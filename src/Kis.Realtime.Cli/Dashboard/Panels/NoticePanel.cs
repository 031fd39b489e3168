using System.Text.Json;

namespace Kis.Realtime.Cli.Dashboard.Panels;

/// <summary>
/// Order and fill notices, futures/options (H0IFCNI0 / H0IFCNI9 …) and stocks (H0STCNI0 / H0STCNI9): the feed of notices
/// with their kind (fill, accepted, amended, cancelled, rejected) and, beside it, the orders table (<see cref="OrdersTable"/>:
/// each order's life as its notices tell it), both updated under the panel's one lock and sent in its one event (the
/// page draws the table as a panel of its own, #panel-orders, across the page's width).
/// </summary>
internal sealed class NoticePanel() : FeedPanel(30)
{
    private readonly OrdersTable _orders = new(OrdersTable.DefaultCapacity);

    public override string Name => "notices";

    public static string KindName(NoticeKind kind) => kind switch
    {
        NoticeKind.Fill => "fill",
        NoticeKind.OrderAccepted => "accepted",
        NoticeKind.AmendAccepted => "amended",
        NoticeKind.CancelAccepted => "cancelled",
        NoticeKind.Rejected => "rejected",
        _ => "other",
    };

    /// <summary>The order number without its zero padding (0000001090 → 1090): the padded one is cut to "00000…" in a
    /// narrow column. An all-zero number stays as sent.</summary>
    public static string ShortOrderNumber(string orderNumber)
    {
        var trimmed = orderNumber.TrimStart('0');
        return trimmed.Length == 0 ? orderNumber : trimmed;
    }

    /// <summary>Row: time, kind, side, product, quantity, price, order number, TR.</summary>
    public void Add(string trId, FuturesOptionsNotice notice)
    {
        var kind = KindName(notice.Kind);
        var quantity = notice.FillQuantity ?? notice.AmendedQuantity ?? notice.CancelledQuantity ?? notice.OrderQuantity;
        var price = notice.FillPrice ?? notice.AmendedPrice ?? notice.OrderPrice;
        // stck_cntg_hour is the fill's time on a fill and the order's, amendment's or cancel's on the others: every row has one.
        string[] cells =
        [
            notice.Time.ToString("HH:mm:ss"), kind, notice.Side.ToString().ToLowerInvariant(), notice.ProductCode,
            quantity?.ToString("N0") ?? "", price?.ToString("N2") ?? "", ShortOrderNumber(notice.OrderNumber), trId,
        ];
        lock (Gate)
        {
            AddRowLocked(kind, cells);
            _orders.Apply(notice);
        }
    }

    /// <summary>Row: time, kind, side, stock, quantity, price (KRW), order number, TR.</summary>
    public void Add(string trId, StockNotice notice)
    {
        var kind = KindName(notice.Kind);
        string[] cells =
        [
            notice.Time.ToString("HH:mm:ss"), kind, notice.Side.ToString().ToLowerInvariant(), notice.StockCode,
            notice.Quantity.ToString("N0"), notice.Price.ToString("#,0.##"), ShortOrderNumber(notice.OrderNumber), trId,
        ];
        lock (Gate)
        {
            AddRowLocked(kind, cells);
            _orders.Apply(notice);
        }
    }

    protected override bool HasChanges => base.HasChanges || _orders.Changed;

    protected override void WriteDelta(Utf8JsonWriter json)
    {
        base.WriteDelta(json);
        if (_orders.Changed) _orders.Write(json, markPublished: true); // the whole table: at most 50 rows, five times a second
    }

    protected override void WriteSnapshot(Utf8JsonWriter json)
    {
        base.WriteSnapshot(json);
        _orders.Write(json, markPublished: false);
    }
}
