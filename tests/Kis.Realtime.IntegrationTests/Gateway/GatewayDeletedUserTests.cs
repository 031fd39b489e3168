using System.Diagnostics;
using Kis.Realtime.Gateway;
using Kis.Realtime.Simulator;
using Kis.Realtime.Tests.Client;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>
/// Issue 58, item 7: a consumer whose broker user the operator deleted kept its claim for the lease (30 s) and then the
/// registration for the linger (30 s) — a KIS registration of the app keys' 41 held a minute for nobody. The gateway
/// learns of the deletion from RabbitMQ's event exchange (scripts/services.sh enables the plugin) and ends the claims at once.
/// </summary>
[Collection(SecureBrokerCollection.Name)]
public sealed class GatewayDeletedUserTests(SecureBroker users, ITestOutputHelper output)
{
    [RabbitFact]
    public async Task A_deleted_broker_users_claim_ends_within_seconds_and_another_users_claim_stays()
    {
        await using var cleanup = RabbitTestBroker.For(users.Namespace);
        var bob = "kisrt-test-bob-" + Guid.NewGuid().ToString("N")[..8];
        await users.CreateConsumerAsync(bob);
        var log = new CapturingLoggerProvider();
        using var loggers = new LoggerFactory([log]);
        await using var sim = await StartSimAsync(o => o with { Pace = MarketPace.PerSecond(20) });
        // The defaults that made it a minute: a 30 s lease, a 30 s linger.
        await using var gateway = await KisGateway.StartAsync(GatewaySecurityTests.GatewayOptions(sim, users) with
        {
            LoggerFactory = loggers,
            Lease = TimeSpan.FromSeconds(30),
            Linger = TimeSpan.FromSeconds(30),
        });
        await using var alice = GatewaySecurityTests.Consumer(users, users.Alice, "alice");
        await using var aliceTicks = alice.SubscribeRecordsAsync(KisTrs.IndexTicks, "0001").GetAsyncEnumerator();
        Assert.True(await aliceTicks.MoveNextAsync().AsTask().WaitAsync(TestTimeout));
        await using var consumer = GatewaySecurityTests.Consumer(users, bob, "bob");
        await using var ticks = consumer.SubscribeRecordsAsync(KisTrs.IndexTicks, "0002").GetAsyncEnumerator();
        Assert.True(await ticks.MoveNextAsync().AsTask().WaitAsync(TestTimeout));
        Assert.Contains(gateway.Status().Registrations, r => r.Key == "0002" && r.Consumers == 1);

        var watch = Stopwatch.StartNew();
        await users.DeleteUserAsync(bob);
        var deleted = watch.Elapsed; // rabbitmqctl itself takes a second or more
        // The line is written after the release: both within the bound, which leaves a loaded machine its stalls and is
        // half the 30 s lease the claim was kept for before.
        var line = $"Broker user {bob} was deleted";
        while (gateway.Status().Registrations.Any(r => r.Key == "0002") || !log.Lines.Any(l => l.Contains(line, StringComparison.Ordinal)))
        {
            Assert.True(watch.Elapsed < deleted + TimeSpan.FromSeconds(15),
                $"bob's registration still {string.Join(", ", gateway.Status().Registrations)} {watch.Elapsed.TotalSeconds:0.0} s after the delete; log:\n" +
                string.Join('\n', log.Lines));
            await Task.Delay(100);
        }
        Assert.DoesNotContain(log.Lines, l => l.Contains("Cannot watch for deleted broker users", StringComparison.Ordinal));
        output.WriteLine($"rabbitmqctl delete_user {deleted.TotalSeconds:0.00} s, released {(watch.Elapsed - deleted).TotalSeconds:0.00} s after it returned");
        // Alice's claim is hers still, and her records still come.
        Assert.Contains(gateway.Status().Registrations, r => r.Key == "0001" && r.Consumers == 1);
        Assert.True(await aliceTicks.MoveNextAsync().AsTask().WaitAsync(TestTimeout));
    }
}
