using Kis.Realtime.Gateway.Internal;
using Kis.Realtime.Gateway;
using Microsoft.Extensions.Logging.Abstractions;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>The gateway's registration table against the simulator, with the broker side played by the test (no RabbitMQ).</summary>
public sealed class RegistrationManagerTests
{
    /// <summary>
    /// Declaring the TR's stream fails after KIS accepted the key (the broker reconnecting, or PRECONDITION_FAILED when
    /// the stream's arguments changed): the KIS registration must be released, not leak against the 41 with a buffer
    /// nobody reads.
    /// </summary>
    [Fact]
    public async Task A_stream_that_cannot_be_declared_releases_the_KIS_registration()
    {
        await using var sim = await StartSimAsync();
        var options = KisGatewayOptions.Default with { Client = Options(sim) };
        await using var client = new KisRealtimeClient(options.Client);
        await using var publisher = new RecordPublisher(options, new StreamTopology(options), NullLogger.Instance);
        var declared = 0;
        await using var registrations = new RegistrationManager(client, publisher, (_, _) =>
        {
            Interlocked.Increment(ref declared);
            throw new InvalidOperationException("PRECONDITION_FAILED - inequivalent arg 'x-max-length-bytes'");
        }, options, "run1", NullLogger.Instance);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(
            () => registrations.SubscribeAsync(new GatewayIdentity("tester", "consumer"), KisTrs.IndexTicks, "0001", CancellationToken.None).WaitAsync(
                TestTimeout));
        Assert.Contains("PRECONDITION_FAILED", error.Message);
        Assert.Equal(1, Volatile.Read(ref declared)); // KIS had accepted the key: the failure came after the feed opened

        await UntilAsync(() => client.Statistics.Registrations == 0, "the client to release 0001", TimeSpan.FromSeconds(5));
        await SessionsAsync(sim, s => s.Count == 1 && s[0].Subscriptions.Count == 0);
        Assert.Empty(registrations.Snapshot(out var consumers));
        Assert.Equal(0, consumers);
    }

    /// <summary>
    /// Issue 58, item 7: a deleted broker user's claims end at once: a registration only it claimed, and one lingering
    /// because it released it, are released without the linger; a registration another user claims, or one lingering for
    /// another user, stays.
    /// </summary>
    [Fact]
    public async Task Dropping_a_deleted_user_ends_its_claims_and_releases_what_only_it_held()
    {
        await using var sim = await StartSimAsync();
        var options = KisGatewayOptions.Default with { Client = Options(sim), Lease = TimeSpan.FromMinutes(10), Linger = TimeSpan.FromMinutes(10) };
        await using var client = new KisRealtimeClient(options.Client);
        await using var publisher = new RecordPublisher(options, new StreamTopology(options), NullLogger.Instance);
        await using var registrations = new RegistrationManager(client, publisher, (tr, _) => Task.FromResult("kis." + tr), options, "run1",
            NullLogger.Instance);
        var bob = new GatewayIdentity("bob", "b");
        var alice = new GatewayIdentity("alice", "a");
        foreach (var (who, key) in new[] { (bob, "0001"), (alice, "0001"), (bob, "0002"), (bob, "0004"), (alice, "0006") })
            await registrations.SubscribeAsync(who, KisTrs.IndexTicks, key, CancellationToken.None).WaitAsync(TestTimeout);
        Assert.True(registrations.Unsubscribe(bob, KisTrs.IndexTicks.Id, "0004")); // lingers for bob
        Assert.True(registrations.Unsubscribe(alice, KisTrs.IndexTicks.Id, "0006")); // lingers for alice

        Assert.Equal((2, 2), registrations.DropUser("bob"));

        var left = registrations.Snapshot(out var consumers);
        Assert.Equal(["0001 active 1", "0006 lingering 0"], left.Select(r => $"{r.Key} {r.State} {r.Consumers}"));
        Assert.Equal(1, consumers);
        Assert.Equal((0, 0), registrations.DropUser("bob"));
    }
}
