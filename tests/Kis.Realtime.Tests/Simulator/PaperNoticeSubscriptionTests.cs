using Kis.Realtime.Simulator.Trading.Rules;
using Kis.Realtime.Simulator.Trading.Engine;
using Kis.Realtime.Simulator;
using Kis.Realtime.Simulator.Market;
using Kis.Realtime.Simulator.Trading;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Simulator;

/// <summary>
/// Who gets the paper venue's notices: every subscription of the HTS ID, each from its own start (as KIS sends a
/// notice to every session subscribed to it, and nothing from before a subscription); and the venue keeps a bounded
/// log of them, where a reader that fell behind loses the oldest, counted.
/// </summary>
public sealed class PaperNoticeSubscriptionTests
{
    private const string Code = "015760";

    [Fact]
    public async Task Two_sessions_subscribed_to_one_HTS_ID_each_get_every_notice()
    {
        // One user's two app keys (KIS allows one session per app key): both sessions subscribe the user's notices.
        var other = new SimulatorCredential("PSsimKisRealtimeSecondAppKey00000000", SimulatorOptions.DefaultAppSecret, SimulatorOptions.DefaultHtsId);
        await using var sim = await StartSimAsync(o => o with
        {
            RandomNotices = false, DriveRestingOrders = false, Credentials = [.. o.Credentials, other],
        });
        await using var first = new KisRealtimeClient(Options(sim));
        await using var second = new KisRealtimeClient(Options(sim, new KisCredential(other.AppKey, other.AppSecret)));
        var token = await MinuteChartTests.TokenAsync(sim);
        await using var a = first.SubscribeStockNoticesAsync().GetAsyncEnumerator();
        await using var b = second.SubscribeStockNoticesAsync().GetAsyncEnumerator();
        var (nextA, nextB) = (a.MoveNextAsync().AsTask(), b.MoveNextAsync().AsTask());
        await UntilAsync(() => sim.Counters.Replies("OPSP0000") >= 2, "both notice subscriptions confirmed");

        var number = await PlaceRestingBuyAsync(sim, token);

        Assert.True(await nextA.WaitAsync(TestTimeout) && await nextB.WaitAsync(TestTimeout), "a notice stream ended");
        Assert.Equal((NoticeKind.OrderAccepted, number), (a.Current.Kind, a.Current.OrderNumber));
        Assert.Equal((NoticeKind.OrderAccepted, number), (b.Current.Kind, b.Current.OrderNumber));
    }

    [Fact]
    public async Task A_subscription_made_again_gets_nothing_that_happened_while_it_was_released()
    {
        await using var sim = await StartSimAsync(o => o with { RandomNotices = false, DriveRestingOrders = false });
        await using var client = new KisRealtimeClient(Options(sim));
        var token = await MinuteChartTests.TokenAsync(sim);
        await using (var notices = client.SubscribeStockNoticesAsync().GetAsyncEnumerator())
        {
            var next = notices.MoveNextAsync().AsTask();
            await UntilAsync(() => sim.Counters.Replies("OPSP0000") >= 1, "the notice subscription confirmed");
            var before = await PlaceRestingBuyAsync(sim, token);
            Assert.True(await next.WaitAsync(TestTimeout));
            Assert.Equal(before, notices.Current.OrderNumber);
        }
        await UntilAsync(() => sim.Counters.Replies("OPSP0001") >= 1, "the notice subscription released");

        await PlaceRestingBuyAsync(sim, token); // while nobody listens: no one is told

        await using var again = client.SubscribeStockNoticesAsync().GetAsyncEnumerator();
        var first = again.MoveNextAsync().AsTask();
        await UntilAsync(() => sim.Counters.Replies("OPSP0000") >= 2, "the notice subscription confirmed again");
        var after = await PlaceRestingBuyAsync(sim, token);
        Assert.True(await first.WaitAsync(TestTimeout));
        Assert.Equal((NoticeKind.OrderAccepted, after), (again.Current.Kind, again.Current.OrderNumber));
    }

    [Fact]
    public void The_venue_keeps_a_bounded_notice_log_and_a_reader_behind_it_counts_what_it_lost()
    {
        var counters = new SimulatorCounters();
        var market = new SimulatedMarket(SimulatorOptions.Default with { Seed = 3 }, counters: counters.Tally);
        var venue = new PaperVenue(market, noticeCapacity: 4);
        var now = market.Clock.Now().Date.AddHours(10).AddMinutes(7);
        var krx = market.StockBookForOrders(Code);
        while (krx.IsInterrupted(now)) now = now.AddSeconds(1);
        krx.Next(now); // the day opened
        var reader = venue.OpenNotices("simuser01", derivative: false);
        var numbers = new List<long>();
        for (var i = 0; i < 6; i++)
        {
            // A buy at the lower limit rests: one acceptance notice per order.
            var placed = venue.Place(new PaperOrderRequest("5012345601", "simuser01", Code, Buy: true, Kind: OrderKind.Limit, 1, krx.LowerLimit), now);
            Assert.True(placed.Accepted, placed.Message);
            numbers.Add(placed.Order!.Number);
        }

        var read = new List<long>();
        while (venue.HasNotice(reader, now)) read.Add(venue.NextNotice(reader)!.Event.Number);

        Assert.Equal(numbers[^4..], read); // the four the log still held, in order
        Assert.Equal(2, counters.NoticesLost);
        Assert.Equal(6, venue.NoticesPublished);
    }

    private static async Task<string> PlaceRestingBuyAsync(KisSimulator sim, string token)
    {
        var price = sim.Hub.Market.StockBookForOrders(Code).LowerLimit; // a buy at the lower limit rests
        var placed = await PaperVenueTests.PostAsync(sim, token, "/uapi/domestic-stock/v1/trading/order-cash", "TTTC0012U",
            PaperVenueTests.Buy(price, 1, code: Code));
        Assert.Equal("0", placed.GetProperty("rt_cd").GetString());
        return placed.GetProperty("output").GetProperty("ODNO").GetString()!;
    }
}
