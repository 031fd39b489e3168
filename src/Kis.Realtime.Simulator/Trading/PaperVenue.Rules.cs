using Kis.Realtime.Simulator.Market;

namespace Kis.Realtime.Simulator.Trading;

/// <summary>The venue's rules (see <see cref="PaperVenue"/>): what KRX takes, what an order reserves, what a fill does. Under the lock.</summary>
internal sealed partial class PaperVenue
{
    /// <summary>The touch, limits and tick an order meets now; null when KRX does not take it now.</summary>
    private OrderQuote? QuoteFor(string code, bool derivative, DateTime now)
    {
        if (derivative)
        {
            var (q, hours) = market.DerivativeForOrders(code);
            return hours.IsOpen(now) ? new OrderQuote(q.Ask, q.AskQuantity, q.Bid, q.BidQuantity, q.Lower, q.Upper, q.Tick) : null;
        }
        // KRX takes stock orders from its pre-open auction to its closing auction.
        if (!TradingHours.KrxAuctions.IsOpen(now) && !TradingHours.KrxStocks.IsOpen(now)) return null;
        var book = market.StockBookForOrders(code);
        var touch = book.Touch();
        return new OrderQuote(touch.Ask, touch.AskQuantity, touch.Bid, touch.BidQuantity, book.LowerLimit, book.UpperLimit, Tick: 0);
    }

    /// <summary>The day's price limits of a stock (±30 %) or of a futures/options code.</summary>
    private (long Lower, long Upper) Limits(string code, bool derivative)
    {
        if (!derivative)
        {
            var book = market.StockBookForOrders(code);
            return (book.LowerLimit, book.UpperLimit);
        }
        var quote = market.DerivativeForOrders(code).Quote;
        return (quote.Lower, quote.Upper);
    }

    /// <summary>Whether a price is on the grid: KRX's stock ticks by price band, a derivative's fixed tick.</summary>
    private bool OnGrid(string code, bool derivative, long price)
        => derivative ? price % market.DerivativeForOrders(code).Quote.Tick == 0 : InstrumentMaster.RoundToTick(price) == price;

    /// <summary>Most shares one stock order may carry (the simulator's cap; KRX caps an order at under 5 % of the listed
    /// shares, which the simulator does not model).</summary>
    public const long MaxStockQuantity = 1_000_000;

    /// <summary>Most KRW one stock order may be worth (quantity × price, or the upper limit for a market order).</summary>
    public const long MaxStockOrderValue = 30_000_000_000;

    /// <summary>Most contracts one futures/options order may carry.</summary>
    public const long MaxContractsPerOrder = 1_000;

    /// <summary>Initial margin of a KRX index future, as a share of the contracts' value (the simulator's parameter;
    /// KRX sets the rate per product and revises it; maintenance margin and margin calls are not modelled).</summary>
    public const decimal FuturesMarginRate = 0.08m;

    /// <summary>Options: the premium's whole value either way (a buyer pays it; a writer's margin is taken as the same,
    /// which is less than KRX asks of a writer).</summary>
    public const decimal OptionsMarginRate = 1m;

    /// <summary>KRW per point of a futures/options code: KOSPI200 250,000, mini KOSPI200 50,000, KOSDAQ150 10,000.</summary>
    public static long Multiplier(string code) => code.Length < 3 ? 10 : code[1..3] switch { "01" => 250_000, "05" => 50_000, "06" => 10_000, _ => 10 };

    /// <summary>The margin <paramref name="contracts"/> at <paramref name="price"/> (hundredths of a point) take, in KRW.</summary>
    private static long Margin(string code, long contracts, long price)
        => (long)decimal.Ceiling(checked(contracts * price) * (decimal)Multiplier(code) / 100m * (code[0] == '1' ? FuturesMarginRate : OptionsMarginRate));

    /// <summary>The margin an account's futures/options positions and open orders hold (out of its cash). Under the lock.</summary>
    private static long MarginInUse(PaperAccount account)
    {
        long margin = 0;
        foreach (var (code, position) in account.Positions)
            if (position.Derivative && position.Quantity != 0) margin += Margin(code, 1, position.Cost);
        foreach (var order in account.Orders)
            if (order.Derivative && order.Remaining > 0 && !order.Closed && !order.IsMarket) margin += Margin(order.Code, order.Remaining, order.LimitPrice);
        return margin;
    }

    /// <summary>
    /// The one rule that prices a stock buy for the cash check: its limit, or the day's upper limit for a market order
    /// (what it may pay at worst). Order-cash reserves at it and inquire-psbl-order divides the cash by it.
    /// </summary>
    private static long BuyReservePrice(bool isMarket, long price, long upperLimit) => isMarket || price <= 0 ? upperLimit : price;

    /// <summary>The price a futures/options order's margin is taken at: its limit, or the day's upper limit for a
    /// market order (the one rule of the order check and inquire-psbl-order).</summary>
    private static long MarginPrice(bool isMarket, long price, long upperLimit) => isMarket || price <= 0 ? upperLimit : price;

    /// <summary>The contracts of <paramref name="code"/> an order of this side closes (a buy closes a short, a sell a long).</summary>
    private static long Closable(PaperAccount account, string code, bool buy)
    {
        var held = account.Positions.GetValueOrDefault(code)?.Quantity ?? 0;
        return buy ? Math.Max(0, -held) : Math.Max(0, held);
    }

    /// <summary>Most contracts that open a position whose initial margin at <paramref name="price"/> fits in
    /// <paramref name="free"/> KRW (what <see cref="Check"/> takes, by the same <see cref="Margin"/>).</summary>
    private static long OpenableContracts(string code, long price, long free)
    {
        if (free <= 0 || price <= 0) return 0;
        var perContract = Math.Max(1, Margin(code, 1, price));
        var contracts = Math.Min(free / perContract, MaxContractsPerOrder);
        // Margin rounds up once for the whole order, so n contracts may take a won less than n × one: settle exactly.
        while (contracts < MaxContractsPerOrder && Margin(code, contracts + 1, price) <= free) contracts++;
        while (contracts > 0 && Margin(code, contracts, price) > free) contracts--;
        return contracts;
    }

    private static PaperResult? Check(PaperOrderRequest request, OrderQuote quote, PaperAccount account)
    {
        if (request.Quantity <= 0) return PaperResult.Refuse("APBK0507", "주문수량을 확인하세요. (ORD_QTY must be a positive whole number)");
        var cap = request.Derivative ? MaxContractsPerOrder : MaxStockQuantity;
        if (request.Quantity > cap) return PaperResult.Refuse("APBK0507", $"주문수량을 확인하세요. (at most {cap:N0} {(request.Derivative ? "contracts" : "shares")} an order)");
        if (!request.IsMarket)
        {
            if (request.Price <= 0 || !quote.OnGrid(request.Price))
                return PaperResult.Refuse("APBK0506", "주문단가가 호가단위에 맞지 않습니다. (price not on KRX's tick grid)");
            if (request.Price > quote.Upper || request.Price < quote.Lower)
                return PaperResult.Refuse("APBK0510", $"주문단가가 가격제한폭을 벗어났습니다. (outside the day's limits {quote.Lower}..{quote.Upper})");
        }
        if (request.Derivative)
        {
            // Contracts that open (or add to) a position need margin; those that close one need none.
            var opening = Math.Max(0, request.Quantity - Closable(account, request.Code, request.Buy));
            var margin = Margin(request.Code, opening, MarginPrice(request.IsMarket, request.Price, quote.Upper));
            return margin > account.Cash - MarginInUse(account)
                ? PaperResult.Refuse("APBK0952", $"주문가능금액을 초과 했습니다. (initial margin {margin:N0} KRW over what the account has free)")
                : null;
        }
        // Both factors are capped, so the product fits; checked all the same (a wrapped product once passed this check).
        var value = checked(request.Quantity * BuyReservePrice(request.IsMarket, request.Price, quote.Upper));
        if (value > MaxStockOrderValue) return PaperResult.Refuse("APBK0507", $"주문수량을 확인하세요. (at most {MaxStockOrderValue:N0} KRW an order)");
        if (request.Buy)
        {
            if (value > account.Cash - MarginInUse(account)) return PaperResult.Refuse("APBK0952", "주문가능금액을 초과 했습니다. (not enough cash)");
        }
        else
        {
            var position = account.Positions.GetValueOrDefault(request.Code);
            if (position is null || position.Quantity - position.Reserved < request.Quantity)
                return PaperResult.Refuse("APBK0400", "주문 가능한 수량을 초과 했습니다. (more than the position that can be sold)");
        }
        return null;
    }

    private void Fill(PaperOrder order, long quantity, long price, DateTime now)
    {
        if (quantity <= 0) return;
        var account = order.Account;
        var position = account.Position(order.Code);
        order.Remaining -= quantity;
        order.Filled += quantity;
        order.FilledValue += checked(quantity * price);
        if (order.Derivative)
        {
            // A closing fill settles its profit or loss in cash at once (KRX settles futures daily; the venue at the fill).
            var realizedBefore = position.Realized;
            FillContracts(position, order.Buy, quantity, price);
            account.Cash += checked((position.Realized - realizedBefore) * Multiplier(order.Code) / 100);
        }
        else if (order.Buy)
        {
            // The reservation was at the limit (or upper limit): the difference comes back as the fill is known.
            account.Cash += checked(quantity * (order.ReservePrice - price));
            position.Quantity += quantity;
            position.Cost += checked(quantity * price);
            position.BoughtToday += quantity;
        }
        else
        {
            account.Cash += checked(quantity * price);
            position.Cost -= position.Quantity == 0 ? 0 : position.Cost * quantity / position.Quantity;
            position.Quantity -= quantity;
            position.Reserved -= quantity;
            position.SoldToday += quantity;
        }
        Notify(order, PaperNoticeKind.Filled, quantity, price, now);
        if (order.Remaining == 0) order.Closed = true;
    }

    /// <summary>
    /// A futures/options fill on a signed position: against the position it closes contracts first (their cost leaves
    /// at the position's average), what is left opens or adds to the position at the fill's price.
    /// </summary>
    private static void FillContracts(PaperPosition position, bool buy, long quantity, long price)
    {
        position.Derivative = true;
        if (buy) position.BoughtToday += quantity; else position.SoldToday += quantity;
        if (position.Quantity != 0 && position.Quantity > 0 != buy)
        {
            var closing = Math.Min(Math.Abs(position.Quantity), quantity);
            var closedCost = position.Cost * closing / Math.Abs(position.Quantity);
            // A long closes by selling above its cost; a short by buying below it.
            position.Realized += buy ? closedCost - closing * price : closing * price - closedCost;
            position.Cost -= closedCost;
            position.Quantity += buy ? closing : -closing;
            quantity -= closing;
        }
        position.Quantity += buy ? quantity : -quantity;
        position.Cost += quantity * price;
    }

    /// <summary>What an open stock order reserves: a buy its cash at the reserve price, a sell its shares. Derivative
    /// orders reserve no cash: their margin is counted against it (<see cref="MarginInUse"/>).</summary>
    private static void Reserve(PaperOrder order)
    {
        if (order.Derivative) return;
        if (order.Buy) order.Account.Cash -= checked(order.Quantity * order.ReservePrice);
        else order.Account.Position(order.Code).Reserved += order.Quantity;
    }

    /// <summary>Gives back what <paramref name="quantity"/> of an open order had reserved (cash, or shares to sell).</summary>
    private static void Release(PaperOrder order, long quantity)
    {
        if (order.Derivative) return;
        if (order.Buy) order.Account.Cash += checked(quantity * order.ReservePrice);
        else order.Account.Position(order.Code).Reserved -= quantity;
    }
}

/// <summary>The touch an order meets, the day's limits and the tick (0: KRX's stock tick bands).</summary>
internal readonly record struct OrderQuote(long Ask, long AskQuantity, long Bid, long BidQuantity, long Lower, long Upper, long Tick)
{
    public bool OnGrid(long price) => Tick == 0 ? InstrumentMaster.RoundToTick(price) == price : price % Tick == 0;
}
