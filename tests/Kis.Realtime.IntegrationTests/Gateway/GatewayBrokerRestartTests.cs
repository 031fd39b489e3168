using System.Diagnostics;
using Kis.Realtime.Gateway;
using Kis.Realtime.Simulator;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Gateway.BrokerRestart;

/// <summary>
/// The real RabbitMQ killed with SIGKILL while KIS data flows through the gateway, then started again by
/// <c>scripts/services.sh</c>: the stream's confirmed records survive the broker's death, the gateway resends what was
/// not confirmed and catches up, and a consumer reading across the outage sees every record once, in order. Runs alone
/// (after the parallel tests): every other RabbitMQ test would lose its broker too.
/// </summary>
[Collection(nameof(GatewayBrokerRestartTests))]
public class GatewayBrokerRestartTests
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(90);

    [LocalRabbitFact]
    public async Task Broker_killed_and_restarted_while_records_flow_loses_nothing_confirmed_and_the_consumer_sees_each_record_once()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        await using var sim = await StartSimAsync(o => o with { Pace = MarketPace.PerSecond(200) });
        await using var gateway = await KisGateway.StartAsync(KisGatewayOptions.Default with
        {
            Client = Options(sim),
            Endpoint = broker.Endpoint,
            BrokerReconnectMinDelay = TimeSpan.FromMilliseconds(100),
            BrokerReconnectMaxDelay = TimeSpan.FromSeconds(1),
            StreamMaxSegmentSizeBytes = 1024 * 1024,
        });
        await using var consumer = new KisGatewayClient(KisGatewayClientOptions.Default with
        {
            Endpoint = broker.Endpoint,
            Start = GatewayStart.First,
            RequestTimeout = TimeSpan.FromSeconds(20),
        });
        var received = new List<KisRecord>();
        using var stopReading = new CancellationTokenSource(Long * 2);
        var reading = Task.Run(async () =>
        {
            await foreach (var record in consumer.SubscribeRecordsAsync(KisTrs.IndexTicks, "0001", stopReading.Token))
                lock (received) received.Add(record);
        });
        await UntilAsync(() => { lock (received) return received.Count >= 100; }, "100 records before the kill");

        var confirmedBeforeKill = gateway.Status().Confirmed;
        try
        {
            await KillBrokerAsync();
            await UntilAsync(() => !gateway.Status().BrokerConnected, "the publisher noticing the broker's death");
            var atKill = gateway.Status().Received;
            // KIS data goes on meanwhile: held in the gateway's buffer, counted, visible.
            await UntilAsync(() => gateway.Status() is { Received: var r, BufferDepth: > 0 } && r >= atKill + 100, "records buffered while the broker is dead");
        }
        finally
        {
            // Whatever failed above, the tests after this one get their broker back.
            if (!PortOpen(5672)) await StartBrokerAsync();
        }

        await UntilAsync(() => gateway.Status().BrokerConnected, "the publisher reconnecting", Long);
        Assert.True(await gateway.WaitForConfirmsAsync(Long));
        var status = gateway.Status();
        Assert.Equal(0, status.Overflowed);

        // The stream after the broker's death: each seq at least once (a resend may repeat one), no gap, in order. The
        // records confirmed before the kill are among them: the broker's log kept them.
        var target = status.Received;
        Assert.True(target >= confirmedBeforeKill + 100);
        var stream = await broker.ReadStreamAsync("H0UPCNT0", list => list.Count > 0 && list[^1].Seq >= target);
        var firsts = new List<string>();
        foreach (var (_, seq, body) in stream)
        {
            if (firsts.Count > 0 && seq <= firsts.Count) continue; // a resend of an unconfirmed record
            Assert.Equal(firsts.Count + 1, seq);
            firsts.Add(System.Text.Encoding.UTF8.GetString(body));
        }

        // The consumer read across the outage (it reconnected and claimed its key again): every record once, in order.
        await UntilAsync(() => { lock (received) return received.Count >= target; }, "the consumer catching up", Long);
        stopReading.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reading);
        List<string> texts;
        lock (received) texts = received.Select(r => System.Text.Encoding.UTF8.GetString(r.Data.Span)).ToList();
        Assert.Equal(firsts.Take((int)target), texts.Take((int)target));
    }

    /// <summary>SIGKILL to the default broker's Erlang VM (no clean shutdown), then waits until its port is closed.</summary>
    private static async Task KillBrokerAsync()
    {
        var nodes = DefaultBrokerProcesses();
        Assert.True(nodes.Count > 0, "no RabbitMQ node (beam.smp ... rabbit boot) to kill");
        foreach (var node in nodes) node.Kill();
        await UntilAsync(() => !PortOpen(5672), "the broker's port closing");
    }

    /// <summary>
    /// The default node's Erlang VM, not the loopback cluster's (scripts/rabbitmq-cluster.sh): killing those too left
    /// the cluster down for its test (its nodes each wait for the others' tables when they all went down together).
    /// The cluster's nodes carry RABBITMQ_NODENAME=kisrt-cN@… in their environment.
    /// </summary>
    private static List<Process> DefaultBrokerProcesses()
    {
        var found = new List<Process>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                var command = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                if (!command.Contains("beam.smp", StringComparison.Ordinal) || !command.Contains("rabbit boot", StringComparison.Ordinal)) continue;
                if (File.ReadAllText(Path.Combine(dir, "environ")).Contains("RABBITMQ_NODENAME=kisrt-c", StringComparison.Ordinal)) continue;
                found.Add(Process.GetProcessById(pid));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
            {
                // the process ended meanwhile, or is not ours to read
            }
        }
        return found;
    }

    /// <summary>Starts the broker again the way CI does, with the project's script (it waits until the node is up).</summary>
    private static async Task StartBrokerAsync()
    {
        var script = Path.Combine(Packaging.ReadmeSamples.RepositoryRoot(), "scripts", "services.sh");
        Assert.Equal(0, await RunAsync("bash", [script, "start"], ("SERVICES", "rabbitmq")));
    }

    private static bool PortOpen(int port) => Cluster.ClusterScript.PortOpen(port);

    private static async Task<int> RunAsync(string file, IEnumerable<string> arguments, params (string Name, string Value)[] environment)
    {
        var run = await ChildProcess.RunAsync(file, arguments, Long, environment);
        Console.Error.WriteLine($"{file} {string.Join(' ', arguments)}: exit {run.ExitCode} {run.Output}{run.Errors}");
        return run.ExitCode;
    }
}

[CollectionDefinition(nameof(GatewayBrokerRestartTests), DisableParallelization = true)]
public sealed class GatewayBrokerRestartCollection;

/// <summary>
/// A RabbitMQ test that kills the broker: only the project's own local one, as root (it kills the rabbitmq user's
/// process and starts it again). Skipped, and says why, when <c>KISRT_TEST_AMQP</c> names another broker, when not root,
/// where RabbitMQ tests are skipped, or with <c>KISRT_SKIP_BROKER_RESTART=1</c> (never in CI): for a developer running
/// other work against the same local broker meanwhile, which would lose it for the ten seconds of the restart.
/// </summary>
internal sealed class LocalRabbitFactAttribute : FactAttribute
{
    public LocalRabbitFactAttribute()
    {
        Skip = new RabbitFactAttribute().Skip;
        if (Skip is not null) return;
        if (Environment.GetEnvironmentVariable("KISRT_TEST_AMQP") is { Length: > 0 } other && other != RabbitTestBroker.DefaultUri)
            Skip = "kills the broker: only with the project's local RabbitMQ (KISRT_TEST_AMQP names another)";
        else if (Environment.UserName != "root")
            Skip = "kills and restarts the local RabbitMQ: needs root (CI runs the tests as root)";
        else if (Environment.GetEnvironmentVariable("KISRT_SKIP_BROKER_RESTART") == "1" && Environment.GetEnvironmentVariable("CI") != "true")
            Skip = "KISRT_SKIP_BROKER_RESTART=1: the broker restart test skipped";
    }
}
