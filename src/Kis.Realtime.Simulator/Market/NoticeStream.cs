using Kis.Realtime.Simulator.Rules;
using Kis.Realtime.Simulator.Trading.Core;

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
                Write(ref w, secondsOfDay, order, OrderEventKind.Rejected, order.Quantity, order.Price, order.Price);
                return;
            }
            _open.Add(order);
            Write(ref w, secondsOfDay, order, OrderEventKind.Accepted, order.Quantity, order.Price, order.Price);
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
            Write(ref w, secondsOfDay, o, OrderEventKind.Filled, qty, o.Price, 0);
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
            Write(ref w, secondsOfDay, amended, OrderEventKind.Amended, remaining, amended.Price, amended.Price);
        }
        else
        {
            WriteCancel(ref w, secondsOfDay, o, remaining);
        }
    }

    /// <summary>
    /// A paper order's event (the venue core's, <see cref="OrderEvent"/>) in KIS's notice layout of this stream's TR,
    /// written by the one notice writer (<see cref="OrderNotices"/>) with the simulator's account holder and the
    /// instrument's name; the account is the order's.
    /// </summary>
    public void WriteOrderEvent(ref RecordWriter w, in OrderEvent e, string account)
    {
        var name = _stocks ? InstrumentMaster.StockName(e.Code) : GenericStream.DerivativeName(e.Code);
        OrderNotices.Write(ref w, e with { Derivative = !_stocks }, _htsId, account, Customer, name, _fieldCount);
    }

    /// <summary>The account holder's name the simulator's notices carry (field 17).</summary>
    public const string Customer = "김한국";

    /// <summary>Stock prices stay on KRX's tick grid when a step crosses into a coarser tick; derivative ticks are fixed.</summary>
    private long OnGrid(long price) => _stocks ? KrxRules.RoundDownToStockTick(price) : price;

    /// <summary>Cancel of the remainder: qty9 = cancelled qty, price10 = order price, qty16 = filled.</summary>
    private void WriteCancel(ref RecordWriter w, int secondsOfDay, Order o, long remaining)
    {
        _open.Remove(o);
        var cancel = new Order { Number = _market.NextOrderNumber(), Original = o.Number, Product = o.Product, Buy = o.Buy, Quantity = o.Quantity,
            Filled = o.Filled, Price = o.Price };
        Write(ref w, secondsOfDay, cancel, OrderEventKind.Cancelled, remaining, o.Price, o.Price);
    }

    /// <summary>A made-up order's event: field 16 follows from the order (its quantity for a fill, else what it filled).</summary>
    private void Write(ref RecordWriter w, int secondsOfDay, Order o, OrderEventKind kind, long quantity, long price, long orderPrice)
    {
        var e = new OrderEvent(kind, o.Number, o.Original, o.Product.Code, o.Buy, IsMarket: false, Derivative: !_stocks, quantity, price,
            o.Quantity, o.Filled, orderPrice, DateTime.MinValue.AddSeconds(((secondsOfDay % 86400) + 86400) % 86400));
        if (_overseas) OrderNotices.WriteOverseas(ref w, e, _htsId, _account, Customer, o.Product.Name);
        else OrderNotices.Write(ref w, e, _htsId, _account, Customer, o.Product.Name, _fieldCount);
    }
}
