using System.Diagnostics;
using Kis.Realtime.Gateway;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>
/// Issue 58, item 2: each standby declared the exclusive active queue every 500 ms and the broker logged two error lines
/// per try (<c>resource_locked … gateway-active</c>): 240 a minute per standby. The broker's own log, read here, has none
/// from a steady pair and at most two from a takeover.
/// </summary>
[Collection(SecureBrokerCollection.Name)]
public sealed class GatewayElectionLogTests(SecureBroker users)
{
    [RabbitFact]
    public async Task A_steady_pair_leaves_no_error_in_the_brokers_log_and_a_takeover_at_most_two()
    {
        await using var cleanup = RabbitTestBroker.For(users.Namespace);
        // The election's own errors: its connection (kisrt-gateway-election) or its queue (gateway-active). The collection's
        // earlier tests use the same gateway user, and what the broker logs of their connections can land late.
        var log = BrokerLog.FromNow();
        var options = KisGatewayOptions.Default with { Endpoint = users.EndpointOf(users.GatewayUser) };
        // The active one through a proxy that can cut it as a dying host would (RST): a takeover as after kill -9.
        await using var proxy = new CuttableProxy(options.Endpoint.AmqpUri);
        var first = KisGatewayElection.Start(options with { Endpoint = options.Endpoint with { AmqpUri = proxy.Rewrite(options.Endpoint.AmqpUri) } });
        await using var firstScope = first;
        var term = await first.WaitUntilActiveAsync(CancellationToken.None).WaitAsync(TestTimeout);
        await using var second = KisGatewayElection.Start(options);
        // Counted as guest (a passive look the broker may refuse, and log, under guest's name, not the gateway's).
        var deadline = DateTime.UtcNow + TestTimeout;
        while (await KisGatewayElection.CountStandbysAsync(cleanup.Endpoint) < 1)
            Assert.True(DateTime.UtcNow < deadline, "the second process never waited as a standby");

        // A steady pair for three seconds: the old election tried six times in it (twelve error lines). Then a marker
        // connection whose login the broker logs after everything before it.
        var steady = Stopwatch.StartNew();
        while (steady.Elapsed < TimeSpan.FromSeconds(3))
        {
            Assert.Equal((GatewayRole.Active, GatewayRole.Standby), (first.Role, second.Role));
            await Task.Delay(100); // observing a steady state for a while, not waiting for an event
        }
        await MarkAsync(log, 1);
        var steadyErrors = log.ErrorLinesOf(users.GatewayUser, "kisrt-gateway-election", "gateway-active");
        Assert.True(steadyErrors.Count == 0, string.Join('\n', steadyErrors));

        var clock = Stopwatch.StartNew();
        await proxy.CutAsync();
        var next = await second.WaitUntilActiveAsync(CancellationToken.None).WaitAsync(TestTimeout);
        var takeover = clock.Elapsed;
        await UntilAsync(() => term.IsCancellationRequested, "the cut process knowing it lost the lock");
        Assert.False(next.IsCancellationRequested);
        await MarkAsync(log, 2);
        var takeoverErrors = log.ErrorLinesOf(users.GatewayUser, "kisrt-gateway-election", "gateway-active");
        Assert.True(takeoverErrors.Count <= 2, string.Join('\n', takeoverErrors));
        Console.WriteLine($"takeover after the cut {takeover.TotalMilliseconds:0} ms; broker error lines: steady 0, takeover {takeoverErrors.Count}");
    }

    private async Task MarkAsync(BrokerLog log, int times)
    {
        await using (var marker = await users.EndpointOf(users.Alice).CreateFactory("kisrt-tests-log-marker").CreateConnectionAsync()) { }
        await log.UntilAuthenticatedAsync(users.Alice, times, TestTimeout);
    }
}
