using Kis.Realtime.Cli;
using Kis.Realtime.Cli.Commands;
using Kis.Realtime.Cli.Configuration;
using Kis.Realtime.Gateway;
using Kis.Realtime.Tests.Client;
using static Kis.Realtime.Tests.Cli.CliTestKit;

namespace Kis.Realtime.Tests.Cli;

/// <summary><c>kisrt gateway</c> and <c>gateway status</c> where no broker is needed: startup cancelled, broker unreachable.</summary>
public sealed class GatewayCommandLineTests
{
    /// <summary>A status writer that cancels the run at its first line: the cancellation lands in the middle of startup.</summary>
    private sealed class CancelOnFirstLine(CancellationTokenSource cancel) : StringWriter
    {
        public override void WriteLine(string? value)
        {
            base.WriteLine(value);
            cancel.Cancel();
        }

        public override Task WriteLineAsync(string? value)
        {
            WriteLine(value);
            return Task.CompletedTask;
        }
    }

    [Fact]
    public void Every_gateway_option_is_read_into_the_gateway_options_by_its_name_and_type()
    {
        // The options are read by name (GatewayCommand.ReadOptions): a misspelt name or a type other than the declared one
        // would throw only when a user gives that option. Every one given here, each away from its default.
        var parse = GatewayCommand.Create().Parse([
            "--amqp", "amqp://u:p@127.0.0.1:5673/team", "--namespace", "desk", "--amqp-node", "127.0.0.1:5674", "--stream-replicas", "2",
            "--linger", "45s", "--election-heartbeat", "3s", "--user-share", "0.25", "--monitoring-user", "ops", "--broker-events-vhost", "events",
            "--max-claims-per-user", "7", "--max-age", "12h", "--max-bytes", "1048576", "--one-key-messages"]);
        Assert.Empty(parse.Errors);
        var options = GatewayCommand.ReadOptions(parse);
        Assert.Equal("desk", options.Endpoint.Namespace);
        Assert.Equal(["127.0.0.1:5674"], options.Endpoint.ClusterNodes);
        Assert.Equal(2, options.StreamReplicas);
        Assert.Equal(TimeSpan.FromSeconds(45), options.Linger);
        Assert.Equal(TimeSpan.FromSeconds(3), options.ElectionHeartbeat);
        Assert.Equal(0.25, options.MaxRegistrationShare);
        Assert.Equal(["ops"], options.MonitoringUsers);
        Assert.Equal("events", options.BrokerEventsVhost);
        Assert.Equal(7, options.MaxClaimsPerUser);
        Assert.Equal("12h", options.StreamMaxAge);
        Assert.Equal(1_048_576, options.StreamMaxLengthBytes);
        Assert.False(options.PackAcrossKeys);
        // Nothing given: the library's defaults.
        var defaults = GatewayCommand.ReadOptions(GatewayCommand.Create().Parse([]));
        var d = KisGatewayOptions.Default;
        Assert.Equal((d.StreamReplicas, d.Linger, d.ElectionHeartbeat, d.MaxRegistrationShare, d.MaxClaimsPerUser, d.BrokerEventsVhost, d.StreamMaxAge,
                d.StreamMaxLengthBytes, d.PackAcrossKeys, 0),
            (defaults.StreamReplicas, defaults.Linger, defaults.ElectionHeartbeat, defaults.MaxRegistrationShare, defaults.MaxClaimsPerUser,
                defaults.BrokerEventsVhost, defaults.StreamMaxAge, defaults.StreamMaxLengthBytes, defaults.PackAcrossKeys, defaults.MonitoringUsers.Count));
    }

    [Fact]
    public async Task Cancelled_during_startup_it_exits_cleanly_with_its_figures_instead_of_crashing()
    {
        using var cancel = new CancellationTokenSource();
        var status = new CancelOnFirstLine(cancel);
        using var closed = new RefusingPort();
        var options = KisGatewayOptions.Default with { Endpoint = GatewayCommand.Endpoint($"amqp://guest:guest@127.0.0.1:{closed.Port}/", "startup-cancel") };
        // Failed before (exit 134 in a process): the OperationCanceledException of the connect came out unhandled.
        var exit = await GatewayCommand.RunAsync(FastSimulator("index:0001"), options, TimeSpan.FromSeconds(1), stopAfter: null, Env(), status, cancel.Token)
            .WaitAsync(CliTimeout);
        Assert.Equal(0, exit);
        // Where it stops depends on the first line printed (the election's warning about the closed broker port, today).
        Assert.Matches(@"kisrt gateway: stopped while [a-z ]+, before the gateway ran: received 0, published 0\.", status.ToString());
    }

    [Fact]
    public async Task An_unreachable_broker_for_gateway_status_suggests_the_broker_and_namespace_not_the_websocket_url()
    {
        var stderr = new StringWriter();
        using var closed = new RefusingPort();
        var exit = await KisrtApp.RunAsync(["gateway", "status", "--namespace", "x", "--amqp", $"amqp://guest:guest@127.0.0.1:{closed.Port}/"],
            new StringWriter(), stderr).WaitAsync(CliTimeout);
        Assert.Equal(3, exit);
        var line = Assert.Single(stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        // Failed before: "... Check that the server is running and --ws-url / KIS_WS_URL (KIS itself: leave it unset)."
        Assert.DoesNotContain("--ws-url", line);
        Assert.Contains("RabbitMQ", line);
        Assert.Contains("--namespace", line);
    }

    [Fact]
    public void The_broker_password_comes_from_a_file_or_the_environment_never_the_command_line()
    {
        var file = Path.Combine(EmptyDirectory(), "amqp-password");
        File.WriteAllText(file, "p@ss:w/rd%\n"); // what `echo` leaves: the trailing newline is not the password's
        var endpoint = GatewayCommand.Endpoint("amqp://kisrt@broker-host:5672/", "kis", passwordFile: file, environment: _ => null);
        var factory = endpoint.CreateFactory("test");
        Assert.Equal(("kisrt", "p@ss:w/rd%"), (factory.UserName, factory.Password));
        Assert.Equal(("broker-host", 5672), (factory.HostName, factory.Port));
        Assert.DoesNotContain("p@ss", endpoint.DisplayUri);

        var fromEnvironment = GatewayCommand.Endpoint("amqp://kisrt@broker-host:5672/", "kis",
            environment: name => name == "KISRT_AMQP_PASSWORD" ? "env-secret" : null);
        Assert.Equal("env-secret", fromEnvironment.CreateFactory("test").Password);

        // The password twice, or without a user to go with: one clear line, the password never echoed.
        var twice = Assert.Throws<CliUsageException>(
            () => GatewayCommand.Endpoint("amqp://kisrt:inline@broker-host/", "kis", passwordFile: file, environment: _ => null));
        Assert.DoesNotContain("inline", twice.Message);
        Assert.Throws<CliUsageException>(() => GatewayCommand.Endpoint("amqp://broker-host/", "kis", passwordFile: file, environment: _ => null));
        var missing = Assert.Throws<CliUsageException>(
            () => GatewayCommand.Endpoint("amqp://kisrt@broker-host/", "kis", passwordFile: file + ".none", environment: _ => null));
        Assert.Contains("--amqp-password-file", missing.Message);
    }
}
