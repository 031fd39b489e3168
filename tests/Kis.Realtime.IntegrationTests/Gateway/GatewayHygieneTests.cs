using Kis.Realtime.Gateway;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>What a gateway must not leave behind as it runs: channel errors in the broker's log.</summary>
public class GatewayHygieneTests
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(60);

    [RabbitFact]
    public async Task A_gateway_without_a_standby_counts_standbys_without_a_channel_error()
    {
        var log = BrokerLog();
        await using var broker = await RabbitTestBroker.CreateAsync();
        await using var sim = await StartSimAsync();
        await using (var gateway = await KisGateway.StartAsync(KisGatewayOptions.Default with
        {
            Client = Options(sim),
            Endpoint = broker.Endpoint,
            CheckpointInterval = TimeSpan.FromMilliseconds(100), // standbys counted every 4 intervals
        }))
        {
            await UntilAsync(() => gateway.Status().Standbys == 0, "the standbys counted", Long);
        }
        // The broker logs a refused passive declare ("no queue '….gateway-standbys'") as a channel error, every count.
        // A marker error of the test's own, once in the log, says every line before it is there too.
        var marker = broker.Endpoint.Namespace + ".log-marker";
        await using (var connection = await broker.Endpoint.CreateFactory("kisrt-tests-marker").CreateConnectionAsync())
        await using (var channel = await connection.CreateChannelAsync())
            await Assert.ThrowsAsync<RabbitMQ.Client.Exceptions.OperationInterruptedException>(() => channel.QueueDeclarePassiveAsync(marker));
        await UntilAsync(() => File.ReadLines(log).Any(line => line.Contains(marker, StringComparison.Ordinal)), "the marker in the broker's log", Long);
        var lines = File.ReadLines(log).Where(line => line.Contains($"'{broker.Endpoint.StandbyQueue}'", StringComparison.Ordinal)).ToList();
        Assert.True(lines.Count == 0, string.Join("\n", lines));
    }

    /// <summary>The local broker's log (scripts/services.sh starts it; the tests use it unless KISRT_TEST_AMQP says otherwise).</summary>
    private static string BrokerLog()
    {
        var logs = Directory.Exists("/var/log/rabbitmq")
            ? Directory.GetFiles("/var/log/rabbitmq", "rabbit@*.log").Where(f => !f.Contains("_upgrade", StringComparison.Ordinal)).ToList() : [];
        Assert.True(logs.Count > 0, "this test reads the local broker's log in /var/log/rabbitmq (scripts/services.sh starts that broker)");
        return logs.OrderByDescending(File.GetLastWriteTimeUtc).First();
    }
}
