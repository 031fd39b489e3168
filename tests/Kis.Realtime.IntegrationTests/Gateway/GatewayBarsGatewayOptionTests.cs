using Kis.Realtime.Cli.Commands;
using Kis.Realtime.Tests.Cli;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>Issue 58, item 7: `kisrt bars --gateway` with no value ignored KISRT_GATEWAY and logged in as guest.</summary>
public sealed class GatewayBarsGatewayOptionTests
{
    [RabbitFact]
    public async Task Bars_gateway_without_a_value_uses_KISRT_GATEWAY()
    {
        // A user the broker does not know: refused at once (credentials are not retried), and the refusal names the URI tried.
        var user = "kisrt-nobody-" + Guid.NewGuid().ToString("N")[..8];
        var env = CliTestKit.Env(new() { ["KISRT_GATEWAY"] = $"amqp://{user}:wrong@127.0.0.1:5672/", ["KISRT_GATEWAY_NAMESPACE"] = "test-" + user });
        var connection = new ConnectionArgs { Subscriptions = ["stock:005930"], Gateway = Kis.Realtime.Cli.Configuration.CliSettings.ConfiguredGateway };
        var failure = await Record.ExceptionAsync(() => BarsCommand.RunAsync(connection, new BarsArgs { Format = "jsonl" }, env,
            new StringWriter(), new StringWriter(), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60)));
        Exception? e = failure;
        while (e is not null and not KisConnectionException) e = e.InnerException;
        var refused = Assert.IsType<KisConnectionException>(e);
        Assert.Contains(user, refused.Url.ToString());
    }
}
