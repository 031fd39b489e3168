using Kis.Realtime.Cli.Commands;
using Kis.Realtime.Cli.Dashboard;
using Kis.Realtime.Gateway;
using Kis.Realtime.Simulator;
using static Kis.Realtime.Tests.Cli.CliTestKit;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>
/// Issue 30 (6f): `kisrt bars --gateway amqps://…` and `kisrt dashboard --gateway amqps://…` ignored the private CA
/// (`--amqp-ca` / KISRT_AMQP_CA) that `kisrt gateway` takes, so against a broker with a private CA they could not connect.
/// </summary>
public sealed class GatewayTlsCliTests
{
    private static readonly string CaFile = Environment.GetEnvironmentVariable("KISRT_TEST_AMQPS_CA") is { Length: > 0 } ca ? ca
        : "/etc/rabbitmq/kisrt-tls/ca.pem";
    private static readonly Uri TlsUri = new(Environment.GetEnvironmentVariable("KISRT_TEST_AMQPS") is { Length: > 0 } uri ? uri
        : "amqps://guest:guest@127.0.0.1:5671/");

    [RabbitFact]
    public async Task Bars_and_dashboard_read_a_gateway_over_TLS_with_the_private_CA_from_option_or_environment()
    {
        Assert.True(File.Exists(CaFile), $"{CaFile} missing: run scripts/services.sh");
        await using var broker = await RabbitTestBroker.CreateAsync();
        var endpoint = broker.Endpoint with { AmqpUri = TlsUri, CaCertificateFile = CaFile };
        await using var sim = await StartSimAsync(o => o with { Pace = MarketPace.PerSecond(100) });
        await using var gateway = await KisGateway.StartAsync(KisGatewayOptions.Default with
        {
            Client = Options(sim), Endpoint = endpoint, StreamMaxSegmentSizeBytes = 1024 * 1024, StreamMaxLengthBytes = 16L * 1024 * 1024,
        });
        var overTls = new ConnectionArgs { Subscriptions = ["stock:005930"], Gateway = TlsUri.ToString(), GatewayNamespace = broker.Endpoint.Namespace };

        // bars: the CA from --amqp-ca.
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        // 10 s, not 3: at load 50 the TLS handshakes and the subscribe took the whole of 3 s ("0 bars shown").
        var exit = await BarsCommand.RunAsync(overTls with { GatewayCaFile = CaFile }, new BarsArgs { Format = "jsonl", Duration = TimeSpan.FromSeconds(10) },
            Env(), stdout, stderr, default).WaitAsync(CliTimeout);
        Assert.True(exit == 0, stderr.ToString());
        // The bar forming at the stop, from the gateway's stream.
        Assert.True(stdout.ToString().Contains("\"005930\"", StringComparison.Ordinal), $"stdout: {stdout}\nstderr: {stderr}");

        // dashboard: the CA from KISRT_AMQP_CA.
        stderr = new StringWriter();
        exit = await DashboardCommand.RunAsync(overTls, 0, TimeSpan.FromSeconds(1), Env(new() { ["KISRT_AMQP_CA"] = CaFile }), new StringWriter(), stderr,
            default)
            .WaitAsync(CliTimeout);
        Assert.True(exit == 0, stderr.ToString());

        // Without it the broker's certificate is not trusted: one line, not a hang.
        stderr = new StringWriter();
        var refused = await Record.ExceptionAsync(() => BarsCommand.RunAsync(overTls, new BarsArgs { Format = "jsonl", Duration = TimeSpan.FromSeconds(3) },
            Env(), new StringWriter(), stderr, default).WaitAsync(CliTimeout));
        Assert.IsType<Kis.Realtime.Cli.Configuration.CliRunException>(refused);
    }
}
