using Kis.Realtime.Simulator.Market;

namespace Kis.Realtime.Simulator.Trading;

/// <summary>
/// The simulator as a paper-trading venue for KRX stock cash orders (KIS's order-cash / order-rvsecncl REST calls) and
/// KRX day-session futures/options orders (domestic-futureoption order / order-rvsecncl): each account's orders, fills,
/// cash and positions, matched against the simulated market. A marketable order fills at once at the touch (a stock's
/// KRX book; a derivative's trade feed, see <see cref="DerivativeTradeStream"/>), up to the touch's quantity; what is
/// left of a limit order rests at its price and fills from the simulated trades that reach it (each trade's volume
/// shared in price-time priority). A stock order that crosses the spread takes the KRX book's touch and prints on the
/// KRX and unified tapes (<see cref="StockBook.TakeTouch"/>); during an auction or a VI it waits for the print, as on
/// KRX. Derivative fills do not move the (generic) futures/options feeds. Every event
/// is a notice for the HTS ID of the app key that placed the order (H0STCNI0/9 for stocks, H0IFCNI0/9 for futures and
/// options, see <see cref="NoticeStream"/>). Futures/options need no margin here: positions are signed and a sell opens
/// a short. One lock; callers never hold a book's or an instrument's lock of their own while calling in, except
/// <see cref="OnTrade"/> and the notice streams' <see cref="HasNotice"/> / <see cref="NextNotice"/> (an instrument's,
/// taken first). Under it the venue takes a stock's lock (TakeTouch, PrintCloseIfOwed); a stock never calls the venue.
/// Every order is a day order: it ends with its session (<c>PaperVenue.DayEnd.cs</c>). An amendment is a new order
/// at its price and arrives like one (<see cref="Arrive"/>).
/// </summary>
internal sealed partial class PaperVenue(SimulatedMarket market)
{
    /// <summary>Cash every new account starts with (KRW).</summary>
    public const long StartingCash = 100_000_000;

    /// <summary>The branch KIS echoes as KRX_FWDG_ORD_ORGNO (and in the notices).</summary>
    public const string Branch = "00950";

    private readonly Lock _gate = new();
    private readonly Dictionary<string, PaperAccount> _accounts = new(StringComparer.Ordinal);
    private readonly List<PaperOrder> _resting = []; // open limit orders of every account, in time order
    private readonly List<PaperNotice> _notices = []; // every notice of the run, in order; each notice stream keeps its place

    /// <summary>Places a stock cash order or a futures/options order; the answer or the refusal (KIS's message shape).</summary>
    public PaperResult Place(PaperOrderRequest request, DateTime now)
    {
        // Read before the venue's lock (a book has a lock of its own).
        if (QuoteFor(request.Code, request.Derivative, now) is not { } quote)
            return PaperResult.Refuse("APBK0918", request.Derivative
                ? "장운영시간이 아닙니다. (KRX takes day-session futures/options orders 08:45-15:45 KST on trading days)"
                : "장운영시간이 아닙니다. (KRX takes orders 08:30-15:30 KST on trading days)");
        lock (_gate)
        {
            EndDays(now);
            var account = Account(request.Account, request.HtsId);
            // Refused at the door, as KIS's REST answers them: no order number, no notice.
            if (Check(request, quote, account) is { } refusal) return refusal;
            var order = new PaperOrder(market.NextOrderNumber(), 0, account, request, now) { ReservePrice = request.IsMarket ? quote.Upper : request.Price };
            account.Orders.Add(order);
            Reserve(order);
            Notify(order, PaperNoticeKind.Accepted, order.Quantity, order.LimitPrice, now);
            Arrive(order, now);
            return PaperResult.Ok(order);
        }
    }

    /// <summary>Amends (<paramref name="cancel"/> false: new quantity and price) or cancels what is left of an order
    /// of the product the call is for (<paramref name="derivative"/>: the futures/options endpoint).</summary>
    public PaperResult AmendOrCancel(string accountNumber, long originalNumber, bool derivative, bool cancel, long quantity, bool wholeRemainder, long price, DateTime now)
    {
        lock (_gate)
        {
            EndDays(now);
            var original = _accounts.GetValueOrDefault(accountNumber)?.Orders.Find(o => o.Number == originalNumber && o.Derivative == derivative);
            if (original is null) return PaperResult.Refuse("APBK0915", "주문번호가 존재하지 않습니다. (no such order of this product in this account)");
            if (original.Remaining == 0 || original.Closed) return PaperResult.Refuse("APBK0917", "정정/취소할 수량이 없습니다. (nothing left to amend or cancel)");
            var affected = wholeRemainder || quantity <= 0 ? original.Remaining : Math.Min(quantity, original.Remaining);
            if (!cancel && !original.IsMarket)
            {
                if (price <= 0 || !OnGrid(original.Code, original.Derivative, price))
                    return PaperResult.Refuse("APBK0506", "주문단가가 호가단위에 맞지 않습니다. (price not on KRX's tick grid)");
                var (lower, upper) = Limits(original.Code, original.Derivative);
                if (price > upper || price < lower)
                    return PaperResult.Refuse("APBK0510", $"주문단가가 가격제한폭을 벗어났습니다. (outside the day's limits {lower}..{upper})");
                // A stock buy amended up reserves the difference: its old reservation comes back first.
                if (!original.Derivative && original.Buy && affected * price > original.Account.Cash + affected * original.ReservePrice)
                    return PaperResult.Refuse("APBK0952", "주문가능금액을 초과 했습니다. (not enough cash)");
            }
            var account = original.Account;
            Release(original, affected);
            original.Remaining -= affected;
            if (original.Remaining == 0) Close(original);
            var successor = new PaperOrder(market.NextOrderNumber(), original.Number, account, original.Request with
            {
                Quantity = affected,
                Price = cancel ? original.LimitPrice : price,
            }, now) { ReservePrice = original.IsMarket ? original.ReservePrice : cancel ? original.LimitPrice : price };
            account.Orders.Add(successor);
            if (cancel)
            {
                successor.Remaining = 0;
                successor.Cancelled = affected;
                successor.Closed = true;
                Notify(successor, PaperNoticeKind.Cancelled, affected, original.LimitPrice, now, filledSoFar: original.Filled);
                return PaperResult.Ok(successor);
            }
            Reserve(successor);
            Notify(successor, PaperNoticeKind.Amended, affected, successor.LimitPrice, now, filledSoFar: original.Filled);
            // An amendment is a new order at its price (it loses its place in the queue): marketable, it trades at once.
            Arrive(successor, now);
            return PaperResult.Ok(successor);
        }
    }

    /// <summary>
    /// An order arriving (new, or an amendment): what crosses the spread trades at once at the touch, up to its
    /// quantity (a market order takes the rest from the next trades); what is left rests. A stock order takes the touch
    /// from the KRX book itself, so the tape and the book show the trade. Under the lock.
    /// </summary>
    private void Arrive(PaperOrder order, DateTime now)
    {
        if (!order.Derivative)
        {
            var (price, volume) = market.StockBookForOrders(order.Code).TakeTouch(order.Buy, order.Remaining, order.LimitPrice, now, out var auction);
            // An auction print the order's own trade brought about fills the orders resting before it, first.
            if (auction.Volume > 0) MatchResting(order.Code, derivative: false, auction.Price, auction.Volume, now);
            if (volume > 0) Fill(order, volume, price, now);
        }
        else
        {
            var quote = market.DerivativeForOrders(order.Code).Quote; // lock-free
            if (order.IsMarket || (order.Buy ? order.LimitPrice >= quote.Ask : order.LimitPrice <= quote.Bid))
                Fill(order, Math.Min(order.Remaining, order.Buy ? quote.AskQuantity : quote.BidQuantity), order.Buy ? quote.Ask : quote.Bid, now);
        }
        if (order.Remaining > 0) Rest(order);
    }

    /// <summary>A simulated trade of a stock's KRX book (<paramref name="derivative"/> false) or of a futures/options
    /// feed: resting orders of that product it reaches fill from its volume in price-time priority (market orders first,
    /// then the best price, then the oldest).</summary>
    public void OnTrade(string code, bool derivative, long price, long volume, DateTime now)
    {
        lock (_gate)
        {
            EndDays(now);
            MatchResting(code, derivative, price, volume, now);
        }
    }

    /// <summary><see cref="OnTrade"/> under the lock. (A stock code and a futures code may be the same six digits.)</summary>
    private void MatchResting(string code, bool derivative, long price, long volume, DateTime now)
    {
        if (_resting.Count == 0) return;
        var left = volume;
        foreach (var order in _resting.Where(o => o.Code == code && o.Derivative == derivative && o.Remaining > 0)
                     .OrderBy(o => o.IsMarket ? 0 : 1).ThenBy(o => o.Buy ? -o.LimitPrice : o.LimitPrice).ThenBy(o => o.Number).ToList())
        {
            if (left == 0) break;
            var reached = order.IsMarket || (order.Buy ? price <= order.LimitPrice : price >= order.LimitPrice);
            if (!reached) continue;
            // A limit order fills at its own price (the trade went through it); a market order at the trade's.
            var take = Math.Min(left, order.Remaining);
            Fill(order, take, order.IsMarket ? price : order.LimitPrice, now);
            left -= take;
        }
        _resting.RemoveAll(o => o.Remaining == 0);
    }

    /// <summary>Notices after <paramref name="position"/> for <paramref name="htsId"/>'s stock or derivative orders:
    /// the next one, moving the place on.</summary>
    public PaperNotice? NextNotice(string htsId, bool derivative, ref int position)
    {
        lock (_gate)
        {
            while (position < _notices.Count)
            {
                var notice = _notices[position++];
                if (notice.HtsId == htsId && notice.Derivative == derivative) return notice;
            }
            return null;
        }
    }

    /// <summary>True when a notice for <paramref name="htsId"/> comes after <paramref name="position"/> at
    /// <paramref name="now"/> (a notice stream's poll also ends the sessions that are over).</summary>
    public bool HasNotice(string htsId, bool derivative, int position, DateTime now)
    {
        lock (_gate)
        {
            EndDays(now);
            for (var i = position; i < _notices.Count; i++)
                if (_notices[i].HtsId == htsId && _notices[i].Derivative == derivative) return true;
            return false;
        }
    }

    /// <summary>Where a notice stream created now starts (it reports what happens from here on).</summary>
    public int NoticeCount
    {
        get
        {
            lock (_gate) return _notices.Count;
        }
    }

    /// <summary>A copy of an account's state (orders, positions, cash) for the inquiries, at <paramref name="now"/>
    /// when given (the sessions over by then ended first).</summary>
    public PaperAccountView View(string accountNumber, DateTime? now = null)
    {
        lock (_gate)
        {
            if (now is { } at) EndDays(at);
            var account = _accounts.GetValueOrDefault(accountNumber);
            if (account is null) return new PaperAccountView(StartingCash, [], []);
            return new PaperAccountView(account.Cash,
                [.. account.Orders.Select(o => o.Snapshot())],
                [.. account.Positions.Where(p => p.Value.Quantity != 0 || p.Value.Realized != 0).Select(p => (p.Key, p.Value.Quantity, p.Value.Cost, p.Value.Reserved, p.Value.BoughtToday, p.Value.SoldToday, p.Value.Derivative, p.Value.Realized))]);
        }
    }

    private PaperAccount Account(string number, string htsId)
    {
        if (!_accounts.TryGetValue(number, out var account)) _accounts[number] = account = new PaperAccount(number, htsId);
        return account;
    }
}
