using Kis.Realtime.Cli;
using Kis.Realtime.Gateway;
using RabbitMQ.Client;
using Xunit.Abstractions;
using static Kis.Realtime.Tests.Cli.CliTestKit;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>
/// Issue 72, <c>kisrt gateway audit</c> and the broker: a read the broker ended (its connection closed, its consumer
/// cancelled) ended as if the stream had gone quiet and could report clean, exit 0; a wrong password or a user the broker
/// refuses was exit 3 where docs/gateway.md promises exit 4. Each is one line: the cause, exit 3 or 4, never a clean audit.
/// </summary>
public sealed class GatewayAuditFaultTests(ITestOutputHelper output)
{
    private const string Tr = "H0STCNT0";

    /// <summary>So long that a read ended by the broker cannot pass for a quiet stream within the test.</summary>
    private const string LongQuiet = "90s";

    [RabbitFact]
    public Task An_audit_whose_connection_the_broker_closes_mid_read_fails_with_exit_3() =>
        AssertInterruptedAsync(broker => GatewayReplyAddressTests.CloseConnectionsAsync("kisrt-gateway-audit " + broker.Endpoint.Namespace, "guest"),
            "CONNECTION_FORCED");

    [RabbitFact]
    public Task An_audit_whose_consumer_the_broker_cancels_mid_read_fails_with_exit_3() =>
        AssertInterruptedAsync(async broker =>
        {
            // A deleted queue cancels its consumers (basic.cancel from the broker).
            await using var connection = await broker.Endpoint.CreateFactory("kisrt-tests").CreateConnectionAsync();
            await using var channel = await connection.CreateChannelAsync();
            await channel.QueueDeleteAsync(broker.Endpoint.StreamFor(Tr), ifUnused: false, ifEmpty: false);
        }, "cancelled");

    private async Task AssertInterruptedAsync(Func<RabbitTestBroker, Task> fault, string cause)
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        await RabbitTestBroker.DeclareStreamAsync(KisGatewayOptions.Default with { Endpoint = broker.Endpoint }, Tr);
        await using (var connection = await broker.Endpoint.CreateFactory("kisrt-tests").CreateConnectionAsync())
        await using (var channel = await connection.CreateChannelAsync())
        {
            // Not a gateway message: read and counted malformed.
            await channel.BasicPublishAsync("", broker.Endpoint.StreamFor(Tr), true, new BasicProperties(), "not a gateway message"u8.ToArray());
        }

        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        var audit = KisrtApp.RunAsync(["gateway", "audit", "--amqp", broker.Endpoint.AmqpUri.ToString(), "--namespace", broker.Endpoint.Namespace,
            "--tr", Tr, "--quiet", LongQuiet], stdout, stderr);
        await ConsumerListedAsync(broker.Endpoint.StreamFor(Tr), audit);
        await fault(broker);
        var exit = await audit.WaitAsync(CliTimeout);
        output.WriteLine($"exit {exit}\n{stdout}\n{stderr}");

        Assert.True(exit == 3, $"exit {exit}: {stdout}{stderr}");
        var lines = stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, stderr.ToString());
        Assert.Contains(broker.Endpoint.StreamFor(Tr), lines[0], StringComparison.Ordinal);
        Assert.Contains(cause, lines[0], StringComparison.OrdinalIgnoreCase);
        Assert.Contains("incomplete", lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("kisrt gateway audit:", stdout.ToString(), StringComparison.Ordinal); // no summary that reads as a verdict
    }

    public static TheoryData<string, string> Refusals => new()
    {
        { "audit", "password" }, { "status", "password" }, { "status --fleet", "password" },
        { "audit", "no-vhost" }, { "status", "no-vhost" }, { "status --fleet", "no-vhost" },
        { "audit", "nothing" },
    };

    /// <summary>A wrong password, a user with no permission entry on the vhost (530 NOT_ALLOWED) and one whose permissions allow
    /// nothing (403 ACCESS_REFUSED): one line naming the user and the vhost, exit 4, no password.</summary>
    [RabbitTheory]
    [MemberData(nameof(Refusals))]
    public async Task A_refused_user_is_one_line_and_exit_4(string command, string refusal)
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        await RabbitTestBroker.DeclareStreamAsync(KisGatewayOptions.Default with { Endpoint = broker.Endpoint }, Tr);
        var user = "kisrt-test-audit-" + Guid.NewGuid().ToString("N")[..8];
        var password = Guid.NewGuid().ToString("N");
        await RabbitCtlAsync("add_user", user, password);
        try
        {
            if (refusal == "password") await RabbitCtlAsync("set_permissions", "-p", "/", user, ".*", ".*", ".*");
            if (refusal == "nothing") await RabbitCtlAsync("set_permissions", "-p", "/", user, "", "", "");
            var given = refusal == "password" ? "not-" + password : password;
            var (stdout, stderr) = (new StringWriter(), new StringWriter());
            var exit = await KisrtApp.RunAsync(["gateway", .. command.Split(' '), "--amqp", $"amqp://{user}:{given}@127.0.0.1:5672/",
                "--namespace", broker.Endpoint.Namespace, .. command == "audit" ? new[] { "--tr", Tr, "--quiet", "3s" } : []], stdout, stderr)
                .WaitAsync(CliTimeout);
            output.WriteLine($"exit {exit}\n{stdout}\n{stderr}");
            Assert.True(exit == 4, $"exit {exit}: {stdout}{stderr}");
            var lines = stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.True(lines.Length == 1, stderr.ToString());
            Assert.Contains($"user {user}", lines[0], StringComparison.Ordinal);
            Assert.Contains("vhost /", lines[0], StringComparison.Ordinal);
            Assert.DoesNotContain(password, stdout + lines[0], StringComparison.Ordinal);
        }
        finally
        {
            await RabbitCtlAsync("delete_user", user);
        }
    }

    private static async Task RabbitCtlAsync(params string[] arguments)
    {
        var result = await ChildProcess.RunAsync("rabbitmqctl", ["-q", .. arguments], TimeSpan.FromSeconds(60));
        Assert.True(result.ExitCode == 0, $"rabbitmqctl {arguments[0]}: {result.Errors}");
    }

    /// <summary>Waits until the broker lists a consumer on <paramref name="stream"/>: the audit is reading it.</summary>
    private static async Task ConsumerListedAsync(string stream, Task audit)
    {
        var deadline = DateTime.UtcNow + CliTimeout;
        while (true)
        {
            // list_queues, not list_consumers: RabbitMQ does not list an AMQP consumer of a stream there, but counts it.
            var list = await ChildProcess.RunAsync("rabbitmqctl", ["-q", "list_queues", "name", "consumers"], TimeSpan.FromSeconds(60));
            Assert.True(list.ExitCode == 0, list.Errors);
            if (list.Output.Split('\n').Select(l => l.Split('\t')).Any(f => f.Length == 2 && f[0] == stream && f[1].Trim() != "0")) return;
            Assert.False(audit.IsCompleted, "the audit ended before it read the stream");
            Assert.True(DateTime.UtcNow < deadline, $"no consumer on {stream}");
            await Task.Delay(200); // polling the broker's list, not synchronising with the audit
        }
    }
}
