namespace Kis.Realtime.Tests.Orders;

/// <summary>
/// Issue 56 (7): a risk check costs the orders working, not every order of the day. The guard re-read and sorted the
/// whole day's orders at every order (a fresh `kisrt backtest` over a 1,000,000-record day: 22,010 orders, 207 s of
/// CPU, 98 % of it there); the tracker now keeps the working orders and each code's holding as notices land, held here
/// to a recount of its orders, and the guard forgets an order it let through once its notices say it is done.
/// </summary>
public sealed class RiskGuardScaleTests
{
    private static StockNotice Notice(NoticeKind kind, string number, string code, OrderSide side, long quantity, decimal price, string original = "") => new()
    {
        Kind = kind, OrderNumber = number, OriginalOrderNumber = original, StockCode = code, Side = side, Quantity = quantity, Price = price,
        OrderQuantity = quantity, OrderPrice = price, Time = new TimeOnly(10, 0, 0), CustomerId = "u", AccountNumber = "a",
        OrderTypeCode = "00", OrderConditionCode = "0", BranchNumber = "", AccountName = "", OrderExchangeCode = "", PopupCode = "",
        CreditTypeCode = "", StockName = "",
    };

    [Fact]
    public void The_trackers_running_totals_match_a_recount_of_its_orders_after_every_notice()
    {
        var random = new Random(56);
        var tracker = new KisOrderTracker();
        string[] codes = ["005930", "000660"];
        var numbers = new List<string>();
        for (var step = 0; step < 3_000; step++)
        {
            var code = codes[random.Next(2)];
            var side = random.Next(2) == 0 ? OrderSide.Buy : OrderSide.Sell;
            var price = 70_000m + random.Next(-20, 21) * 100 + (random.Next(4) == 0 ? 0.5m : 0);
            var known = numbers.Count > 0 ? numbers[random.Next(numbers.Count)] : "0000000001";
            string Fresh()
            {
                numbers.Add((numbers.Count + 1).ToString("0000000000", System.Globalization.CultureInfo.InvariantCulture));
                return numbers[^1];
            }
            switch (random.Next(7))
            {
                case 0: tracker.Apply(Notice(NoticeKind.OrderAccepted, Fresh(), code, side, 1 + random.Next(10), price)); break;
                case 1 or 2: tracker.Apply(Notice(NoticeKind.Fill, known, code, side, 1 + random.Next(5), price)); break;
                case 3: tracker.Apply(Notice(NoticeKind.Fill, Fresh(), code, side, 1 + random.Next(5), price)); break;
                case 4: tracker.Apply(Notice(NoticeKind.AmendAccepted, Fresh(), code, side, 1 + random.Next(5), price, original: known)); break;
                case 5: tracker.Apply(Notice(NoticeKind.CancelAccepted, "9" + Fresh(), code, side, 1 + random.Next(5), price, original: known)); break;
                default:
                    if (random.Next(10) == 0) tracker.Forget(known);
                    else tracker.Apply(Notice(NoticeKind.Rejected, known, code, side, 1, price));
                    break;
            }
            AssertMatchesRecount(tracker, codes);
        }
    }

    private static void AssertMatchesRecount(KisOrderTracker tracker, string[] codes)
    {
        var orders = tracker.Orders;
        Assert.Equal(orders.Where(o => !o.IsDone), tracker.Open);
        var view = tracker.ReadForRisk([], codes[0], withHoldings: true);
        Assert.Equal(orders.Where(o => !o.IsDone && o.RemainingQuantity > 0).OrderBy(o => o.OrderNumber, StringComparer.Ordinal),
            view.Working.OrderBy(o => o.OrderNumber, StringComparer.Ordinal));
        foreach (var code in codes)
        {
            // The recount the guard made before: every order of the code, in order-number order.
            long position = 0;
            decimal cash = 0, lastFill = 0;
            foreach (var o in orders.Where(o => o.Code == code && o.FilledQuantity > 0))
            {
                var signed = o.Side == OrderSide.Sell ? -o.FilledQuantity : o.FilledQuantity;
                position += signed;
                cash -= signed * o.AveragePrice;
                lastFill = o.AveragePrice;
            }
            Assert.Equal(position, tracker.PositionOf(code));
            var holding = view.Holdings.SingleOrDefault(h => h.Code == code);
            Assert.Equal((position, cash), (holding?.Position ?? 0, holding?.Cash ?? 0));
            if (orders.Any(o => o.Code == code && o.FilledQuantity > 0)) Assert.Equal(lastFill, holding!.LastFillPrice);
        }
        Assert.Equal(orders.Where(o => o.Code == codes[0]).Sum(o => o.Side == OrderSide.Sell ? -o.FilledQuantity : o.FilledQuantity), view.Position);
        // The totals a check reads without lists (ReadRiskTotals) are those of the lists, on either side.
        foreach (var side in (OrderSide[])[OrderSide.Buy, OrderSide.Sell])
        {
            var totals = tracker.ReadRiskTotals([], codes[0], side, [], withHoldings: true);
            Assert.Equal(view.Working.Count, totals.Working);
            Assert.Equal(view.Working.Where(o => o.Code == codes[0] && o.Side == side).Sum(o => o.RemainingQuantity), totals.SameSide);
            Assert.Equal(view.Position, totals.Position);
            Assert.Equal(view.Holdings, totals.Holdings);
        }
    }

    [Fact]
    public void Orders_let_through_count_as_working_until_a_notice_names_them_and_are_forgotten_once_done()
    {
        var tracker = new KisOrderTracker();
        tracker.Apply(Notice(NoticeKind.OrderAccepted, "0000000001", "005930", OrderSide.Buy, 3, 70_000)); // named, working
        tracker.Apply(Notice(NoticeKind.Fill, "0000000002", "005930", OrderSide.Buy, 2, 70_000)); // named, filled: done
        var letThrough = new Dictionary<string, KisOrderRequest>(StringComparer.Ordinal)
        {
            ["1"] = KisOrderRequest.Stock("005930", OrderSide.Buy, 3, 70_000),
            ["2"] = KisOrderRequest.Stock("005930", OrderSide.Buy, 2, 70_000),
            ["3"] = KisOrderRequest.Stock("005930", OrderSide.Buy, 4, 70_000), // no notice yet: working in full
            ["4"] = KisOrderRequest.Stock("005930", OrderSide.Sell, 5, 70_000),
        };
        var done = new List<string>();
        var buys = tracker.ReadRiskTotals(letThrough, "005930", OrderSide.Buy, done, withHoldings: false);
        Assert.Equal(new KisOrderTracker.RiskTotals(3, 3 + 4, 2, null), buys);
        Assert.Equal(["2"], done);
        var sells = tracker.ReadRiskTotals(letThrough, "005930", OrderSide.Sell, [], withHoldings: false);
        Assert.Equal((3, 5L), (sells.Working, sells.SameSide));
    }

    [Fact]
    public async Task A_guard_forgets_the_orders_it_let_through_once_their_notices_say_they_are_done()
    {
        var venue = new FillingVenue();
        var guard = new KisRiskGuard(venue, new KisRiskLimits { MaxPosition = 1_000_000, MaxOpenOrders = 10, DailyLossLimit = 1_000_000_000 });
        guard.OnTrade("005930", 70_000);
        for (var i = 0; i < 2_000; i++)
        {
            var side = i % 2 == 0 ? OrderSide.Buy : OrderSide.Sell;
            Assert.True((await guard.PlaceAsync(KisOrderRequest.Stock("005930", side, 1, 70_000))).IsAccepted);
            Assert.InRange(guard.LetThroughCount, 0, 1); // the last one, until a check reads its fill
        }
        Assert.Equal(0, guard.Position("005930"));
        Assert.Equal(0m, guard.DayProfit());
        Assert.Equal(2_000, venue.Book.Tracker.Orders.Count);
        Assert.Empty(venue.Book.Tracker.Open);
    }

    /// <summary>A venue that accepts every order and fills it at once, its notice applied to its book before it answers.</summary>
    private sealed class FillingVenue : IKisOrderVenue
    {
        private int _next;

        public KisOrderBook Book { get; } = new();

        public Task<KisOrderResult> PlaceAsync(KisOrderRequest order, CancellationToken cancellationToken = default)
        {
            var number = (++_next).ToString("0000000000", System.Globalization.CultureInfo.InvariantCulture);
            Book.Apply(Notice(NoticeKind.Fill, number, order.Code, order.Side, order.Quantity, order.Price));
            return Task.FromResult(new KisOrderResult { Outcome = KisOrderOutcome.Accepted, OrderNumber = number });
        }

        public Task<KisOrderResult> AmendAsync(KisAmendRequest amend, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public Task<KisOrderResult> CancelAsync(KisCancelRequest cancel, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public Task<IReadOnlyList<KisOrderRow>> GetOrdersAsync(KisProduct product, KisOrderFilter filter = KisOrderFilter.All, string? code = null,
            CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public Task<KisBalance> GetBalanceAsync(KisProduct product, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public Task<KisBuyingPower> GetBuyingPowerAsync(KisProduct product, string code, OrderSide side = OrderSide.Buy, decimal price = 0,
            CancellationToken cancellationToken = default) => throw new NotSupportedException();
    }
}
