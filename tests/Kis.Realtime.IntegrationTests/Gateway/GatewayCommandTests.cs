using Kis.Realtime.Cli.Commands;
using Kis.Realtime.Gateway;
using static Kis.Realtime.Tests.Cli.CliTestKit;

namespace Kis.Realtime.Tests.Gateway;

public class GatewayCommandTests
{
    [RabbitFact]
    public async Task Gateway_runs_on_the_simulator_holds_its_keys_and_answers_status()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        var status = new WatchingWriter("holding H0UPCNT0 0001");
        using var stop = new CancellationTokenSource(CliTimeout);
        var options = KisGatewayOptions.Default with { Endpoint = broker.Endpoint };
        var run = GatewayCommand.RunAsync(FastSimulator("index:0001"), options, TimeSpan.FromMilliseconds(200), null, Env(), status, stop.Token);
        await Task.WhenAny(status.Seen.Task, run).Unwrap().WaitAsync(CliTimeout);

        // A consumer sees the held key's records; `kisrt gateway status` shows the session, the registration, the consumer.
        await using var consumer = new KisGatewayClient(KisGatewayClientOptions.Default with { Endpoint = broker.Endpoint, Start = GatewayStart.First });
        await using var ticks = consumer.SubscribeIndexTicksAsync("0001").GetAsyncEnumerator();
        Assert.True(await ticks.MoveNextAsync().AsTask().WaitAsync(CliTimeout));
        var output = new StringWriter();
        Assert.Equal(0, await GatewayStatusCommand.StatusAsync(broker.Endpoint, json: false, output, CancellationToken.None));
        var text = output.ToString();
        Assert.Contains("broker connected", text);
        Assert.Contains("Connected, 1/41 registrations", text);
        Assert.Matches(@"H0UPCNT0 0001\s+active\s+consumers 2", text);

        // --json: snake_case names and values, like the records.
        var json = new StringWriter();
        Assert.Equal(0, await GatewayStatusCommand.StatusAsync(broker.Endpoint, json: true, json, CancellationToken.None));
        using var document = System.Text.Json.JsonDocument.Parse(json.ToString());
        Assert.True(document.RootElement.GetProperty("broker_connected").GetBoolean());
        Assert.True(document.RootElement.TryGetProperty("buffer_depth", out _));
        Assert.Equal("connected", document.RootElement.GetProperty("sessions")[0].GetProperty("state").GetString());
        Assert.DoesNotContain("BrokerConnected", json.ToString());

        stop.Cancel();
        Assert.Equal(0, await run.WaitAsync(CliTimeout));
        // The final figures, then the summary as the last line (GatewayEndSummaryTests).
        Assert.Matches(@"overflowed 0, republished 0, broker connected\s*\nkisrt gateway: stopped after [^\n]*\s*$", status.ToString());
    }

    [RabbitFact]
    public async Task Status_without_a_gateway_is_a_one_line_run_failure()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        var error = new StringWriter();
        var code = await Kis.Realtime.Cli.KisrtApp.RunAsync(["gateway", "status", "--namespace", broker.Endpoint.Namespace, "--amqp",
            broker.Endpoint.AmqpUri.ToString()],
            new StringWriter(), error);
        Assert.Equal(3, code);
        Assert.Contains("did not answer", error.ToString());
    }
}
