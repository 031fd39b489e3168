using Kis.Realtime.Simulator.Tape;

namespace Kis.Realtime.Simulator.Trading.Engine;

/// <summary>A paper order resting in a <see cref="RestingBook"/>: its priority and what the market shows ahead of it.</summary>
internal sealed class RestingOrder(long id, bool buy, OrderKind kind, long limit, long quantity, long sequence)
{
    public long Id { get; } = id;
    public bool Buy { get; } = buy;
    public OrderKind Kind { get; } = kind;

    /// <summary>The limit price; not read for a market order (first in every queue, at any price).</summary>
    public long Limit { get; } = limit;

    public long Sequence { get; } = sequence;
    public long Remaining { get; internal set; } = quantity;

    /// <summary>
    /// The market's volume resting at <see cref="Limit"/> in front of this order: the book's quantity at that level
    /// when it arrived, worn down by trades at that price and by a smaller quantity in later books. <see cref="long.MaxValue"/>
    /// when its price was beyond the depth the book showed (the queue is unknown: only trades through the price reach it).
    /// </summary>
    public long QueueAhead { get; internal set; }

    public bool IsMarket => Kind == OrderKind.Market;

    /// <summary>When the venue took the order: a market event older than this (a trade made afterwards with a past
    /// time, as an unwatched stock's catch-up makes) happened before it existed and does not reach it.</summary>
    public DateTime Since { get; init; } = DateTime.MinValue;
}

/// <summary>A fill the engine decided: which order, how much, at what price.</summary>
internal readonly record struct EngineFill(long OrderId, long Quantity, long Price);

/// <summary>
/// The paper orders resting in one instrument and the rules that fill them from the market's events, with no clock,
/// socket or server: the simulated market or a recording feeds it books (<see cref="OnBook"/>), trades
/// (<see cref="OnTrade"/>) and auction prints (<see cref="OnAuction"/>); each returns the fills it made, in priority
/// (market orders, then the better price, then the older order). The rules, none kinder than the market:
/// <list type="bullet">
/// <item>a limit order waits behind the volume the book showed at its price when it arrived; a trade at its price
/// wears that queue down first and fills the order only from what trades through it; a trade beyond its price (the
/// market traded through it) fills it from the trade's volume; it fills at its own price;</item>
/// <item>a resting market order (what the book's depth could not fill when it came) takes the next books' opposite
/// levels at their prices and fills from trades made by its own side (a buyer lifting an offer), never from the
/// other side's;</item>
/// <item>a book whose opposite side reaches a resting limit order fills it at its limit from those levels (an incoming
/// order at that price would have met it first);</item>
/// <item>an auction fills every order that crosses its single price at that price, from the print's volume.</item>
/// </list>
/// Not thread-safe: its owner (the venue) holds its lock around every call. Allocates nothing per event once its fill
/// buffer has grown.
/// </summary>
internal sealed class RestingBook
{
    private readonly List<RestingOrder> _buys = [], _sells = []; // each in priority order
    private EngineFill[] _fills = new EngineFill[16];
    private int _fillCount;
    private bool _emptied; // an order reached 0 during this event: compact the sides once at its end
    private DateTime _at = DateTime.MaxValue; // the current event's time: orders taken after it are not there yet

    public int Count => _buys.Count + _sells.Count;

    /// <summary>Rests <paramref name="order"/>, queued behind the quantity <paramref name="sameSide"/> (its side of the book
    /// now, best level first) shows at its price.</summary>
    public void Add(RestingOrder order, ReadOnlySpan<BookLevel> sameSide)
    {
        order.QueueAhead = order.IsMarket ? 0 : QueueAt(sameSide, order.Buy, order.Limit);
        var side = order.Buy ? _buys : _sells;
        var at = side.Count;
        while (at > 0 && Before(order, side[at - 1])) at--;
        side.Insert(at, order);
    }

    /// <summary>Takes <paramref name="quantity"/> off a resting order (part of it amended away), keeping its place; the
    /// order leaves when nothing is left. False when it is not resting here.</summary>
    public bool Reduce(long id, long quantity)
    {
        foreach (var side in (ReadOnlySpan<List<RestingOrder>>)[_buys, _sells])
            for (var i = 0; i < side.Count; i++)
                if (side[i].Id == id)
                {
                    side[i].Remaining -= Math.Min(quantity, side[i].Remaining);
                    if (side[i].Remaining == 0) side.RemoveAt(i);
                    return true;
                }
        return false;
    }

    /// <summary>Takes an order out (cancelled, amended, expired); false when it is not resting here.</summary>
    public bool Remove(long id) => RemoveFrom(_buys, id) || RemoveFrom(_sells, id);

    /// <summary>
    /// A continuous trade of the market: at <paramref name="price"/>, <paramref name="volume"/>, made by a buyer
    /// lifting an offer (<paramref name="buyerInitiated"/>) or a seller hitting a bid. The fills are valid until the
    /// next call.
    /// </summary>
    /// <remarks>Made at <paramref name="at"/> (null: time not told): orders taken after it (<see cref="RestingOrder.Since"/>)
    /// neither fill nor move up.</remarks>
    public ReadOnlySpan<EngineFill> OnTrade(long price, long volume, bool buyerInitiated, DateTime? at = null)
    {
        _fillCount = 0;
        _at = at ?? DateTime.MaxValue;
        // A seller hitting a bid reaches the resting buys; a buyer lifting an offer the resting sells. A trade beyond a
        // resting price on the wrong side still means the book crossed it: both sides are looked at.
        Match(_buys, price, volume, buyerInitiated, auction: false);
        Match(_sells, price, volume, buyerInitiated, auction: false);
        return Done();
    }

    /// <summary>An auction's single print (opening, closing, a VI's): every order crossing it fills at its price.</summary>
    /// <remarks>Made at <paramref name="at"/> (see <see cref="RestingOrder.Since"/>; null: time not told).</remarks>
    public ReadOnlySpan<EngineFill> OnAuction(long price, long volume, DateTime? at = null)
    {
        _fillCount = 0;
        _at = at ?? DateTime.MaxValue;
        Match(_buys, price, volume, buyerInitiated: false, auction: true);
        Match(_sells, price, volume, buyerInitiated: true, auction: true);
        return Done();
    }

    /// <summary>
    /// A new book (asks ascending, bids descending, best first): queues shrink to what the book shows at their prices,
    /// a side that moved away puts its resting orders first, and opposite levels that reach a resting order fill it.
    /// </summary>
    /// <remarks>Shown at <paramref name="at"/> (see <see cref="RestingOrder.Since"/>; null: time not told).</remarks>
    public ReadOnlySpan<EngineFill> OnBook(ReadOnlySpan<BookLevel> asks, ReadOnlySpan<BookLevel> bids, DateTime? at = null)
    {
        _fillCount = 0;
        _at = at ?? DateTime.MaxValue;
        Requeue(_buys, bids, buy: true);
        Requeue(_sells, asks, buy: false);
        Cross(_buys, asks);
        Cross(_sells, bids);
        return Done();
    }

    /// <summary>The volume at <paramref name="price"/> in a side of the book (best first): 0 when the price is better
    /// than its best level or an empty level inside it, unknown (<see cref="long.MaxValue"/>) beyond its depth.</summary>
    private static long QueueAt(ReadOnlySpan<BookLevel> side, bool buy, long price)
    {
        foreach (var level in side)
        {
            if (level.Price == price) return level.Quantity;
            if (buy ? level.Price < price : level.Price > price) return 0;
        }
        return side.IsEmpty ? 0 : long.MaxValue;
    }

    private static bool Before(RestingOrder a, RestingOrder b)
    {
        if (a.IsMarket != b.IsMarket) return a.IsMarket;
        if (a.Limit != b.Limit) return a.Buy ? a.Limit > b.Limit : a.Limit < b.Limit;
        return a.Sequence < b.Sequence;
    }

    private static bool RemoveFrom(List<RestingOrder> side, long id)
    {
        for (var i = 0; i < side.Count; i++)
            if (side[i].Id == id)
            {
                side.RemoveAt(i);
                return true;
            }
        return false;
    }

    private void Match(List<RestingOrder> side, long price, long volume, bool buyerInitiated, bool auction)
    {
        if (side.Count == 0) return;
        var buys = ReferenceEquals(side, _buys);
        var left = volume;
        long queueWorn = 0; // market volume at exactly the price this trade used up, ahead of the orders there
        for (var i = 0; i < side.Count && left > 0; i++)
        {
            var order = side[i];
            if (order.Since > _at) continue; // not there yet
            if (order.IsMarket)
            {
                // A market order is first in every queue of its side, but only its side's trades (or an auction) reach it.
                if (auction || buyerInitiated == buys) Fill(order, ref left, price);
                continue;
            }
            var beyond = buys ? order.Limit > price : order.Limit < price;
            if (beyond)
            {
                Fill(order, ref left, auction ? price : order.Limit);
                continue;
            }
            if (order.Limit != price) break; // sorted: no later order reaches this price
            // At its own price only the side that meets it trades it (a seller hitting the bid for a buy), in the
            // queue's order: the market's volume ahead first.
            if (!auction && buyerInitiated == buys) continue;
            var ahead = Math.Max(0, order.QueueAhead - queueWorn);
            var through = Math.Min(left, ahead);
            queueWorn += through;
            left -= through;
            Fill(order, ref left, price);
        }
        // Every order at the price moved up by what traded there; those beyond it saw their level traded away.
        for (var i = 0; i < side.Count; i++)
        {
            var order = side[i];
            if (order.IsMarket || order.Since > _at) continue;
            if (buys ? order.Limit > price : order.Limit < price) order.QueueAhead = 0;
            else if (order.Limit == price) order.QueueAhead = Math.Max(0, order.QueueAhead - queueWorn);
            else break;
        }
    }

    private void Requeue(List<RestingOrder> side, ReadOnlySpan<BookLevel> levels, bool buy)
    {
        if (levels.IsEmpty) return;
        // Orders and levels are both sorted best first: one pass over each.
        var l = 0;
        foreach (var order in side)
        {
            if (order.IsMarket || order.Since > _at) continue;
            while (l < levels.Length && (buy ? levels[l].Price > order.Limit : levels[l].Price < order.Limit)) l++;
            if (l == levels.Length) break; // beyond the depth shown: this order's queue and every later one's are unknown
            var shown = levels[l].Price == order.Limit ? levels[l].Quantity : 0; // 0: better than the best, or an empty level
            if (shown < order.QueueAhead) order.QueueAhead = shown;
        }
    }

    private void Cross(List<RestingOrder> side, ReadOnlySpan<BookLevel> opposite)
    {
        if (side.Count == 0 || opposite.IsEmpty) return;
        var buys = ReferenceEquals(side, _buys);
        Span<long> left = stackalloc long[opposite.Length];
        for (var l = 0; l < opposite.Length; l++) left[l] = opposite[l].Quantity;
        foreach (var order in side)
        {
            if (order.Since > _at) continue;
            if (!order.IsMarket && (buys ? opposite[0].Price > order.Limit : opposite[0].Price < order.Limit)) break;
            for (var l = 0; l < opposite.Length && order.Remaining > 0; l++)
            {
                if (!order.IsMarket && (buys ? opposite[l].Price > order.Limit : opposite[l].Price < order.Limit)) break;
                // A market order takes the level at its price; a resting limit order was there first: its own price.
                Fill(order, ref left[l], order.IsMarket ? opposite[l].Price : order.Limit);
            }
        }
    }

    private void Fill(RestingOrder order, ref long left, long price)
    {
        var take = Math.Min(left, order.Remaining);
        if (take <= 0) return;
        left -= take;
        order.Remaining -= take;
        if (order.Remaining == 0) _emptied = true;
        if (_fillCount == _fills.Length) Array.Resize(ref _fills, _fills.Length * 2);
        _fills[_fillCount++] = new EngineFill(order.Id, take, price);
    }

    private ReadOnlySpan<EngineFill> Done()
    {
        if (_emptied)
        {
            _buys.RemoveAll(static o => o.Remaining == 0);
            _sells.RemoveAll(static o => o.Remaining == 0);
            _emptied = false;
        }
        return _fills.AsSpan(0, _fillCount);
    }
}
