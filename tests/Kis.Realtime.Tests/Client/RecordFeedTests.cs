using Kis.Realtime.Protocol;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Client;

public class RecordFeedTests
{
    [Fact]
    public async Task A_feed_is_registered_before_its_first_record_refused_typed_and_released_on_dispose()
    {
        await using var sim = await StartSimAsync(o => o with { Pace = Kis.Realtime.Simulator.MarketPace.Off });
        await using var client = new KisRealtimeClient(Options(sim, DefaultCredential, new KisCredential("PSsecondAppKey000000000000000000000000", "secret")));

        // Registered with no record yet (the market is off): the answer does not wait for data.
        var feed = await client.OpenRecordFeedAsync(KisTrs.IndexTicks, "0001").WaitAsync(TestTimeout);
        Assert.Equal((0, "H0UPCNT0", "0001"), (feed.SessionIndex, feed.Tr.Id, feed.TrKey));
        Assert.Equal([1, 0], client.RegistrationsBySession);
        await SessionsAsync(sim, s => s.Sum(x => x.Subscriptions.Count) == 1);
        var records = feed.ReadAllAsync();
        Assert.Throws<InvalidOperationException>(() => feed.ReadAllAsync());

        var refused = await Assert.ThrowsAsync<KisSubscriptionException>(() => client.OpenRecordFeedAsync(KisTrs.FuturesOptionsNotices, "wronguser"));
        Assert.Equal(OpspCode.InvalidHtsId, refused.Code);

        await feed.DisposeAsync();
        await SessionsAsync(sim, s => s.Sum(x => x.Subscriptions.Count) == 0);
        Assert.Equal([0, 0], client.RegistrationsBySession);
        await using var e = records.GetAsyncEnumerator();
        Assert.False(await e.MoveNextAsync().AsTask().WaitAsync(TestTimeout)); // the feed ended
    }
}
