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

    [Fact]
    public async Task A_feed_disposed_unread_ends_at_once_and_never_holds_its_session_in_wait_mode()
    {
        // 50 records a second for the key: the one-record buffer of a feed nobody reads is full at once, and in Wait mode
        // the session's receive loop waits for room in it. A release that drained into that buffer (as a relay's reading
        // feed does) would hold the loop until the slow-consumer timeout ended the feed as slow, the release's answer
        // unread behind it.
        await using var sim = await StartSimAsync();
        await using var client = new KisRealtimeClient(Options(sim) with
        {
            FullMode = KisFullMode.Wait,
            SubscriptionCapacity = 1,
            // Each far beyond any pause of a loaded machine before the dispose (3 s was not) and beyond the test timeout:
            // a release held behind the full buffer fails the dispose's wait instead of the slow-consumer count, and
            // neither the release giving up nor the watchdog's stall frees the held loop before that.
            SlowConsumerTimeout = TimeSpan.FromSeconds(60),
            RequestTimeout = TimeSpan.FromSeconds(60),
            LivenessTimeout = null,
        });
        var feed = await client.OpenRecordFeedAsync(KisTrs.IndexTicks, "0001").WaitAsync(TestTimeout);
        await UntilAsync(() => client.Statistics.RecordsDelivered >= 2, "records for the unread feed (its buffer full)");

        await feed.DisposeAsync().AsTask().WaitAsync(TestTimeout);
        await SessionsAsync(sim, s => s.Sum(x => x.Subscriptions.Count) == 0);

        // The session went on at once: no consumer was ended as slow, and a new subscription is served.
        Assert.Equal(0, client.Statistics.SlowConsumers);
        await using var again = client.SubscribeRecordsAsync(KisTrs.IndexTicks, "0001").GetAsyncEnumerator();
        Assert.True(await again.MoveNextAsync().AsTask().WaitAsync(TestTimeout));
        Assert.Equal(0, client.Statistics.SlowConsumers);
    }
}
