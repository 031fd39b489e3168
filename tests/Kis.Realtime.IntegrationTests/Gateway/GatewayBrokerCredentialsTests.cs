using Kis.Realtime.Cli.Commands;
using Kis.Realtime.Gateway;
using static Kis.Realtime.Tests.Cli.CliTestKit;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>
/// Issue 58, item 3: a wrong broker password, or the gateway user's password rotated while it runs, looked like a
/// healthy standby ("the broker cannot be reached", "standby: another gateway is active" when none was). The gateway
/// says what the broker said, and refuses to start (exit 4) when the broker refuses its credentials.
/// </summary>
public sealed class GatewayBrokerCredentialsTests
{
    private const string AnotherActive = "another gateway is active";

    [RabbitFact]
    public async Task A_wrong_password_at_start_exits_4_naming_the_user_and_vhost()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        await using var user = await BrokerUser.CreateAsync();
        var error = new StringWriter();
        var wrong = $"amqp://{user.Name}:not-{user.Password}@127.0.0.1:5672/";
        var code = await Kis.Realtime.Cli.KisrtApp.RunAsync(["gateway", "--amqp", wrong, "--namespace", broker.Endpoint.Namespace, "--duration", "60s"],
            new StringWriter(), error).WaitAsync(CliTimeout);
        var text = error.ToString();
        Assert.True(code == 4, text);
        Assert.Contains($"authentication refused for user {user.Name} on vhost /", text);
        Assert.DoesNotContain(AnotherActive, text);
        Assert.DoesNotContain(user.Password, text);
    }

    [RabbitFact]
    public async Task A_password_rotated_while_running_is_said_in_the_log_not_called_a_standby()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        await using var user = await BrokerUser.CreateAsync();
        var status = new WatchingWriter("holding H0UPCNT0 0001");
        using var stop = new CancellationTokenSource();
        var options = KisGatewayOptions.Default with { Endpoint = broker.Endpoint with { AmqpUri = user.Uri } };
        var run = GatewayCommand.RunAsync(FastSimulator("index:0001"), options, TimeSpan.FromMilliseconds(200), null, Env(), status, stop.Token);
        await Task.WhenAny(status.Seen.Task, run).Unwrap().WaitAsync(CliTimeout);

        await user.RotateAndDisconnectAsync();
        var said = $"authentication refused for user {user.Name} on vhost /";
        await UntilAsync(() => run.IsCompleted || status.ToString().Contains(said), "the log saying the broker refused the user", CliTimeout);
        stop.Cancel();
        await run.WaitAsync(CliTimeout);
        var text = status.ToString();
        Assert.Contains(said, text);
        Assert.DoesNotContain(AnotherActive, text);
        Assert.DoesNotContain("cannot be reached", text);
    }

    [RabbitFact]
    public async Task A_rotated_password_is_in_the_gateway_status()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        await using var user = await BrokerUser.CreateAsync();
        await using var sim = await StartSimAsync();
        await using var gateway = await KisGateway.StartAsync(KisGatewayOptions.Default with
        {
            Client = Options(sim),
            Endpoint = broker.Endpoint with { AmqpUri = user.Uri },
            BrokerReconnectMinDelay = TimeSpan.FromMilliseconds(50),
            BrokerReconnectMaxDelay = TimeSpan.FromMilliseconds(200),
        });
        await UntilAsync(() => gateway.Status().BrokerConnected, "the publisher connected");
        Assert.Null(gateway.Status().BrokerProblem);

        await user.RotateAndDisconnectAsync();
        await UntilAsync(() => gateway.Status().BrokerProblem?.Contains($"authentication refused for user {user.Name} on vhost /") == true,
            "the status saying the broker refused the user");
        Assert.False(gateway.Status().BrokerConnected);
    }

    /// <summary>A broker user of the test's own (all permissions on /), deleted afterwards.</summary>
    private sealed class BrokerUser : IAsyncDisposable
    {
        private BrokerUser(string name, string password) => (Name, Password) = (name, password);

        public string Name { get; }
        public string Password { get; }
        public Uri Uri => new($"amqp://{Name}:{Password}@127.0.0.1:5672/");

        public static async Task<BrokerUser> CreateAsync()
        {
            var user = new BrokerUser("kisrt-test-cred-" + Guid.NewGuid().ToString("N")[..8], Guid.NewGuid().ToString("N"));
            await RabbitCtlAsync("add_user", user.Name, user.Password);
            await RabbitCtlAsync("set_permissions", "-p", "/", user.Name, ".*", ".*", ".*");
            return user;
        }

        /// <summary>The password changed and the user's connections closed (what a broker restart after a rotation does).</summary>
        public async Task RotateAndDisconnectAsync()
        {
            await RabbitCtlAsync("change_password", Name, "rotated-" + Guid.NewGuid().ToString("N"));
            await RabbitCtlAsync("close_all_user_connections", Name, "password rotated");
        }

        public async ValueTask DisposeAsync() => await RabbitCtlAsync("delete_user", Name);

        private static async Task RabbitCtlAsync(params string[] arguments)
        {
            var result = await ChildProcess.RunAsync("rabbitmqctl", ["-q", .. arguments], TimeSpan.FromSeconds(60));
            Assert.True(result.ExitCode == 0, $"rabbitmqctl {arguments[0]}: {result.Errors}");
        }
    }
}
