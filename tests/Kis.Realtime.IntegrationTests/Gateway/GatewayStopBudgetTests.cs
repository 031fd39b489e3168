using System.Diagnostics;
using Kis.Realtime.Gateway;
using Kis.Realtime.Simulator;
using Kis.Realtime.Tests.Cli;
using Xunit.Abstractions;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>
/// Issue 72, finding 3: a lone gateway's stop (<c>kisrt gateway</c> without <c>--fleet</c>, at SIGTERM) bounded by a budget
/// as a fleet shard's is: it confirms until shortly before the budget ends, then fences its publisher and counts what it
/// received and did not publish (<see cref="GatewayStatus.StopDropped"/>). Before, the CLI waited 10 s for the confirms and
/// then the client's close timeout, whatever the 30 s of a SIGTERM had left, and called the rest "not confirmed" though
/// it might still reach the stream. Every figure is checked against the simulator's count and a read of the stream.
/// </summary>
[Collection(nameof(RecordKillTests))] // runs alone: both cores kept busy by the test
public sealed class GatewayStopBudgetTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(5), Slack = TimeSpan.FromSeconds(2.5);

    /// <summary>A healthy broker's stop: confirms may take a while with both cores busy, never the whole of it.</summary>
    private static readonly TimeSpan HealthyBudget = TimeSpan.FromSeconds(15);

    [RabbitFact]
    public async Task A_stop_whose_confirms_are_held_ends_within_its_budget_and_states_what_it_did_not_publish()
    {
        await using var run = await StopRun.StartAsync(perSecond: 500, confirmed: 100, proxied: true);
        var (broker, proxy, sim, gateway) = (run.Broker, run.Proxy!, run.Sim, run.Gateway);
        proxy.HoldRepliesTo("kisrt-gateway-publisher"); // the broker stores what comes; its confirms never reach the gateway
        await UntilAsync(() => gateway.Status() is { } s && s.Received - s.Confirmed > 50, "records published and unconfirmed");

        TimeSpan took;
        using (var busy = new BusyCores())
        {
            var clock = Stopwatch.StartNew();
            await gateway.StopAsync(Budget).AsTask().WaitAsync(TimeSpan.FromMinutes(2));
            took = clock.Elapsed;
            Assert.True(busy.Spins > 0);
        }
        var end = gateway.Status(); // one snapshot
        output.WriteLine($"budget {Budget.TotalSeconds:0.0} s, took {took.TotalSeconds:0.00} s: simulator sent {sim.Counters.RecordsSent}, " +
                         $"received {end.Received}, confirmed {end.Confirmed}, dropped at the stop's bound {end.StopDropped}, overflowed {end.Overflowed}");
        Assert.True(took <= Budget + Slack, $"the stop took {took.TotalSeconds:0.00} s, budget {Budget.TotalSeconds:0.0} s");
        Assert.True(end.StopDropped > 0, "nothing dropped at the stop's bound, though the confirms were held");
        Assert.Equal(end.Received, end.Confirmed + end.StopDropped + end.Overflowed + end.Fenced);
        Assert.Equal(sim.Counters.RecordsSent, end.Received); // every record KIS sent reached the gateway before its session closed
        // The stream holds 1..n of this run: at least what was confirmed, never more than was received.
        var stored = await StoredSeqsAsync(broker, end.Run, end.Confirmed);
        Assert.InRange(stored.Count, end.Confirmed, end.Received - end.Overflowed);
        Assert.Equal(stored.Count, stored[^1]);
        // Its last checkpoint is not final: records it dropped unconfirmed may be on the stream (the broker stored them, its
        // confirms were held), so the next run reads the stream's end rather than announce the checkpoint's as exact.
        var last = await LastCheckpointAsync(broker);
        Assert.Equal(end.Run, last?.Run);
        Assert.False(last!.Final, "a stop that dropped records at its bound wrote a final checkpoint");
        var summary = Kis.Realtime.Cli.Commands.GatewayCommand.EndSummary(end, took, failed: true);
        output.WriteLine(summary);
        Assert.Contains($"dropped at the stop's bound {end.StopDropped}", summary, StringComparison.Ordinal);
    }

    [RabbitFact]
    public async Task A_stop_while_records_flow_publishes_every_record_within_its_budget()
    {
        await using var run = await StopRun.StartAsync(perSecond: 2_000, confirmed: 1_000, proxied: false);
        var (broker, sim, gateway) = (run.Broker, run.Sim, run.Gateway);

        TimeSpan took;
        using (var busy = new BusyCores())
        {
            var clock = Stopwatch.StartNew();
            await gateway.StopAsync(HealthyBudget).AsTask().WaitAsync(TimeSpan.FromMinutes(2));
            took = clock.Elapsed;
            Assert.True(busy.Spins > 0);
        }
        var end = gateway.Status();
        output.WriteLine($"took {took.TotalSeconds:0.00} s: simulator sent {sim.Counters.RecordsSent}, received {end.Received}, " +
                         $"confirmed {end.Confirmed}, dropped at the stop's bound {end.StopDropped}");
        Assert.True(took <= HealthyBudget + Slack, $"the stop took {took.TotalSeconds:0.00} s, budget {HealthyBudget.TotalSeconds:0.0} s");
        // A healthy broker confirms everything within the budget: nothing dropped, nothing left unconfirmed.
        Assert.Equal((sim.Counters.RecordsSent, 0L, 0L), (end.Received, end.StopDropped, end.Overflowed));
        Assert.Equal(end.Received, end.Confirmed);
        var stored = await StoredSeqsAsync(broker, end.Run, end.Confirmed);
        Assert.Equal(end.Confirmed, stored.Count);
        Assert.Equal(stored.Count, stored[^1]);
    }

    /// <summary>
    /// Confirms in, but the close outlasts the budget (the broker holds the request server's and the journal's answers: a
    /// 2 s abort and a 2 s checkpoint write): the stop returns within its budget with the publisher fenced, since the CLI
    /// hands the lock over next and a publisher still publishing then would interleave with the next holder's run. Before,
    /// only a stop short of confirms was fenced: this one went on publishing what its KIS session still delivered.
    /// </summary>
    [RabbitFact]
    public async Task A_stop_still_closing_at_its_budgets_end_fences_its_publisher_before_it_returns()
    {
        await using var run = await StopRun.StartAsync(perSecond: 500, confirmed: 100, proxied: true);
        var (proxy, sim, gateway) = (run.Proxy!, run.Sim, run.Gateway);
        proxy.HoldRepliesTo("kisrt-gateway-requests", "kisrt-gateway-journal");

        var clock = Stopwatch.StartNew();
        await gateway.StopAsync(ShortBudget).AsTask().WaitAsync(TimeSpan.FromMinutes(2));
        var took = clock.Elapsed;
        var end = gateway.Status();
        output.WriteLine($"budget {ShortBudget.TotalSeconds:0.0} s, took {took.TotalSeconds:0.00} s: received {end.Received}, " +
                         $"confirmed {end.Confirmed}, dropped at the stop's bound {end.StopDropped}, fenced {end.Fenced}");
        Assert.True(took <= ShortBudget + Slack, $"the stop took {took.TotalSeconds:0.00} s, budget {ShortBudget.TotalSeconds:0.0} s");
        // Nothing is published after the stop returned: once the held answers are let through and the close goes on, what
        // its KIS session still delivers is not taken, never confirmed on the stream behind the next holder's back. And the
        // stop's figures are final: before, what arrived after them was received and dropped, missing from the summary.
        proxy.ReleaseReplies();
        await UntilAsync(() => sim.Sessions.Count == 0, "the KIS session closed", TimeSpan.FromSeconds(60));
        await UntilAsync(() => gateway.Status() is var s && s.Received + gateway.NotTakenAfterStop == sim.Counters.RecordsSent
            && s.Received == s.Confirmed + s.StopDropped + s.Fenced + s.Overflowed, "every record confirmed, counted as dropped or not taken",
            TimeSpan.FromSeconds(60));
        var after = gateway.Status();
        output.WriteLine($"after the close: simulator sent {sim.Counters.RecordsSent}, received {after.Received}, confirmed {after.Confirmed}, " +
                         $"dropped at the stop's bound {after.StopDropped}, fenced {after.Fenced}, not taken after the stop {gateway.NotTakenAfterStop}");
        Assert.Equal((end.Received, end.Confirmed), (after.Received, after.Confirmed));
    }

    /// <summary>
    /// A stop's fence that comes after a lock-loss fence (the stop checked "not fenced" a moment before the term's lock was
    /// lost): the drops stay the lock loss's (<see cref="GatewayStatus.Fenced"/>), never filed as dropped at the stop's bound.
    /// Before, the stop flagged its own fence whatever the publisher's state, and every fenced record became StopDropped.
    /// </summary>
    [RabbitFact]
    public async Task A_stop_fence_after_a_lock_loss_fence_leaves_its_drops_the_lock_loss_ones()
    {
        await using var run = await StopRun.StartAsync(perSecond: 500, confirmed: 100, proxied: true);
        var gateway = run.Gateway;
        run.Proxy!.HoldRepliesTo("kisrt-gateway-publisher");
        await UntilAsync(() => gateway.Status() is { } s && s.Received - s.Confirmed > 50, "records published and unconfirmed");

        var dropped = await gateway.FenceAsync(); // the term's lock is lost
        await gateway.StopFenceAsync(); // the stop's fence, as the race between its check and its fence left it
        var end = gateway.Status();
        output.WriteLine($"the lock loss's fence dropped {dropped}: received {end.Received}, confirmed {end.Confirmed}, fenced {end.Fenced}, " +
                         $"dropped at the stop's bound {end.StopDropped}");
        Assert.True(dropped > 0, "the lock loss's fence dropped nothing, though confirms were held");
        Assert.Equal(0, end.StopDropped);
        Assert.InRange(end.Fenced, dropped, end.Received);
    }

    private static readonly TimeSpan ShortBudget = TimeSpan.FromSeconds(3);

    /// <summary>This run's distinct seqs on the stream, in order, read until at least <paramref name="atLeast"/>.</summary>
    private static async Task<List<long>> StoredSeqsAsync(RabbitTestBroker broker, string run, long atLeast)
    {
        var stream = await broker.ReadStreamWithRunsAsync("H0UPCNT0", list => list.Where(r => r.Run == run).Select(r => r.Seq).Distinct().Count() >= atLeast);
        return stream.Where(r => r.Run == run).Select(r => r.Seq).Distinct().Order().ToList();
    }

    private static async Task<Kis.Realtime.Gateway.Wire.GatewayCheckpoint?> LastCheckpointAsync(RabbitTestBroker broker)
    {
        var options = KisGatewayOptions.Default with { Endpoint = broker.Endpoint };
        var logger = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        await using var journal = new Kis.Realtime.Gateway.Internal.RunJournal(options, logger, new Kis.Realtime.Gateway.Internal.StreamRetention(logger));
        return await journal.ReadLastAsync(CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(1));
    }

    /// <summary>
    /// A broker, a simulator at <c>perSecond</c> and a gateway (through a <see cref="CuttableProxy"/> when <c>proxied</c>)
    /// holding index 0001 with its first records confirmed: every test's setup. Disposed in reverse (a gateway already
    /// stopped is disposed again for nothing).
    /// </summary>
    private sealed class StopRun : IAsyncDisposable
    {
        private StopRun(RabbitTestBroker broker, CuttableProxy? proxy, KisSimulator sim, KisGateway gateway) =>
            (Broker, Proxy, Sim, Gateway) = (broker, proxy, sim, gateway);

        public RabbitTestBroker Broker { get; }
        public CuttableProxy? Proxy { get; }
        public KisSimulator Sim { get; }
        public KisGateway Gateway { get; }

        public static async Task<StopRun> StartAsync(int perSecond, long confirmed, bool proxied)
        {
            var broker = await RabbitTestBroker.CreateAsync();
            CuttableProxy? proxy = null;
            KisSimulator? sim = null;
            KisGateway? gateway = null;
            try
            {
                proxy = proxied ? new CuttableProxy(broker.Endpoint.AmqpUri) : null;
                sim = await StartSimAsync(o => o with { Pace = MarketPace.PerSecond(perSecond) });
                gateway = await KisGateway.StartAsync(KisGatewayOptions.Default with
                {
                    Client = Options(sim),
                    Endpoint = proxy is null ? broker.Endpoint : broker.Endpoint with { AmqpUri = proxy.Rewrite(broker.Endpoint.AmqpUri) },
                    BrokerReconnectMinDelay = TimeSpan.FromMilliseconds(50),
                    BrokerReconnectMaxDelay = TimeSpan.FromMilliseconds(200),
                });
                await gateway.HoldAsync(KisTrs.IndexTicks, "0001");
                await UntilAsync(() => gateway.Status().Confirmed > confirmed, "records confirmed");
                return new StopRun(broker, proxy, sim, gateway);
            }
            catch
            {
                await DisposeAllAsync(broker, proxy, sim, gateway);
                throw;
            }
        }

        public ValueTask DisposeAsync() => DisposeAllAsync(Broker, Proxy, Sim, Gateway);

        private static async ValueTask DisposeAllAsync(RabbitTestBroker broker, CuttableProxy? proxy, KisSimulator? sim, KisGateway? gateway)
        {
            try
            {
                if (gateway is not null) await gateway.DisposeAsync();
            }
            finally
            {
                if (sim is not null) await sim.DisposeAsync();
                if (proxy is not null) await proxy.DisposeAsync();
                await broker.DisposeAsync();
            }
        }
    }
}
