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
            () => registrations.SubscribeAsync(new GatewayIdentity("tester", "consumer"), KisTrs.IndexTicks, "0001", CancellationToken.None).WaitAsync(TestTimeout));
        Assert.Contains("PRECONDITION_FAILED", error.Message);
        Assert.Equal(1, Volatile.Read(ref declared)); // KIS had accepted the key: the failure came after the feed opened

        await UntilAsync(() => client.Statistics.Registrations == 0, "the client to release 0001", TimeSpan.FromSeconds(5));
        await SessionsAsync(sim, s => s.Count == 1 && s[0].Subscriptions.Count == 0);
        Assert.Empty(registrations.Snapshot(out var consumers));
        Assert.Equal(0, consumers);
    }
}
