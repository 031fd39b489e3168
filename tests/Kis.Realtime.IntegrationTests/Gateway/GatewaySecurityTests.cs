using Kis.Realtime.Gateway.Wire;
using Kis.Realtime.Gateway;
using Kis.Realtime.Simulator;
using RabbitMQ.Client;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Gateway;

[CollectionDefinition(Name)]
public sealed class SecureBrokerCollection : ICollectionFixture<SecureBroker>
{
    public const string Name = "secure broker";
}

/// <summary>
/// The attacks on the gateway (issue 24), on the real RabbitMQ with real users holding scripts/rabbitmq-users.sh's
/// permissions: the gateway's user, and consumers alice (the victim) and mallory (the attacker).
/// </summary>
[Collection(SecureBrokerCollection.Name)]
public class GatewaySecurityTests(SecureBroker users)
{
    internal static KisGatewayOptions GatewayOptions(KisSimulator sim, SecureBroker users) => KisGatewayOptions.Default with
    {
        Client = Options(sim),
        Endpoint = users.EndpointOf(users.GatewayUser),
        Linger = TimeSpan.FromMilliseconds(300),
        Lease = TimeSpan.FromSeconds(10),
        StreamMaxSegmentSizeBytes = 1024 * 1024,
        StreamMaxLengthBytes = 16L * 1024 * 1024,
    };

    internal static KisGatewayClient Consumer(SecureBroker users, string user, string id) => new(KisGatewayClientOptions.Default with
    {
        Endpoint = users.EndpointOf(user),
        ConsumerId = id,
        RequestTimeout = TimeSpan.FromSeconds(20),
    });

    [RabbitFact]
    public async Task With_the_scripts_permissions_records_flow_from_the_gateways_user_and_a_consumer_user_cannot_forge_them()
    {
        await using var cleanup = RabbitTestBroker.For(users.Namespace);
        await using var sim = await StartSimAsync(o => o with { Pace = MarketPace.PerSecond(100) });
        await using var gateway = await KisGateway.StartAsync(GatewayOptions(sim, users));

        // The least-privilege consumer reads through the gateway as any consumer does.
        await using var alice = Consumer(users, users.Alice, "dashboard");
        await using var ticks = alice.SubscribeRecordsAsync(KisTrs.IndexTicks, "0001").GetAsyncEnumerator();
        Assert.True(await ticks.MoveNextAsync().AsTask().WaitAsync(TestTimeout));

        // Mallory, a consumer user too, cannot write a record anywhere: to the records exchange, through the default
        // exchange straight into the stream, nor read the requests (other consumers' renewals) — the broker refuses each.
        var endpoint = users.EndpointOf(users.Mallory);
        var forged = new BasicProperties { Headers = new Dictionary<string,
            object?> { ["tr_id"] = "H0UPCNT0", ["tr_key"] = "0001", ["run"] = gateway.Run, ["seq"] = 1_000_000_000_000_000L } };
        Assert.Equal(403, await RefusedAsync(endpoint,
            ch => ch.BasicPublishAsync(endpoint.Exchange, "H0UPCNT0.0001", false, forged, "9999.99"u8.ToArray()).AsTask()));
        Assert.Equal(403, await RefusedAsync(endpoint,
            ch => ch.BasicPublishAsync("", endpoint.StreamFor("H0UPCNT0"), false, forged, "9999.99"u8.ToArray()).AsTask()));
        Assert.Equal(403, await RefusedAsync(endpoint,
            ch => ch.BasicConsumeAsync(endpoint.RequestQueue, true, new RabbitMQ.Client.Events.AsyncEventingBasicConsumer(ch))));
        Assert.Equal(403, await RefusedAsync(endpoint, ch => ch.QueueDeleteAsync(endpoint.StreamFor("H0UPCNT0"))));
        // Nor to the gateway's run exchange (issue 61: the fence), nor end the gateway's run by deleting it.
        var runExchange = Kis.Realtime.Gateway.Internal.RunExchange.Name(endpoint, gateway.Run);
        Assert.Equal(403, await RefusedAsync(endpoint,
            ch => ch.BasicPublishAsync(runExchange, "H0UPCNT0.0001", false, forged, "9999.99"u8.ToArray()).AsTask()));
        Assert.Equal(403, await RefusedAsync(endpoint, ch => ch.ExchangeDeleteAsync(runExchange)));

        // Nothing of it reached alice: her records still come, each one the gateway's.
        var more = 0;
        while (more++ < 5) Assert.True(await ticks.MoveNextAsync().AsTask().WaitAsync(TestTimeout));
        Assert.Equal(0, alice.SequenceResets);
    }

    /// <summary>Runs <paramref name="attempt"/> on a fresh channel; returns the reply code the broker closed it with.</summary>
    private static async Task<ushort> RefusedAsync(KisGatewayEndpoint endpoint, Func<IChannel, Task> attempt)
    {
        await using var connection = await endpoint.CreateFactory("kisrt-tests-mallory").CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        var closed = new TaskCompletionSource<ushort>(TaskCreationOptions.RunContinuationsAsynchronously);
        channel.ChannelShutdownAsync += (_, e) => { closed.TrySetResult(e.ReplyCode); return Task.CompletedTask; };
        try
        {
            await attempt(channel);
        }
        catch (RabbitMQ.Client.Exceptions.OperationInterruptedException e)
        {
            return e.ShutdownReason?.ReplyCode ?? 0;
        }
        return await closed.Task.WaitAsync(TestTimeout); // a publish is refused asynchronously, by closing the channel
    }

    [RabbitFact]
    public async Task A_consumer_releases_only_its_own_claim_and_a_request_without_or_with_a_false_user_id_is_refused()
    {
        await using var cleanup = RabbitTestBroker.For(users.Namespace);
        await using var sim = await StartSimAsync(o => o with { Pace = MarketPace.PerSecond(100) });
        await using var gateway = await KisGateway.StartAsync(GatewayOptions(sim, users));
        await using var alice = Consumer(users, users.Alice, "victim");
        await using var ticks = alice.SubscribeRecordsAsync(KisTrs.IndexTicks, "0001").GetAsyncEnumerator();
        Assert.True(await ticks.MoveNextAsync().AsTask().WaitAsync(TestTimeout));

        await using var mallory = await RawRequester.ConnectAsync(users.EndpointOf(users.Mallory));
        // The victim's consumer id under mallory's own (broker-checked) user: not the victim's claim.
        var unsubscribe = new GatewayRequest("unsubscribe", "H0UPCNT0", "0001", "victim");
        var reply = await mallory.AskAsync(unsubscribe, users.Mallory);
        Assert.Equal("not_held", reply.Error);
        // Without a user-id: refused, and not answered (no user owns the reply queue then), counted.
        var refused = gateway.Status().RequestsRefused;
        await mallory.SendAsync(GatewayJson.Serialize(unsubscribe), null, mallory.ReplyQueue);
        await UntilAsync(() => gateway.Status().RequestsRefused > refused, "the request without a user-id refused");
        // Claiming to be alice: the broker itself refuses the publish (406 PRECONDITION_FAILED) and closes the channel.
        await mallory.SendAsync(GatewayJson.Serialize(unsubscribe), users.Alice, mallory.ReplyQueue);
        Assert.Equal(406, await mallory.Closed.Task.WaitAsync(TestTimeout));

        // Alice's claim stands: one consumer on the registration, and well past the linger her records still come.
        var registration = Assert.Single(gateway.Status().Registrations);
        Assert.Equal(1, registration.Consumers);
        Assert.Equal("active", registration.State);
        var received = gateway.Status().Received;
        await UntilAsync(() => gateway.Status().Received > received + 50, "records published well past the linger");
        Assert.True(await ticks.MoveNextAsync().AsTask().WaitAsync(TestTimeout));
        Assert.True(gateway.Status().RequestsRefused >= 2);
    }

    [RabbitFact]
    public async Task Status_shows_a_user_its_own_registrations_and_a_monitoring_user_every_one()
    {
        await using var cleanup = RabbitTestBroker.For(users.Namespace);
        await using var sim = await StartSimAsync(o => o with { Pace = MarketPace.PerSecond(100) });
        await using var gateway = await KisGateway.StartAsync(GatewayOptions(sim, users) with { MonitoringUsers = [users.Alice] });
        await gateway.HoldAsync(KisTrs.IndexTicks, "0001");
        await using var alice = Consumer(users, users.Alice, "dashboard");
        await using var ticks = alice.SubscribeRecordsAsync(KisTrs.IndexTicks, "1001").GetAsyncEnumerator();
        Assert.True(await ticks.MoveNextAsync().AsTask().WaitAsync(TestTimeout));

        // Failed before: every consumer's status listed every user's keys.
        await using var mallory = Consumer(users, users.Mallory, "snoop");
        Assert.Empty((await mallory.GetStatusAsync().WaitAsync(TestTimeout)).Registrations);
        await using var own = mallory.SubscribeRecordsAsync(KisTrs.IndexTicks, "2001").GetAsyncEnumerator();
        Assert.True(await own.MoveNextAsync().AsTask().WaitAsync(TestTimeout));
        var seen = await mallory.GetStatusAsync().WaitAsync(TestTimeout);
        Assert.Equal(("H0UPCNT0", "2001"), (Assert.Single(seen.Registrations).Tr, seen.Registrations[0].Key));
        Assert.Equal(1, seen.Consumers);

        // A monitoring user sees every registration (the gateway's own user too, where it may declare a reply queue).
        var all = await alice.GetStatusAsync().WaitAsync(TestTimeout);
        Assert.Equal(3, all.Registrations.Count);
        Assert.Equal(3, all.Consumers); // alice's, mallory's and the gateway's own hold
    }

    [RabbitFact]
    public async Task The_gateways_own_identity_is_never_accepted_from_the_wire()
    {
        await using var cleanup = RabbitTestBroker.For(users.Namespace);
        await using var sim = await StartSimAsync(o => o with { Pace = MarketPace.PerSecond(100) });
        await using var gateway = await KisGateway.StartAsync(GatewayOptions(sim, users));
        await gateway.HoldAsync(KisTrs.IndexTicks, "0001");
        await using var mallory = await RawRequester.ConnectAsync(users.EndpointOf(users.Mallory));

        // Subscribing as "(gateway)" would make a claim that never expires; unsubscribing would release the --sub key.
        Assert.Equal("forbidden", (await mallory.AskAsync(new GatewayRequest("subscribe", "H0UPCNT0", "1001", "(gateway)"), users.Mallory)).Error);
        Assert.Equal("forbidden", (await mallory.AskAsync(new GatewayRequest("unsubscribe", "H0UPCNT0", "0001", "(gateway)"), users.Mallory)).Error);
        Assert.Equal("forbidden", (await mallory.AskAsync(new GatewayRequest("renew", Consumer: "(gateway)"), users.Mallory)).Error);

        var held = Assert.Single(gateway.Status().Registrations);
        Assert.Equal(("0001", 1, "active"), (held.Key, held.Consumers, held.State));
    }

    [RabbitFact]
    public async Task A_claim_the_gateway_no_longer_holds_and_refuses_again_ends_the_subscription_with_a_typed_error_instead_of_a_silent_live()
    {
        await using var cleanup = RabbitTestBroker.For(users.Namespace);
        await using var sim = await StartSimAsync(o => o with { Pace = MarketPace.PerSecond(100) });
        var options = GatewayOptions(sim, users) with { Lease = TimeSpan.FromMilliseconds(900) }; // renewed every 300 ms
        var first = await KisGateway.StartAsync(options);
        await using var alice = Consumer(users, users.Alice, "dashboard");
        await using var ticks = alice.SubscribeRecordsAsync(KisTrs.IndexTicks, "0001").GetAsyncEnumerator();
        Assert.True(await ticks.MoveNextAsync().AsTask().WaitAsync(TestTimeout));

        // The gateway restarts and KIS refuses the key: the new run cannot restore the claim (the renewal answers "held
        // 0") and the client's claim again is refused too.
        await first.DisposeAsync();
        sim.Faults.FailNextRequests(Kis.Realtime.Protocol.OpspCode.InvalidTrKey, 2);
        await using var second = await KisGateway.StartAsync(options);
        var lost = await Assert.ThrowsAsync<KisGatewayClaimLostException>(async () =>
        {
            while (await ticks.MoveNextAsync().AsTask().WaitAsync(TestTimeout)) { }
        });
        Assert.Equal(("H0UPCNT0", "0001"), (lost.TrId, lost.TrKey));
    }
}
