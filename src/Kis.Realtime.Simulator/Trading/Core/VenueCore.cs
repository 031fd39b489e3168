using Kis.Realtime.Simulator.Tape;
using Kis.Realtime.Simulator.Trading.Engine;

namespace Kis.Realtime.Simulator.Trading.Core;

/// <summary>Where the venue core's events go: the paper venue turns them into notices for the sessions (and REST
/// answers), the backtest into its notices and fill rows. Called under the driver's own lock, in event order.</summary>
internal interface IVenueEvents
{
    /// <summary><paramref name="order"/> did <paramref name="e"/>; a fill's <paramref name="commission"/> and
    /// <paramref name="tax"/> (0 for any other event).</summary>
    void OnOrderEvent(VenueOrder order, in OrderEvent e, decimal commission, decimal tax);
}

/// <summary>
/// The venue core (issue 55): one place/amend/cancel/fill/day-end flow for both venues, with no clock, socket, server
/// or file (every call carries its market time; what happens goes out as <see cref="OrderEvent"/>s). The resting
/// orders of every instrument wait in its <see cref="RestingBook"/>; every hold and fill is settled by the order's
/// account's ledger (cash, positions, costs, margin). The drivers keep what is theirs: the paper venue's accounts,
/// checks and the simulated or replayed market an arriving order walks; the backtest's recording and files. Not
/// thread-safe: its driver's lock guards it.
/// </summary>
internal sealed class VenueCore(IVenueEvents events)
{
    private readonly Dictionary<(string Code, bool Derivative), RestingBook> _books = [];
    private readonly Dictionary<long, VenueOrder> _resting = [];
    private long _arrivals;
    private DateTime _nextExpiry = DateTime.MaxValue; // no resting order expires before it (one may have ended since)
    // The book the last market event reached: most events in a row are one instrument's (no tuple hash a trade).
    private string? _lastCode;
    private bool _lastDerivative;
    private RestingBook? _lastBook;

    /// <summary>Whether orders of <paramref name="code"/> rest now.</summary>
    public bool HasResting(string code, bool derivative) => Resting(code, derivative) is not null;

    /// <summary>The instruments where orders rest now.</summary>
    public (string Code, bool Derivative)[] RestingInstruments() => [.. _books.Where(b => b.Value.Count > 0).Select(b => b.Key)];

    /// <summary>A new order taken: the ledger holds what it needs (cash for a buy, shares for a sell, F/O margin).</summary>
    public void Accept(VenueOrder order, DateTime at)
    {
        order.Ledger.Hold(order.Terms, 0, order.Quantity);
        Emit(order, OrderEventKind.Accepted, order.Number, order.Original, order.Quantity, order.LimitPrice, order.Filled, at);
    }

    /// <summary>An arriving order's fill (it walked the book: taker) of <paramref name="quantity"/> at
    /// <paramref name="price"/>: settled by the ledger (hold released, costs charged, cash and position), then its event.
    /// More than is left is the driver's error (<see cref="ArgumentOutOfRangeException"/>), never a negative hold.</summary>
    public void Fill(VenueOrder order, long quantity, long price, DateTime at) => Fill(order, quantity, price, at, FillLiquidity.Taker);

    private void Fill(VenueOrder order, long quantity, long price, DateTime at, FillLiquidity liquidity)
    {
        if (quantity <= 0) return;
        CheckLeft(order, quantity, "fill");
        var (commission, tax) = order.Ledger.Fill(order.Terms, order.Remaining, quantity, price);
        order.Settle(quantity, price, commission, tax);
        Emit(order, OrderEventKind.Filled, order.Number, order.Original, quantity, price, order.Filled, at, liquidity, commission, tax);
    }

    /// <summary>What is left of an arrived order rests from <paramref name="at"/>, queued behind <paramref name="sameSide"/>'s
    /// volume at its price. Market events older than <paramref name="at"/> do not reach it (see <see cref="RestingOrder.Since"/>).</summary>
    public void Rest(VenueOrder order, ReadOnlySpan<BookLevel> sameSide, DateTime at)
    {
        var key = (order.Code, order.Derivative);
        if (!_books.TryGetValue(key, out var book)) _books[key] = book = new RestingBook();
        book.Add(new RestingOrder(order.Number, order.Buy, order.Kind, order.LimitPrice, order.Remaining, ++_arrivals) { Since = at }, sameSide);
        _resting[order.Number] = order;
        if (order.ExpiresAt < _nextExpiry) _nextExpiry = order.ExpiresAt;
    }

    /// <summary>
    /// The one expiry rule of both venues (issue 73): a day order is over once the market's whole second is past the end
    /// of its order hours (<see cref="VenueOrder.ExpiresAt"/>, a whole second). The records' stamps are whole seconds (a
    /// second's later records sit a few milliseconds into it by their receive times), so every record stamped 15:30:00,
    /// the closing print among them, still reaches an order ending then, whatever asked the venue the time before it.
    /// A driver asks this whenever its market time moves (cheap: a comparison of ticks), and <see cref="ExpireDue"/> when true.
    /// </summary>
    public bool ExpiryDue(DateTime now) => WholeSecond(now) > _nextExpiry.Ticks;

    /// <summary>The resting orders whose day is over at <paramref name="now"/> (<see cref="ExpiryDue"/>), in the order
    /// they expire (their expiry, then their number).</summary>
    public List<VenueOrder> DueToExpire(DateTime now)
    {
        var second = WholeSecond(now);
        return second <= _nextExpiry.Ticks ? [] : [.. _resting.Values.Where(o => o.ExpiresAt.Ticks < second).OrderBy(o => o.ExpiresAt).ThenBy(o => o.Number)];
    }

    /// <summary>
    /// Day orders end with their day's order hours, by <see cref="ExpiryDue"/>'s rule: what is left of every resting
    /// order whose day is over at <paramref name="now"/> expires, stamped at its <see cref="VenueOrder.ExpiresAt"/>, in
    /// <see cref="DueToExpire"/>'s order.
    /// </summary>
    public void ExpireDue(DateTime now)
    {
        if (!ExpiryDue(now)) return;
        foreach (var order in DueToExpire(now)) Expire(order, order.ExpiresAt);
        _nextExpiry = DateTime.MaxValue;
        foreach (var order in _resting.Values)
            if (order.ExpiresAt < _nextExpiry) _nextExpiry = order.ExpiresAt;
    }

    /// <summary>The whole second of <paramref name="time"/>, in ticks.</summary>
    private static long WholeSecond(DateTime time) => time.Ticks - time.Ticks % TimeSpan.TicksPerSecond;

    /// <summary>
    /// <paramref name="successor"/> (a new order at its price, for as many as it concerns) takes that much of what is
    /// left of <paramref name="original"/>; the driver then brings it in as an arriving order (it loses its place).
    /// </summary>
    public void Amend(VenueOrder original, VenueOrder successor, DateTime at)
    {
        Reduce(original, successor.Quantity);
        successor.Ledger.Hold(successor.Terms, 0, successor.Quantity);
        Emit(successor, OrderEventKind.Amended, successor.Number, original.Number, successor.Quantity, successor.LimitPrice, original.Filled, at);
    }

    /// <summary><paramref name="cancel"/> (an order of its own, at once done) cancels its quantity of what is left of
    /// <paramref name="original"/>.</summary>
    public void Cancel(VenueOrder original, VenueOrder cancel, DateTime at)
    {
        Reduce(original, cancel.Quantity);
        cancel.TakeOff(cancel.Quantity);
        cancel.Close();
        Emit(cancel, OrderEventKind.Cancelled, cancel.Number, original.Number, cancel.Quantity, original.LimitPrice, original.Filled, at);
    }

    /// <summary>The order's day is over (<see cref="ExpireDue"/>, or a backtest's recording ended): what is left is
    /// cancelled by the exchange, under the order's own number.</summary>
    public void Expire(VenueOrder order, DateTime at)
    {
        var left = order.Remaining;
        if (left == 0 || order.Closed) return;
        order.Ledger.Hold(order.Terms, left, 0);
        order.TakeOff(left);
        Close(order);
        Emit(order, OrderEventKind.Expired, order.Number, order.Number, left, order.LimitPrice, order.Filled, at);
    }

    /// <summary>A continuous trade of the market: the resting orders it reaches fill (<see cref="RestingBook.OnTrade"/>).</summary>
    public void OnTrade(string code, bool derivative, long price, long volume, bool buyerInitiated, DateTime at)
    {
        if (Resting(code, derivative) is { } book) Apply(book.OnTrade(price, volume, buyerInitiated, at), at, FillLiquidity.Maker);
    }

    /// <summary>An auction's print: every crossing resting order fills at its price (<see cref="RestingBook.OnAuction"/>).</summary>
    public void OnAuction(string code, bool derivative, long price, long volume, DateTime at)
    {
        if (Resting(code, derivative) is { } book) Apply(book.OnAuction(price, volume, at), at, FillLiquidity.Auction);
    }

    /// <summary>A book of the market: resting orders it crosses fill, the others' queues follow (<see cref="RestingBook.OnBook"/>).</summary>
    public void OnBook(string code, bool derivative, ReadOnlySpan<BookLevel> asks, ReadOnlySpan<BookLevel> bids, DateTime at)
    {
        if (Resting(code, derivative) is { } book) Apply(book.OnBook(asks, bids, at), at, FillLiquidity.Maker);
    }

    /// <summary>The instrument's book when orders rest in it (books are never dropped, so the one remembered stays valid).</summary>
    private RestingBook? Resting(string code, bool derivative)
    {
        if (_lastBook is not null && derivative == _lastDerivative && string.Equals(code, _lastCode, StringComparison.Ordinal))
            return _lastBook.Count > 0 ? _lastBook : null;
        if (!_books.TryGetValue((code, derivative), out var book)) return null;
        (_lastCode, _lastDerivative, _lastBook) = (code, derivative, book);
        return book.Count > 0 ? book : null;
    }

    private void Apply(ReadOnlySpan<EngineFill> fills, DateTime at, FillLiquidity liquidity)
    {
        foreach (var fill in fills)
        {
            var order = _resting[fill.OrderId];
            Fill(order, fill.Quantity, fill.Price, at, liquidity);
            if (order.Remaining == 0) _resting.Remove(order.Number); // the book took it out already
        }
    }

    /// <summary>Takes <paramref name="affected"/> off what is left of an order (amended or cancelled away): both venues'
    /// orders show it as cancelled (the backtest's orders.csv, paper's inquiry), the successor or cancel order its own.</summary>
    private void Reduce(VenueOrder original, long affected)
    {
        CheckLeft(original, affected, "amend or cancel");
        original.Ledger.Hold(original.Terms, original.Remaining, original.Remaining - affected);
        original.TakeOff(affected);
        if (original.Remaining == 0) Close(original);
        else if (_resting.ContainsKey(original.Number)) _books[(original.Code, original.Derivative)].Reduce(original.Number, affected);
    }

    /// <summary>The drivers check quantities against what is left (a refusal for a caller's); more reaching the core is
    /// a bug of theirs, which would drive holds negative silently.</summary>
    private static void CheckLeft(VenueOrder order, long quantity, string what)
    {
        if (quantity > order.Remaining)
            throw new ArgumentOutOfRangeException(nameof(quantity), quantity,
                $"Cannot {what} {quantity} of order {order.Number}: only {order.Remaining} is left.");
    }

    private void Close(VenueOrder order)
    {
        order.Close();
        if (_resting.Remove(order.Number)) _books[(order.Code, order.Derivative)].Remove(order.Number);
    }

    private void Emit(VenueOrder order, OrderEventKind kind, long number, long original, long quantity, long price, long filledSoFar, DateTime at,
        FillLiquidity liquidity = FillLiquidity.None, decimal commission = 0, decimal tax = 0)
        => events.OnOrderEvent(order, new OrderEvent(kind, number, original, order.Code, order.Buy, order.IsMarket, order.Derivative, quantity, price,
            order.Quantity, filledSoFar, order.LimitPrice, at, liquidity), commission, tax);
}
