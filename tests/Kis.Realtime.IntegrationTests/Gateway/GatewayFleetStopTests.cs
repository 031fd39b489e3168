using System.Diagnostics;
using Kis.Realtime.Gateway;
using Kis.Realtime.Simulator;
using Kis.Realtime.Tests.Cli;
using Xunit.Abstractions;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>
/// A fleet process's stop (<see cref="KisGatewayFleet.DisposeAsync"/>) after its shards: the last status record saying it
/// left, the status connection closed and the takeovers' connection closed, whatever a shard's disposal did.
/// </summary>
[Collection(nameof(RecordKillTests))] // runs alone: a fleet and its elections
public sealed class GatewayFleetStopTests(ITestOutputHelper output)
{
    /// <summary>
    /// A shard's disposal that throws: the stop still publishes that the process left (before, the exception skipped it, and
    /// <c>status --fleet</c> listed the process as a live standby for 10 s), closes the status connection and disposes the
    /// takeovers (their connections are seen closing at a proxy), and the exception still reaches the caller.
    /// </summary>
    [RabbitFact]
    public async Task A_shard_disposal_that_throws_still_publishes_left_and_closes_the_status_and_takeovers_connections()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        // Two universe shards of 5 index keys, no spare key: the second shard elected here opens the takeovers' connection.
        var keys = Enumerable.Range(0, 2).Select(i => new SimulatorCredential($"PSsimFleetStopThrows{i}".PadRight(36, '0'),
            SimulatorOptions.DefaultAppSecret, SimulatorOptions.DefaultHtsId)).ToList();
        await using var sim = await StartSimAsync(o => o with { Credentials = keys, Pace = MarketPace.PerSecond(50) });
        var universe = Enumerable.Range(1, 10)
            .Select(i => new FleetRegistration(KisTrs.IndexTicks, i.ToString("D4", System.Globalization.CultureInfo.InvariantCulture))).ToList();
        await using var proxy = new CuttableProxy(broker.Endpoint.AmqpUri);
        var endpoint = broker.Endpoint with { AmqpUri = proxy.Rewrite(broker.Endpoint.AmqpUri) };
        var fleet = KisGatewayFleet.Start(FleetTestOptions.For(endpoint, sim, keys, universe) with { Name = "throws" });
        try
        {
            await UntilAsync(() => fleet.Status().Shards.All(s => s is { Role: GatewayRole.Active, Gateway.Confirmed: > 0 }), "both shards publishing");
            await UntilAsync(() => proxy.OpenNames() is var open
                && open.Contains("kisrt-gateway-fleet-status") && open.Contains("kisrt-gateway-fleet-takeovers"), "the status and takeovers connections open");
            Assert.True(await PublishedAsync(broker.Endpoint, "throws", left: false, TimeSpan.FromSeconds(60)), "the process's status never published");

            fleet.AfterShardDisposed = shard => shard == "0" ? throw new InvalidOperationException("shard 0's disposal failed") : Task.CompletedTask;
            var thrown = await Assert.ThrowsAsync<InvalidOperationException>(() => fleet.DisposeAsync().AsTask());
            output.WriteLine($"the stop threw: {thrown.Message}; open through the proxy: {string.Join(", ", proxy.OpenNames())}");

            // Read once the stop returned: the left record was confirmed before it did, so the first good read holds it.
            Assert.True(await PublishedAsync(broker.Endpoint, "throws", left: true, TimeSpan.Zero), "no status saying the process left");
            await UntilAsync(() => !proxy.OpenNames().Any(n => n is "kisrt-gateway-fleet-status" or "kisrt-gateway-fleet-takeovers"),
                "the status and takeovers connections closed");
        }
        finally
        {
            fleet.AfterShardDisposed = null;
            await fleet.DisposeAsync();
        }
    }

    /// <summary>
    /// A stop given little time (what is left of the 30 s a SIGTERM gives <c>kisrt gateway --fleet</c>) whose last status
    /// record the broker never confirms (the proxy holds every reply once the record is sent): the record waits only for
    /// what is left of the budget, so the stop ends within it. Before, it waited its own 5 s whatever was left.
    /// </summary>
    [RabbitFact]
    public async Task A_stop_with_little_budget_left_ends_within_it_though_the_broker_never_confirms_the_left_record()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        var key = new SimulatorCredential("PSsimFleetStopBudget".PadRight(36, '0'), SimulatorOptions.DefaultAppSecret, SimulatorOptions.DefaultHtsId);
        await using var sim = await StartSimAsync(o => o with { Credentials = [key], Pace = MarketPace.PerSecond(50) });
        var universe = Enumerable.Range(1, 5)
            .Select(i => new FleetRegistration(KisTrs.IndexTicks, i.ToString("D4", System.Globalization.CultureInfo.InvariantCulture))).ToList();
        await using var proxy = new CuttableProxy(broker.Endpoint.AmqpUri);
        var endpoint = broker.Endpoint with { AmqpUri = proxy.Rewrite(broker.Endpoint.AmqpUri) };
        var fleet = KisGatewayFleet.Start(FleetTestOptions.For(endpoint, sim, [key], universe) with { Name = "budget" });
        try
        {
            await UntilAsync(() => fleet.Status().Shards.Single() is { Role: GatewayRole.Active, Gateway.Confirmed: > 0 }, "the shard publishing");
            Assert.True(await PublishedAsync(broker.Endpoint, "budget", left: false, TimeSpan.FromSeconds(60)), "the process's status never published");

            var held = proxy.HoldRepliesAfterClientSends("\"left\":true"u8.ToArray());
            var clock = Stopwatch.StartNew();
            var stop = fleet.StopAsync(Budget).AsTask();
            await Task.WhenAny(held, stop).WaitAsync(TimeSpan.FromMinutes(2));
            var heldAt = held.IsCompleted ? clock.Elapsed : (TimeSpan?)null;
            await stop.WaitAsync(TimeSpan.FromMinutes(2));
            var took = clock.Elapsed;
            output.WriteLine($"budget {Budget.TotalSeconds:0.0} s: the left record sent at {heldAt?.TotalSeconds.ToString("0.00", null) ?? "-"} s " +
                             $"(its confirm held), the stop ended after {took.TotalSeconds:0.00} s");
            // Ended within the budget, or promptly after the shards' own stop when that took it all (then the record is not
            // tried at all); the slack is the scheduling of a loaded machine, well below the 5 s the record once waited.
            var bound = (heldAt is { } at && at > Budget ? at : Budget) + Slack;
            Assert.True(took <= bound, $"the stop took {took.TotalSeconds:0.00} s, budget {Budget.TotalSeconds:0.0} s " +
                                       $"(left record sent at {heldAt?.TotalSeconds:0.00} s)");
        }
        finally
        {
            await proxy.CutAsync();
            await fleet.DisposeAsync();
        }
    }

    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(2), Slack = TimeSpan.FromSeconds(2.5);

    /// <summary>Whether the status stream's last 10 s hold <paramref name="process"/>'s record (one saying it left when
    /// <paramref name="left"/>), asking again for up to <paramref name="wait"/>; a read that failed (the broker slow under
    /// load) is asked again, at least once.</summary>
    internal static async Task<bool> PublishedAsync(KisGatewayEndpoint endpoint, string process, bool left, TimeSpan wait)
    {
        var clock = Stopwatch.StartNew();
        for (var failed = 0; ; )
        {
            try
            {
                var statuses = await KisGatewayFleet.ReadStatusAsync(endpoint).WaitAsync(TimeSpan.FromMinutes(1));
                if (statuses.Any(s => s.Process == process && s.Left == left)) return true;
                if (clock.Elapsed > wait) return false;
            }
            catch (KisConnectionException) when (++failed < 5)
            {
                // asked again
            }
            await Task.Delay(200); // the next question: each answer is judged on its own
        }
    }
}
