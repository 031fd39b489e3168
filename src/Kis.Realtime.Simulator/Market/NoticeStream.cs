using Kis.Realtime.Simulator.Rules;
using Kis.Realtime.Protocol;

namespace Kis.Realtime.Simulator.Market;

/// <summary>
/// H0IFCNI0 / H0IFCNI9: the order life cycle of one HTS ID's futures/options account: orders accepted, filled in parts,
/// amended, cancelled or rejected. Fields 9/10/11/16 carry the kind-dependent meanings of docs/kis-protocol.md §7; numbers
/// are zero-padded and prices are 9 digits with 2 implied decimals. Products come from the instrument master (priced
/// from its KOSPI200 and Samsung Electronics levels); order numbers from the market, unique per run. The session
/// encrypts each record. The same life cycle serves the night-session notices (H0MFCNI0, H0EUCNI0: the first 19
/// fields of the same layout) and the stock notices (H0STCNI0 / H0STCNI9: KIS's stock layout, orders in the instrument
/// master's stocks at KRX tick sizes, prices in whole KRW).
/// </summary>
internal sealed class NoticeStream : MarketStream
{
    private sealed class Order
    {
        public long Number;
        public long Original;
        public required InstrumentMaster.Derivative Product;
        public bool Buy;
        public long Quantity;
        public long Filled;
        public long Price;
        public int FillSecond = -1;
        public readonly HashSet<long> QuantitiesFilledThisSecond = [];
    }

    private readonly string _htsId;
    private readonly string _account;
    private readonly InstrumentMaster.Derivative[] _products;
    private readonly SimulatedMarket _market;
    private readonly List<Order> _open = [];

    private readonly bool _stocks, _overseas;
    private readonly int _fieldCount;

    public NoticeStream(Random random, TrDefinition tr, string key, InstrumentMaster master, SimulatedMarket market, DateTime today) : base(random)
    {
        _htsId = key;
        _stocks = tr.Id.StartsWith("H0STCNI", StringComparison.Ordinal);
        _overseas = tr.Id.StartsWith("H0GSCNI", StringComparison.Ordinal);
        _fieldCount = tr.Fields.Count;
        // Futures/options accounts end in 03, stock accounts in 01 (KIS's product codes).
        _account = $"{10_000_000 + StableHash.Of(key) % 89_999_999:D8}{(_stocks || _overseas ? "01" : "03")}";
        _products = _stocks ? master.StockProducts() : _overseas ? InstrumentMaster.UsStockProducts() : master.Derivatives(today);
        _market = market;
    }

    public override int MaxRecordBytes => 400;

    public override void WriteRecord(ref RecordWriter w, int secondsOfDay)
    {
        var roll = Random.Next(100);
        if (_open.Count == 0 || (roll < 25 && _open.Count < 4))
        {
            var product = _products[Random.Next(_products.Length)];
            var order = new Order
            {
                Number = _market.NextOrderNumber(),
                Product = product,
                Buy = Random.Next(2) == 0,
                Quantity = Random.Next(1, 21),
                Price = OnGrid(Math.Max(product.Tick, product.Price + Random.Next(-20, 21) * product.Tick)),
            };
            if (Random.Next(10) == 0)
            {
                // Rejected: qty9 = order qty, price10 = order price, time11 = order time, qty16 = filled (0).
                Write(ref w, secondsOfDay, order, revision: '0', kind2: "L", rejected: true, noticeType: '1', acceptance: '1',
                    q9: order.Quantity, p10: order.Price, q16: 0, orderPrice: order.Price);
                return;
            }
            _open.Add(order);
            Write(ref w, secondsOfDay, order, '0', "L", false, '1', '1', order.Quantity, order.Price, 0, order.Price);
            return;
        }

        var o = _open[Random.Next(_open.Count)];
        var remaining = o.Quantity - o.Filled;
        if (roll < 75)
        {
            // Fill: qty9 = fill qty, price10 = fill price, time11 = fill time, qty16 = order qty.
            var qty = (long)Random.Next(1, (int)remaining + 1);
            // Two fills of one order in the same second with the same quantity would be identical records: take another
            // quantity (or cancel the remainder when every one is taken), so that every notice is distinguishable.
            if (o.FillSecond != secondsOfDay)
            {
                o.FillSecond = secondsOfDay;
                o.QuantitiesFilledThisSecond.Clear();
            }
            if (o.QuantitiesFilledThisSecond.Contains(qty))
            {
                qty = 0;
                for (var q = 1L; q <= remaining && qty == 0; q++)
                    if (!o.QuantitiesFilledThisSecond.Contains(q)) qty = q;
                if (qty == 0)
                {
                    WriteCancel(ref w, secondsOfDay, o, remaining);
                    return;
                }
            }
            o.QuantitiesFilledThisSecond.Add(qty);
            o.Filled += qty;
            Write(ref w, secondsOfDay, o, '0', "0", false, '2', '2', qty, o.Price, o.Quantity, 0);
            if (o.Filled == o.Quantity) _open.Remove(o);
        }
        else if (roll < 88)
        {
            // Amend: a new order number pointing at the original; qty9 = amended qty, price10 = amended price, qty16 = filled.
            var amended = new Order
            {
                Number = _market.NextOrderNumber(),
                Original = o.Number,
                Product = o.Product,
                Buy = o.Buy,
                Quantity = o.Filled + remaining,
                Filled = o.Filled,
                Price = OnGrid(Math.Max(o.Product.Tick, o.Price + Random.Next(-5, 6) * o.Product.Tick)),
            };
            _open.Remove(o);
            _open.Add(amended);
            Write(ref w, secondsOfDay, amended, '1', "L", false, '1', '1', remaining, amended.Price, amended.Filled, amended.Price);
        }
        else
        {
            WriteCancel(ref w, secondsOfDay, o, remaining);
        }
    }

    /// <summary>
    /// A paper order's event in KIS's notice layouts (docs/kis-protocol.md §7), stock (H0STCNI0) or futures/options
    /// (H0IFCNI0), with the same meanings of fields 9, 10, 11 and 16 as the made-up notices: accepted (the order's
    /// quantity and price), filled (cntg_yn 2 / oder_kind2 0: the fill's quantity and price, the order's quantity in field
    /// 16), amended or cancelled (rvse_cncl / rctf_cls 1 / 2 with the original order number, the quantity concerned and
    /// what was filled) and refused (rfus_yn 1). Futures/options prices in hundredths of a point.
    /// </summary>
    public void WriteOrderEvent(ref RecordWriter w, in OrderEvent n)
    {
        var name = _stocks ? InstrumentMaster.StockName(n.Code) : GenericStream.DerivativeName(n.Code);
        var tick = _stocks ? KrxRules.StockTick(Math.Max(1, n.OrderPrice)) : 1;
        var order = new Order
        {
            Number = n.Number,
            Original = n.Original,
            Product = new InstrumentMaster.Derivative(n.Code, name, n.OrderPrice, tick),
            Buy = n.Buy,
            Quantity = n.OrderQuantity,
        };
        var second = (int)n.At.TimeOfDay.TotalSeconds;
        var filled = n.Kind == OrderEventKind.Filled;
        var (revision, q16) = n.Kind switch
        {
            OrderEventKind.Filled => ('0', n.OrderQuantity),
            OrderEventKind.Amended => ('1', n.FilledSoFar),
            OrderEventKind.Cancelled => ('2', n.FilledSoFar),
            _ => ('0', 0L), // accepted or refused
        };
        var rejected = n.Kind == OrderEventKind.Refused;
        var step = filled ? '2' : '1'; // notice type and acceptance: a fill, or an order step
        if (_stocks) WriteStock(ref w, second, order, revision, rejected, step, step, n.Quantity, n.Price, q16, n.OrderPrice, n.Account, n.IsMarket);
        else Write(ref w, second, order, revision, filled ? "0" : "L", rejected, step, step, n.Quantity, n.Price, q16, n.OrderPrice, n.Account);
    }

    /// <summary>Stock prices stay on KRX's tick grid when a step crosses into a coarser tick; derivative ticks are fixed.</summary>
    private long OnGrid(long price) => _stocks ? KrxRules.RoundDownToStockTick(price) : price;

    /// <summary>Cancel of the remainder: qty9 = cancelled qty, price10 = order price, qty16 = filled.</summary>
    private void WriteCancel(ref RecordWriter w, int secondsOfDay, Order o, long remaining)
    {
        _open.Remove(o);
        var cancel = new Order { Number = _market.NextOrderNumber(), Original = o.Number, Product = o.Product, Buy = o.Buy, Quantity = o.Quantity, Filled = o.Filled, Price = o.Price };
        Write(ref w, secondsOfDay, cancel, '2', "L", false, '1', '1', remaining, o.Price, o.Filled, o.Price);
    }

    private void Write(ref RecordWriter w, int secondsOfDay, Order o, char revision, string kind2, bool rejected, char noticeType,
        char acceptance, long q9, long p10, long q16, long orderPrice, string? account = null)
    {
        if (_stocks)
        {
            WriteStock(ref w, secondsOfDay, o, revision, rejected, noticeType, acceptance, q9, p10, q16, orderPrice, _account, market: false);
            return;
        }
        w.Text(_htsId);
        w.Text(account ?? _account);
        w.Padded(o.Number, 10);
        if (o.Original == 0) w.Empty(); else w.Padded(o.Original, 10);
        w.Ascii(o.Buy ? "02"u8 : "01"u8);
        w.Text(revision.ToString());
        w.Text(kind2);
        w.Text(o.Product.Code);
        w.Padded(q9, 10);
        // Overseas prices are dollars and cents as written (the library reads them so); futures carry 2 implied decimals.
        if (_overseas) w.Fixed(p10, 2); else w.Padded(p10, 9);
        w.Time(secondsOfDay);
        w.Ascii(rejected ? "1"u8 : "0"u8);
        w.Text(noticeType.ToString());
        w.Text(acceptance.ToString());
        w.Ascii("00950"u8);
        w.Padded(q16, 9);
        w.Text("김한국");
        w.Text(o.Product.Name);
        if (_overseas)
        {
            // H0GSCNI0's tail: oder_cond (해외종목구분, 1 US), no collateral (debt_gb 00, no date), no time-split order,
            // cntg_unpr12 = the price again.
            w.Ascii("1"u8);
            w.Ascii("00"u8);
            w.Ascii("00000000"u8);
            w.Empty();
            w.Empty();
            w.Ascii("0"u8);
            w.Fixed(p10, 2);
            return;
        }
        w.Empty();
        if (_fieldCount == 19) return; // night sessions end at oder_cond
        w.Empty();
        w.Empty();
        w.Padded(orderPrice, 9);
    }

    /// <summary>
    /// H0STCNI0's 26 fields: as the futures layout with oder_kind 00 (limit) and oder_cond 0 before the stock code,
    /// then the exchange (1 KRX), credit type 10 (cash), no loan date, the stock's name and the order price.
    /// </summary>
    private void WriteStock(ref RecordWriter w, int secondsOfDay, Order o, char revision, bool rejected, char noticeType,
        char acceptance, long q9, long p10, long q16, long orderPrice, string account, bool market)
    {
        w.Text(_htsId);
        w.Text(account);
        w.Padded(o.Number, 10);
        if (o.Original == 0) w.Empty(); else w.Padded(o.Original, 10);
        w.Ascii(o.Buy ? "02"u8 : "01"u8);
        w.Text(revision.ToString());
        w.Ascii(market ? "01"u8 : "00"u8);
        w.Ascii("0"u8);
        w.Text(o.Product.Code);
        w.Padded(q9, 10);
        w.Padded(p10, 9);
        w.Time(secondsOfDay);
        w.Ascii(rejected ? "1"u8 : "0"u8);
        w.Text(noticeType.ToString());
        w.Text(acceptance.ToString());
        w.Ascii("00950"u8);
        w.Padded(q16, 10);
        w.Text("김한국");
        w.Ascii("0"u8);
        w.Ascii("1"u8);
        w.Ascii(noticeType == '2' ? "Y"u8 : "N"u8);
        w.Empty();
        w.Ascii("10"u8);
        w.Ascii("00000000"u8);
        w.Text(o.Product.Name);
        w.Padded(orderPrice, 9);
    }
}

/// <summary>What an order event is, as a notice reports it.</summary>
internal enum OrderEventKind { Accepted, Filled, Amended, Cancelled, Refused }

/// <summary>One event of an order's life in the terms of KIS's notice layouts (the venue's notices are written from it).</summary>
internal readonly record struct OrderEvent(OrderEventKind Kind, string Account, long Number, long Original, string Code, bool Buy, long Quantity,
    long Price, long OrderQuantity, long FilledSoFar, long OrderPrice, DateTime At, bool IsMarket);
