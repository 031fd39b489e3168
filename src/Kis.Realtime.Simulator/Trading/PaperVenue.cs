using System.Globalization;
using Kis.Realtime.Simulator.Market;
using Kis.Realtime.Simulator.Tape;
using Kis.Realtime.Simulator.Trading.Core;
using Kis.Realtime.Simulator.Trading.Engine;
using Kis.Realtime.Simulator.Trading.Ledger;
using Kis.Realtime.Simulator.Trading.Rules;

namespace Kis.Realtime.Simulator.Trading;

/// <summary>
/// The simulator as a paper-trading venue for KRX stock cash orders (KIS's order-cash / order-rvsecncl REST calls) and
/// KRX day-session futures/options orders (domestic-futureoption order / order-rvsecncl): each account's orders, fills,
/// cash and positions, matched against the simulated market. A marketable stock order walks the KRX book's depth
/// (<see cref="StockBook.TakeDepth"/>: the trades print on the KRX and unified tapes); a futures/options order takes the
/// quote of its trade feed (<see cref="DerivativeTradeStream"/>). What is left rests in the instrument's
/// <see cref="RestingBook"/> (the matching rules: queue position, trades through, auctions at their print) of the
/// venue core (<see cref="VenueCore"/>: acceptance, fills, amendments, cancels, expiries and their settlement, the same
/// code as the backtest's), which the venue feeds from the market's <see cref="MarketTape"/>: every KRX trade, auction print and book and every F/O trade,
/// read at each call and whenever a feed made records. During an auction or a VI a stock order waits for the print, as
/// on KRX. Every event is a notice for the HTS ID of the account (H0STCNI0/9 for stocks, H0IFCNI0/9 for futures and
/// options: the core's events, written by <c>Notices/VenueNoticeStream</c> through the one notice writer). Futures/options positions are signed (a sell opens a
/// short); opening contracts need initial margin and closing fills settle their P&amp;L in cash. What differs per product is
/// the order's <see cref="ProductRules"/> (<c>Trading/Rules</c>): the venue asks them instead of branching. One lock;
/// under it the venue takes a stock's lock (TakeDepth, Depth, PrintCloseIfOwed) and the tape's; a
/// stock never calls the venue (it appends to the tape, whose reader is told outside the stock's lock). Every order is
/// a day order: it ends with its day's order hours (<c>PaperVenue.DayEnd.cs</c>, the venue core's rule). An amendment is a new order at its price and
/// arrives like one (<see cref="Arrive"/>). Each account belongs to the app key it was given to (<see cref="Bind"/>)
/// or else the app key that first used it (<see cref="Claim"/>).
/// </summary>
internal sealed partial class PaperVenue : ITapeListener, IVenueEvents
{
    private readonly SimulatedMarket _market;

    /// <summary>A venue over <paramref name="market"/>: it reads the market's tape from now on and keeps the last
    /// <paramref name="noticeCapacity"/> notices for the notice subscriptions.</summary>
    public PaperVenue(SimulatedMarket market, int noticeCapacity = DefaultNoticeCapacity, TradingCosts? costs = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(noticeCapacity, 1);
        _market = market;
        _costs = costs ?? TradingCosts.Default; // the options validated the rates
        _notices = new NoticeLog(noticeCapacity);
        _core = new VenueCore(this);
        _accounts = new PaperAccounts(_costs);
        _market.Tape.Listen(this);
    }

    /// <summary>Cash every new account starts with (KRW).</summary>
    public const long StartingCash = PaperAccount.StartingCash;

    /// <summary>The branch KIS echoes as KRX_FWDG_ORD_ORGNO (and in the notices).</summary>
    public const string Branch = "00950";

    private readonly Lock _gate = new();
    private readonly TradingCosts _costs; // what every account's fills are charged
    private readonly PaperAccounts _accounts; // by number, with who owns each
    private readonly VenueCore _core; // orders' lifecycle, resting books and settlement: the backtest's code too
    private readonly List<TapeEvent> _tapeRead = [];

    /// <summary>Places a stock cash order or a futures/options order; the answer or the refusal (KIS's message shape).</summary>
    public PaperResult Place(PaperOrderRequest request, DateTime now)
    {
        var rules = request.Rules;
        if (rules.UnknownInstrument(request.Code) is { } unknown) return unknown;
        if (ReplayRefusal(rules, request.Code) is { } replayed) return replayed;
        // Read before the venue's lock (a book has a lock of its own).
        if (QuoteFor(rules, request.Code, now) is not { } quote) return rules.Closed();
        PaperResult result;
        long journaled;
        lock (_gate)
        {
            result = Place(request, quote, now);
            journaled = JournalChanges();
        }
        _changes.Commit(journaled); // acknowledged = on disk (issue 73)
        return result;
    }

    private PaperResult Place(PaperOrderRequest request, OrderQuote quote, DateTime now)
    {
        EndDays(now);
        if (Account(request.Account, request.Owner, request.HtsId) is not { } account) return NotYourAccount();
        // Refused at the door, as KIS's REST answers them: no order number, no notice.
        if (ProductRules.Check(request, quote, account) is { } refusal) return refusal;
        var order = new PaperOrder(_market.NextOrderNumber(), 0, account, request, now)
        {
            ReservePrice = request.IsMarket ? quote.Upper : request.Price, ExpiresAt = TradingHours.OrderHoursEnd(request.Derivative, now),
        };
        account.Orders.Add(order);
        _changes.Changed(order);
        _core.Accept(order, now);
        Arrive(order, now);
        return PaperResult.Ok(order);
    }

    /// <summary>Amends (<paramref name="cancel"/> false: new quantity, price and <paramref name="kind"/>, order-rvsecncl's
    /// ORD_DVSN) or cancels what is left of an order of the product the call is for (<paramref name="derivative"/>: the
    /// futures/options endpoint). The kind is the one asked for, by the venue core's rule (<see cref="PreTradeCheck.AmendmentKind"/>).</summary>
    public PaperResult AmendOrCancel(string accountNumber, string owner, long originalNumber, bool derivative, bool cancel, long quantity, bool wholeRemainder,
        long price, DateTime now, KisOrderKind kind = KisOrderKind.Limit)
    {
        PaperResult result;
        long journaled;
        lock (_gate)
        {
            result = AmendOrCancelLocked(accountNumber, owner, originalNumber, derivative, cancel, (quantity, wholeRemainder), price, kind, now);
            journaled = JournalChanges();
        }
        _changes.Commit(journaled); // acknowledged = on disk (issue 73)
        return result;
    }

    private PaperResult AmendOrCancelLocked(string accountNumber, string owner, long originalNumber, bool derivative, bool cancel,
        (long Quantity, bool WholeRemainder) change, long price, KisOrderKind requested, DateTime now)
    {
        EndDays(now);
        if (_accounts.Get(accountNumber) is { } owned && !owned.OwnedBy(owner)) return NotYourAccount();
        // KRX takes amendments and cancels in its order hours only, as new orders (the backtest's rule too).
        if (ProductRules.Refused(TradingHours.OrderHours(derivative, now)) is { } closed) return closed;
        var original = _accounts.Get(accountNumber)?.Orders.Find(o => o.Number == originalNumber && o.Rules.IsDerivative == derivative);
        if (original is null) return PaperResult.Refuse("APBK0915", "주문번호가 존재하지 않습니다. (no such order of this product in this account)");
        if (original.Remaining == 0 || original.Closed) return NothingLeft(original);
        // An amendment's kind is the one it asks for (the core's rule, the backtest's too); a cancel's is its original's.
        var kind = original.Kind;
        if (!cancel && ProductRules.Refused(PreTradeCheck.AmendmentKind(requested, out kind)) is { } badKind) return badKind;
        if (ProductRules.Refused(PreTradeCheck.ChangeQuantity(change.WholeRemainder ? null : change.Quantity, original.Remaining, out var affected))
            is { } badQuantity)
            return badQuantity;
        var market = kind == OrderKind.Market;
        var band = PriceBand(original.Rules, original.Code);
        if (!cancel && ProductRules.Refused(PreTradeCheck.Amendment(original, affected, market, price, band)) is { } refusal) return refusal;
        var account = original.Account;
        var successor = new PaperOrder(_market.NextOrderNumber(), original.Number, account, original.Request with
        {
            Kind = kind,
            Quantity = affected,
            Price = cancel ? original.LimitPrice : market ? 0 : price,
        }, now) { ReservePrice = cancel ? original.ReservePrice : market ? band.Upper : price, ExpiresAt = TradingHours.OrderHoursEnd(derivative, now) };
        account.Orders.Add(successor);
        _changes.Changed(original);
        _changes.Changed(successor);
        if (cancel)
        {
            _core.Cancel(original, successor, now);
            return PaperResult.Ok(successor);
        }
        _core.Amend(original, successor, now);
        // An amendment is a new order at its price (it loses its place in the queue): marketable, it trades at once.
        Arrive(successor, now);
        return PaperResult.Ok(successor);
    }

    /// <summary>
    /// APBK0917 for an order with nothing left; when an amendment took its remainder, the message names the amendment's
    /// number (an amendment is an order of its own: the original number is spent, as at KIS). Under the lock.
    /// </summary>
    private static PaperResult NothingLeft(PaperOrder original)
    {
        // A cancel's own order is closed at once with all it affected cancelled; an amendment's carries the remainder on.
        var amendment = original.Account.Orders.FindLast(o => o.Original == original.Number && o.Cancelled == 0);
        var why = amendment is null ? "" : $": it was amended, and its remainder is order {amendment.Number.ToString("D10", CultureInfo.InvariantCulture)} now";
        return PaperResult.Refuse("APBK0917", $"정정/취소할 수량이 없습니다. (nothing left to amend or cancel{why})");
    }

    /// <summary>
    /// An order arriving (new, or an amendment): a stock order walks the KRX book's depth within its limit (what the
    /// market did first, an owed auction print, meets the orders resting before it); a futures/options order takes the
    /// quote's touch. What is left rests, queued behind what the book shows at its price. Under the lock.
    /// </summary>
    private void Arrive(PaperOrder order, DateTime now)
    {
        Span<BookLevel> asks = stackalloc BookLevel[StockBook.Levels], bids = stackalloc BookLevel[StockBook.Levels];
        // Where the market's liquidity is read: a stock's KRX book depth, a futures/options feed's one-level quote.
        if (DepthFor(order) is { } book)
        {
            Span<LevelTake> taken = stackalloc LevelTake[StockBook.Levels];
            var n = book.TakeDepth(order.Buy, order.Remaining, order.LimitPrice, now, taken);
            ReadTape();
            for (var k = 0; k < n; k++) _core.Fill(order, taken[k].Quantity, taken[k].Price, now);
            if (order.Remaining == 0) return;
            var (askCount, bidCount) = book.Depth(asks, bids);
            Rest(order, order.Buy ? bids[..bidCount] : asks[..askCount]);
            return;
        }
        ReadTape();
        var quote = _market.DerivativeForOrders(order.Code).Quote; // the feed's leaf lock only
        var touch = Math.Min(order.Remaining, order.Buy ? quote.AskQuantity : quote.BidQuantity); // less what paper orders took
        if (touch > 0 && (order.IsMarket || (order.Buy ? order.LimitPrice >= quote.Ask : order.LimitPrice <= quote.Bid)))
        {
            var price = order.Buy ? quote.Ask : quote.Bid;
            _core.Fill(order, touch, price, now);
            _market.TookDerivativeQuote(order.Code, order.Buy, price, touch); // gone from the quote until the feed quotes anew
        }
        if (order.Remaining == 0) return;
        // The feed quotes one level a side: a price beyond it has an unknown queue (it fills when traded through).
        asks[0] = new BookLevel(quote.Ask, quote.AskQuantity);
        bids[0] = new BookLevel(quote.Bid, quote.BidQuantity);
        Rest(order, order.Buy ? bids[..1] : asks[..1]);
    }

    /// <summary>Puts what is left of an order in its instrument's resting book (the core's), queued behind
    /// <paramref name="sameSide"/>'s volume at its price, until its day's order hours end. Under the lock.</summary>
    private void Rest(PaperOrder order, ReadOnlySpan<BookLevel> sameSide)
        => _core.Rest(order, sameSide, order.PlacedAt); // trades made later with older times (a catch-up) do not reach it

    /// <summary>The core's events: each a notice for the account's HTS ID (the sessions' notice streams write it). Under the lock.</summary>
    void IVenueEvents.OnOrderEvent(VenueOrder order, in OrderEvent e, decimal commission, decimal tax)
    {
        var account = ((PaperOrder)order).Account;
        _changes.Changed(order);
        _notices.Append(new PaperNotice(account.HtsId, account.Number, e));
        // Sessions waiting for notices wake now (their continuations run elsewhere, never under this lock).
        Interlocked.Exchange(ref _noticePublished, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    /// <summary>Brings the venue up to <paramref name="now"/>: the tape read, the sessions over by then ended (their
    /// expiry notices published).</summary>
    public void Advance(DateTime now)
    {
        lock (_gate)
        {
            EndDays(now);
            JournalChanges();
        }
    }

    /// <summary>The instruments where paper orders rest now (what the market must keep trading for them).</summary>
    public (string Code, bool Derivative)[] RestingInstruments()
    {
        lock (_gate) return _core.RestingInstruments();
    }

    /// <summary>The tape has events (a feed made records): the venue reads them now.</summary>
    public void OnTapeReady()
    {
        lock (_gate)
        {
            ReadTape();
            JournalChanges();
        }
    }

    /// <summary>
    /// A trade of the market put on the tape by hand (tests, a recording): <paramref name="buyerInitiated"/> for a
    /// buyer lifting an offer. The resting orders it reaches fill as from any trade of the market.
    /// </summary>
    public void OnTrade(string code, bool derivative, long price, long volume, bool buyerInitiated, DateTime now)
    {
        _market.Tape.Publish(new TapeEvent(TapeEventKind.Trade, code, derivative, now, price, volume, buyerInitiated));
        lock (_gate)
        {
            EndDays(now);
            JournalChanges();
        }
    }

    /// <summary>
    /// Feeds the tape's unread events to the resting books, in order: each trade, auction print and book fills what
    /// it reaches (the fills at the event's market time). Paper orders' own trades are skipped (filled already).
    /// Under the lock.
    /// </summary>
    private void ReadTape()
    {
        _tapeRead.Clear();
        if (!_market.Tape.Drain(_tapeRead)) return;
        foreach (var e in _tapeRead)
        {
            if (e.Paper) continue;
            switch (e.Kind)
            {
                case TapeEventKind.Trade: _core.OnTrade(e.Code, e.Derivative, e.Price, e.Volume, e.BuyerInitiated, e.Time); break;
                case TapeEventKind.Auction: _core.OnAuction(e.Code, e.Derivative, e.Price, e.Volume, e.Time); break;
                default: _core.OnBook(e.Code, e.Derivative, e.Asks, e.Bids, e.Time); break;
            }
        }
        _tapeRead.Clear();
    }

    /// <summary>
    /// What a stock buy of <paramref name="code"/> may spend now and how many shares that is, by the rule order-cash
    /// checks (<see cref="PreTradeCheck.OrderPrice"/>, the per-order caps): the quantity it names is one order-cash takes, one
    /// more is refused.
    /// </summary>
    public (long Cash, long UnitPrice, long Quantity) BuyingPower(string accountNumber, string code, bool isMarket, long price, DateTime now)
    {
        var upper = _market.OrderBookFor(code).UpperLimit;
        lock (_gate)
        {
            EndDays(now);
            JournalChanges();
            return PreTradeCheck.StockBuyingPower(_accounts.OrNew(accountNumber), isMarket, price, upper); // one not used yet: as opened
        }
    }

    /// <summary>
    /// What a futures/options order of <paramref name="code"/> may carry now: the contracts it closes and the most it may
    /// carry in all (one more is refused), by the venue core's rule (<see cref="PreTradeCheck.DerivativeBuyingPower"/>).
    /// </summary>
    public (long Closable, long Total) ContractsPossible(string accountNumber, string code, bool buy, bool isMarket, long price, DateTime now)
    {
        var upper = _market.IsReplay ? _market.ReplayedDerivative(code).UpperLimit : _market.DerivativeForOrders(code).Quote.Upper; // lock-free
        lock (_gate)
        {
            EndDays(now);
            JournalChanges();
            return PreTradeCheck.DerivativeBuyingPower(_accounts.OrNew(accountNumber), code, buy, isMarket, price, upper); // as opened
        }
    }

    /// <summary>A copy of an account's state (orders, positions, cash) for the inquiries, at <paramref name="now"/>
    /// when given (the sessions over by then ended first).</summary>
    public PaperAccountView View(string accountNumber, DateTime? now = null)
    {
        lock (_gate)
        {
            if (now is { } at) EndDays(at);
            else ReadTape();
            JournalChanges();
            return _accounts.View(accountNumber);
        }
    }

    /// <summary>
    /// Binds <paramref name="accountNumber"/> to <paramref name="owner"/> (the app key KIS issued for it) at its first
    /// use, as KIS binds an account to its app key; false when another app key owns it (every call on an account
    /// checks this first, so no key reads, orders on or hears of another's account).
    /// </summary>
    public bool Claim(string accountNumber, string owner, string htsId)
    {
        lock (_gate)
        {
            var owned = Account(accountNumber, owner, htsId) is not null;
            JournalChanges();
            return owned;
        }
    }

    /// <summary>The refusal of a call on an account another app key owns (KIS's answer to an account that is not the
    /// app key's: <c>OPSQ2000</c> <c>INVALID_CHECK_ACNO</c>).</summary>
    public static PaperResult NotYourAccount()
        => PaperResult.Refuse("OPSQ2000", "ERROR : INPUT INVALID_CHECK_ACNO (the account is not this app key's)");


    /// <summary>
    /// Gives <paramref name="account"/> (10 digits: one account; 8: every product code of that account number) to
    /// <paramref name="owner"/> before any call (<see cref="SimulatorCredential.Accounts"/>): its first use by another
    /// app key is refused, not a claim.
    /// </summary>
    public void Bind(string account, string owner, string htsId)
    {
        lock (_gate) _accounts.Bind(account, owner, htsId);
    }

    private PaperAccount? Account(string number, string owner, string htsId)
    {
        var account = _accounts.Open(number, owner, htsId, out var opened);
        if (opened is not null) _changes.Changed(opened);
        return account;
    }
}
