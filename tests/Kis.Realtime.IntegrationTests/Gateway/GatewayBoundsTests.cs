using Kis.Realtime.Gateway.Wire;
using Kis.Realtime.Gateway;
using Kis.Realtime.Simulator;
using RabbitMQ.Client;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>Quotas and bounds (issue 24, "No quotas, no bounds"), on the real broker with real users.</summary>
[Collection(SecureBrokerCollection.Name)]
public class GatewayBoundsTests(SecureBroker users)
{
    [RabbitFact]
    public async Task Made_up_consumers_of_one_user_cannot_take_every_registration_nor_exceed_the_request_rate()
    {
        await using var cleanup = RabbitTestBroker.For(users.Namespace);
        await using var sim = await StartSimAsync(o => o with { Pace = MarketPace.PerSecond(10) });
        await using var gateway = await KisGateway.StartAsync(GatewaySecurityTests.GatewayOptions(sim, users) with { MaxClaimsPerUser = 10 });
        await using var mallory = await RawRequester.ConnectAsync(users.EndpointOf(users.Mallory));

        // 45 keys from 45 made-up consumers: more than the session's 41 registrations.
        var replies = new List<GatewayReply>();
        for (var i = 0; i < 45; i++)
            replies.Add(await mallory.AskAsync(new GatewayRequest("subscribe", "H0UPCNT0", (2000 + i).ToString(), $"bot-{i}"), users.Mallory));
        Assert.Equal(10, replies.Count(r => r.Ok));
        Assert.All(replies.Skip(10), r => Assert.Equal("quota", r.Error));

        // Alice still gets a new key.
        await using var alice = GatewaySecurityTests.Consumer(users, users.Alice, "dashboard");
        await using var ticks = alice.SubscribeRecordsAsync(KisTrs.IndexTicks, "0001").GetAsyncEnumerator();
        Assert.True(await ticks.MoveNextAsync().AsTask().WaitAsync(TestTimeout));

        // A flood of requests beyond the rate is refused, counted, and costs the others nothing.
        await using var limited = await KisGateway.StartAsync(GatewaySecurityTests.GatewayOptions(sim, users) with { MaxRequestsPerSecondPerUser = 5 });
        var status = GatewayJson.Serialize(new GatewayRequest("status"));
        var flood = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => mallory.AskRawAsync(status, users.Mallory)));
        Assert.Contains(flood, r => RawRequester.Reply(r).Error == "rate");
    }

    [RabbitFact]
    public async Task Huge_ids_keys_and_bodies_are_refused_unstored_and_never_echoed()
    {
        await using var cleanup = RabbitTestBroker.For(users.Namespace);
        await using var sim = await StartSimAsync(o => o with { Pace = MarketPace.PerSecond(10) });
        await using var gateway = await KisGateway.StartAsync(GatewaySecurityTests.GatewayOptions(sim, users));
        await using var mallory = await RawRequester.ConnectAsync(users.EndpointOf(users.Mallory));
        var megabyte = new string('7', 1 << 20);

        var longId = await mallory.AskRawAsync(GatewayJson.Serialize(new GatewayRequest("subscribe", "H0UPCNT0", "0001", "x" + megabyte[..3000])),
            users.Mallory);
        Assert.Equal("too_large", RawRequester.Reply(longId).Error);
        var longKey = await mallory.AskRawAsync(GatewayJson.Serialize(new GatewayRequest("subscribe", "H0UPCNT0", megabyte[..3000], "bot")), users.Mallory);
        Assert.Equal("too_large", RawRequester.Reply(longKey).Error);
        // A 1 MB key: refused unread, the reply a few hundred bytes without it.
        var hugeKey = await mallory.AskRawAsync(GatewayJson.Serialize(new GatewayRequest("subscribe", "H0UPCNT0", megabyte, "bot")), users.Mallory);
        Assert.Equal("too_large", RawRequester.Reply(hugeKey).Error);
        Assert.All(new[] { longId, longKey, hugeKey }, reply => Assert.InRange(reply.Length, 1, 400));
        // Under the request queue's byte bound (4 MiB) and far over the gateway's: refused by its length, unread.
        var huge = await mallory.AskRawAsync(new byte[2 << 20], users.Mallory);
        Assert.Equal("too_large", RawRequester.Reply(huge).Error);
        // Not JSON, an unknown op: typed, not echoed.
        Assert.Equal("invalid", RawRequester.Reply(await mallory.AskRawAsync("{\"op\":\"x"u8.ToArray(), users.Mallory)).Error);

        Assert.Empty(gateway.Status().Registrations);
        Assert.Equal(0, gateway.Status().Consumers);
        Assert.True(gateway.Status().RequestsRefused >= 5);
    }

    [RabbitFact]
    public async Task A_reply_to_naming_a_stream_or_any_queue_but_a_reply_queue_gets_no_reply()
    {
        await using var cleanup = RabbitTestBroker.For(users.Namespace);
        await using var sim = await StartSimAsync(o => o with { Pace = MarketPace.PerSecond(10) });
        await using var gateway = await KisGateway.StartAsync(GatewaySecurityTests.GatewayOptions(sim, users));
        await using var mallory = await RawRequester.ConnectAsync(users.EndpointOf(users.Mallory));
        var stream = (await mallory.AskAsync(new GatewayRequest("stream", "H0UPCNT0", "0001", "bot"), users.Mallory)).Stream!;

        // The gateway may write to the stream; mallory may not: she asks it to write its reply there.
        var status = GatewayJson.Serialize(new GatewayRequest("status"));
        await mallory.SendAsync(status, users.Mallory, stream);
        await mallory.SendAsync(status, users.Mallory, users.Namespace + ".requests");
        // A request answered after them (the gateway answers on one channel, in order) means theirs were handled.
        await UntilAsync(() => gateway.Status().RequestsRefused >= 2, "both refused");
        Assert.True(RawRequester.Reply(await mallory.AskRawAsync(status, users.Mallory)).Ok);

        // The stream holds nothing but what an administrator puts after: the marker is its first message.
        await using var admin = await new ConnectionFactory { Uri = new Uri(RabbitTestBroker.GuestUri) }.CreateConnectionAsync();
        await using (var channel = await admin.CreateChannelAsync())
            await channel.BasicPublishAsync("", stream, false,
                new BasicProperties { Headers = new Dictionary<string, object?> { ["tr_key"] = "marker", ["run"] = "m", ["seq"] = 1L } }, "marker"u8.ToArray());
        var first = await cleanup.ReadMessagesAsync("H0UPCNT0", 1);
        Assert.Equal("marker", System.Text.Encoding.UTF8.GetString(first[0].Body));
    }

    [RabbitFact]
    public async Task A_reply_to_naming_another_users_reply_queue_gets_no_reply()
    {
        await using var cleanup = RabbitTestBroker.For(users.Namespace);
        await using var sim = await StartSimAsync(o => o with { Pace = MarketPace.PerSecond(10) });
        await using var gateway = await KisGateway.StartAsync(GatewaySecurityTests.GatewayOptions(sim, users));
        await using var alice = await RawRequester.ConnectAsync(users.EndpointOf(users.Alice));
        await using var mallory = await RawRequester.ConnectAsync(users.EndpointOf(users.Mallory));
        var status = GatewayJson.Serialize(new GatewayRequest("status"));
        Assert.True(RawRequester.Reply(await alice.AskRawAsync(status, users.Alice)).Ok);

        // Mallory knows the name of Alice's reply queue (any user with the management tag lists a vhost's queues) and
        // asks, as herself, for the answer to go there: the gateway must not write into a queue she does not own.
        await mallory.SendAsync(status, users.Mallory, alice.ReplyQueue, "mallory-into-alice");
        await UntilAsync(() => gateway.Status().RequestsRefused >= 1, "the request refused");
        // Answered after it (the gateway answers on one channel, in order): Alice's queue got nothing of Mallory's.
        Assert.True(RawRequester.Reply(await alice.AskRawAsync(status, users.Alice)).Ok);
        Assert.Equal(0, alice.Strays);
    }
}
