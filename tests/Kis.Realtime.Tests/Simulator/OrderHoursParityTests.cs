using Kis.Realtime.Simulator.Trading;

namespace Kis.Realtime.Tests.Simulator;

/// <summary>
/// Issue 73, finding 5 (its last difference): both venues judge whether KRX takes an order now by the market's time (the
/// recording's own stamps), and by one rule: stock orders from the pre-open auction (08:30) to the closing auction's end
/// (15:30), day-session futures/options orders 08:45–15:45, on trading days; outside them <c>APBK0918</c>, as KIS
/// answers. Paper under <c>kisrt sim --replay</c> refused orders on a recording made outside the hours where the
/// backtest took them. The same orders go to both over a recording stamped outside the hours; compared field by field:
/// each call's outcome, refusal code and text.
/// </summary>
public sealed class OrderHoursParityTests
{
    /// <summary>A call's outcome as the strategy reads it.</summary>
    private sealed record Outcome(bool Accepted, string? Code, string? Message);

    /// <summary>A recording of <paramref name="product"/> made at <paramref name="kst"/> (HH:mm KST on Wednesday
    /// 2026-11-25, a trading day): a book, a trade and a last trade a minute later.</summary>
    private static byte[] Recording(KisProduct product, string kst)
    {
        var t0 = DateTimeOffset.Parse($"2026-11-25T{kst}:00+09:00", System.Globalization.CultureInfo.InvariantCulture);
        return product == KisProduct.Stock
            ?
            [
                .. ReplayVenueTests.Line(t0, ReplayVenueTests.Book(t0, ask: 70_000, bid: 69_900, quantity: 100)),
                .. ReplayVenueTests.Line(t0, ReplayVenueTests.Trade(t0, price: 70_000, volume: 5, buyer: true, previousClose: 69_000)),
                .. ReplayVenueTests.Line(t0.AddMinutes(1), ReplayVenueTests.Trade(t0.AddMinutes(1), 70_000, 1, buyer: true, previousClose: 69_000)),
            ]
            :
            [
                .. ReplayVenueTests.Line(t0, FuturesVenueParityTests.Book(t0, ask: 350.05m, bid: 350.00m)),
                .. ReplayVenueTests.Line(t0, FuturesVenueParityTests.Trade(t0, 350.05m, 2)),
                .. ReplayVenueTests.Line(t0.AddMinutes(1), FuturesVenueParityTests.Trade(t0.AddMinutes(1), 350.00m, 1)),
            ];
    }

    [Theory]
    [InlineData(KisProduct.Stock, "08:10")] // before the pre-open auction
    [InlineData(KisProduct.Stock, "16:10")] // after the closing auction (KRX's after-hours single-price session)
    [InlineData(KisProduct.FuturesOptions, "08:40")] // before the day session's opening auction
    [InlineData(KisProduct.FuturesOptions, "15:50")] // after the day session
    public async Task An_order_outside_KRX_hours_by_the_recordings_time_is_refused_alike_as_a_backtest_and_on_paper(KisProduct product, string kst)
    {
        var stock = product == KisProduct.Stock;
        var code = stock ? VenueParityTests.Code : FuturesVenueParityTests.Code;
        var account = stock ? VenueParityTests.Account : FuturesVenueParityTests.Account;
        var (backtest, paper) = await VenueParity.OnBothAsync<Outcome>(Recording(product, kst), product, code, account, async (orders, into, ct) =>
        {
            foreach (var price in new decimal?[] { stock ? 70_000 : 350.05m, null }) // a limit buy, a market buy
            {
                var answer = await orders.PlaceAsync(stock ? KisOrderRequest.Stock(code, OrderSide.Buy, 1, price)
                    : KisOrderRequest.FuturesOptions(code, OrderSide.Buy, 1, price), ct);
                Assert.NotEqual(KisOrderOutcome.Unknown, answer.Outcome);
                into.Add(new Outcome(answer.IsAccepted, answer.Refusal?.MessageCode, answer.Refusal?.Message));
            }
        });

        Assert.Equal(backtest, paper);
        Assert.All(backtest, o => Assert.Equal((false, "APBK0918"), (o.Accepted, o.Code)));
        Assert.All(backtest, o => Assert.StartsWith("장운영시간이 아닙니다.", o.Message, StringComparison.Ordinal));
    }

    /// <summary>A recording of <paramref name="product"/> made at 10:00 KST on Wednesday 2026-11-25 (a book and a trade)
    /// with a last trade at <paramref name="later"/> (HH:mm KST the same day), after the product's order hours.</summary>
    internal static byte[] RecordingUntil(KisProduct product, string later)
    {
        var t0 = VenueParityTests.T0;
        var t1 = DateTimeOffset.Parse($"2026-11-25T{later}:00+09:00", System.Globalization.CultureInfo.InvariantCulture);
        return product == KisProduct.Stock
            ?
            [
                .. ReplayVenueTests.Line(t0, ReplayVenueTests.Book(t0, ask: 70_000, bid: 69_900, quantity: 100)),
                .. ReplayVenueTests.Line(t0, ReplayVenueTests.Trade(t0, price: 70_000, volume: 5, buyer: true, previousClose: 69_000)),
                .. ReplayVenueTests.Line(t1, ReplayVenueTests.Trade(t1, 70_000, 1, buyer: true, previousClose: 69_000)),
            ]
            :
            [
                .. ReplayVenueTests.Line(t0, FuturesVenueParityTests.Book(t0, ask: 350.05m, bid: 350.00m)),
                .. ReplayVenueTests.Line(t0, FuturesVenueParityTests.Trade(t0, 350.05m, 2)),
                .. ReplayVenueTests.Line(t1, FuturesVenueParityTests.Trade(t1, 350.05m, 1)),
            ];
    }

    /// <summary>
    /// Issue 73 (leftovers, item 1): KRX's order hours hold for amendments and cancels too. A buy rests at 10:00; after
    /// the product's order hours (a stock's 15:30, a future's 15:45, by the recording's stamps) an amendment of it, a
    /// cancel of it and a cancel of an order that does not exist are each refused <c>APBK0918</c>, alike on both venues.
    /// The backtest once took the amendment and the cancel (its orders lived to the day's end) where paper answered the
    /// order's expiry.
    /// </summary>
    [Theory]
    [InlineData(KisProduct.Stock, "15:35")]
    [InlineData(KisProduct.FuturesOptions, "15:50")]
    public async Task An_amendment_or_cancel_outside_KRX_hours_is_refused_alike_as_a_backtest_and_on_paper(KisProduct product, string later)
    {
        var stock = product == KisProduct.Stock;
        var (backtest, paper) = await VenueParity.AfterRestingBuyAsync<Outcome>(product, later,
            async (orders, number, into, ct) =>
            {
                var calls = new Func<Task<KisOrderResult>>[]
                {
                    () => orders.AmendAsync(new KisAmendRequest
                    {
                        Product = product, OriginalOrderNumber = number, Price = stock ? 69_600 : 349.55m, Branch = PaperVenue.Branch,
                    }, ct),
                    () => orders.CancelAsync(new KisCancelRequest { Product = product, OriginalOrderNumber = number, Branch = PaperVenue.Branch }, ct),
                    () => orders.CancelAsync(new KisCancelRequest { Product = product, OriginalOrderNumber = "0000009999", Branch = PaperVenue.Branch }, ct),
                };
                foreach (var call in calls)
                {
                    var answer = await call();
                    Assert.NotEqual(KisOrderOutcome.Unknown, answer.Outcome);
                    into.Add(new Outcome(answer.IsAccepted, answer.Refusal?.MessageCode, answer.Refusal?.Message));
                }
            });

        Assert.Equal(backtest, paper);
        Assert.Equal(3, backtest.Count);
        Assert.All(backtest, o => Assert.Equal((false, "APBK0918"), (o.Accepted, o.Code)));
        Assert.All(backtest, o => Assert.StartsWith("장운영시간이 아닙니다.", o.Message, StringComparison.Ordinal));
    }
}
