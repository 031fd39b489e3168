using System.Text.RegularExpressions;
using Kis.Realtime.Simulator;
using Kis.Realtime.Tests.Cli;
using static Kis.Realtime.Tests.Cli.CliTestKit;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>
/// Issue 72, finding 6: a broker user with no permission on the vhost got exit 134 and a stack trace (530 NOT_ALLOWED
/// through <c>RunJournal.ReadLastAsync</c> / <c>FindRetentionKeptAsync</c>) where docs/gateway.md promises one line naming
/// the user, the vhost and the fix, and exit 4. Run as the real process: an unhandled exception is exit 134 only there.
/// </summary>
[Collection(KisrtProcessCollection.Name)] // one kisrt process test at a time, beside the tests that wait
public partial class GatewayBrokerPermissionTests
{
    [GeneratedRegex(@"received (?=\d+, confirmed (\d+))(\d+)")]
    private static partial Regex ConfirmedPattern();

    [RabbitFact]
    public Task A_user_with_no_permission_entry_on_the_vhost_exits_4_with_one_line() => AssertRefusedAsync(permissions: null);

    [RabbitFact]
    public Task A_user_whose_permissions_on_the_vhost_allow_nothing_exits_4_with_one_line() => AssertRefusedAsync(permissions: ["", "", ""]);

    private static async Task AssertRefusedAsync(string[]? permissions)
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        var user = "kisrt-test-noperm-" + Guid.NewGuid().ToString("N")[..8];
        var password = Guid.NewGuid().ToString("N");
        await RabbitCtlAsync("add_user", user, password);
        try
        {
            if (permissions is not null) await RabbitCtlAsync(["set_permissions", "-p", "/", user, .. permissions]);
            var credential = new SimulatorCredential("PSsimGatewayNoPermAppKey".PadRight(36, '0'), SimulatorOptions.DefaultAppSecret,
                SimulatorOptions.DefaultHtsId);
            await using var sim = await KisSimulator.StartAsync(SimulatorOptions.Default with { Credentials = [credential] });
            await using var gateway = RecordKillTests.RecorderProcess.StartCommand("gateway", sim, credential, ConfirmedPattern(),
                "--amqp", $"amqp://{user}:{password}@127.0.0.1:5672/", "--namespace", broker.Endpoint.Namespace, "--sub", "index:0001",
                "--duration", "120s");
            var exit = await gateway.WaitForExitAsync().WaitAsync(CliTimeout);
            var text = gateway.Stderr;
            Assert.True(exit == 4, $"exit {exit}: {text}");
            var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            Assert.True(lines.Length == 1, $"{lines.Length} lines: {text}");
            Assert.Contains($"user {user}", text, StringComparison.Ordinal);
            Assert.Contains("vhost /", text, StringComparison.Ordinal);
            Assert.Contains("set_permissions", text, StringComparison.Ordinal); // the fix
            Assert.DoesNotContain(password, text, StringComparison.Ordinal);
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
}
