using Kis.Realtime.Cli;
using Kis.Realtime.Gateway;
using Kis.Realtime.Gateway.Internal;
using RabbitMQ.Client;
using Xunit.Abstractions;
using static Kis.Realtime.Tests.Cli.CliTestKit;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>
/// <c>kisrt gateway status --fleet</c> whose read the broker ends: it once took what it had read so far for the answer
/// (fewer processes, or "no fleet process … running?"). It is a failure: one line naming it, exit 3, no stack trace.
/// </summary>
public sealed class GatewayFleetStatusFaultTests(ITestOutputHelper output)
{
    [RabbitFact]
    public async Task Status_fleet_whose_read_the_broker_ends_is_one_line_and_exit_3_not_a_partial_answer()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        var stream = KisGatewayFleet.StatusStream(broker.Endpoint);
        var marker = "process-" + Guid.NewGuid().ToString("N")[..12];
        await using (var connection = await broker.Endpoint.CreateFactory("kisrt-tests").CreateConnectionAsync())
        await using (var channel = await connection.CreateChannelAsync())
        {
            await channel.QueueDeclareAsync(stream, durable: true, exclusive: false, autoDelete: false,
                new Dictionary<string, object?> { ["x-queue-type"] = "stream" });
            // One process's status, published a moment ago: read, then the broker ends the read.
            var status = new GatewayFleetStatus(marker, 1, 1, [], "plan") { PublishedAt = DateTimeOffset.UtcNow.AddSeconds(-1) };
            await channel.BasicPublishAsync("", stream, true, new BasicProperties(), FleetStatusJson.Json.Serialize(status));
        }
        await using var proxy = new CuttableProxy(broker.Endpoint.AmqpUri);
        proxy.CloseAfterBrokerSends(System.Text.Encoding.UTF8.GetBytes(marker));

        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        var exit = await KisrtApp.RunAsync(["gateway", "status", "--fleet", "--amqp", proxy.Rewrite(broker.Endpoint.AmqpUri).ToString(),
            "--namespace", broker.Endpoint.Namespace], stdout, stderr).WaitAsync(CliTimeout);
        output.WriteLine($"exit {exit}\n{stdout}\n{stderr}");

        Assert.True(exit == 3, $"exit {exit}: {stdout}{stderr}");
        var lines = stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, stderr.ToString());
        Assert.Contains("ended the fleet status read", lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain(marker, stdout.ToString(), StringComparison.Ordinal); // no answer that lists what was read before the end
    }
}
