using Kis.Realtime.Cli.Commands;
using Kis.Realtime.Cli.Configuration;
using Kis.Realtime.Cli.Dashboard;
using Kis.Realtime.Gateway.Wire;
using Kis.Realtime.Gateway;
using Kis.Realtime.Simulator;
using Kis.Realtime.Tests.Cli;
using Kis.Realtime.Tests.Gateway;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Dashboard;

/// <summary>A simulator, a gateway on the real RabbitMQ (a namespace of the test's own) and a dashboard reading from it.</summary>
internal sealed class GatewayRig : IAsyncDisposable
{
    private GatewayRig(RabbitTestBroker broker, KisSimulator simulator, KisGateway gateway)
    {
        Broker = broker;
        Simulator = simulator;
        Gateway = gateway;
    }

    public RabbitTestBroker Broker { get; }
    public KisSimulator Simulator { get; }
    public KisGateway Gateway { get; private set; }

    public ConnectionArgs Args(params string[] subs) => new()
    {
        Subscriptions = subs,
        Gateway = Broker.Endpoint.AmqpUri.ToString(),
        GatewayNamespace = Broker.Endpoint.Namespace,
        HtsId = SimulatorOptions.DefaultHtsId,
    };

    public static async Task<GatewayRig> StartAsync(int perSecond = 20)
    {
        var broker = await RabbitTestBroker.CreateAsync();
        var simulator = await StartSimAsync(o => o with { Pace = MarketPace.PerSecond(perSecond) });
        var gateway = await KisGateway.StartAsync(KisGatewayOptions.Default with
        {
            Client = Options(simulator),
            Endpoint = broker.Endpoint,
            Linger = TimeSpan.FromMilliseconds(300),
            StreamMaxSegmentSizeBytes = 1024 * 1024,
            StreamMaxLengthBytes = 64L * 1024 * 1024,
            StatusInterval = TimeSpan.FromSeconds(1),
        });
        return new GatewayRig(broker, simulator, gateway);
    }

    /// <summary>Stops the gateway (its consumers' requests go unanswered from now on).</summary>
    public ValueTask StopGatewayAsync() => Gateway.DisposeAsync();

    public async ValueTask DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await Simulator.DisposeAsync();
        await Broker.DisposeAsync();
    }
}

/// <summary><c>kisrt dashboard --gateway</c> without a browser: what reaches the page's event stream, and the errors.</summary>
public sealed class DashboardGatewayHostTests
{
    [RabbitFact]
    public async Task Panels_fill_from_the_gateway_and_health_shows_the_consumer_and_the_gateway()
    {
        await using var rig = await GatewayRig.StartAsync();
        await using var host = await DashboardHost.StartAsync(rig.Args("index:0001", "program:005930"), port: 0, CliTestKit.Env(), TextWriter.Null,
            CancellationToken.None);
        Assert.IsType<KisGatewayClient>(host.Client);
        Assert.Null(host.Simulator); // no KIS session of its own

        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = host.Url, Timeout = TimeSpan.FromSeconds(60) };
        using var events = await http.GetAsync("/events", HttpCompletionOption.ResponseHeadersRead);
        var reader = new StreamReader(await events.Content.ReadAsStreamAsync());
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(45));
        string? index = null, program = null, health = null;
        while (index is null || program is null || health is null)
        {
            var name = await reader.ReadLineAsync(deadline.Token);
            if (name is null || !name.StartsWith("event: ", StringComparison.Ordinal)) continue;
            var data = (await reader.ReadLineAsync(deadline.Token))!["data: ".Length..];
            switch (name["event: ".Length..])
            {
                case "index" when data.Contains("\"H0UPCNT0:0001\"") && data.Contains("\"x\":[") && !data.Contains("\"x\":[]"): index = data; break;
                case "program" when data.Contains("\"H0UNPGM0:005930\"") && !data.Contains("\"x\":[]"): program = data; break;
                case "health" when data.Contains("\"state\":\"Connected\"") && data.Contains(" ms\"") && data.Contains("\"run "): health = data; break;
            }
        }
        // The consumer's figures and the gateway's: its run, latency from the gateway's receipt, nothing dropped.
        Assert.Contains($"\"gateway {rig.Broker.Endpoint.Namespace} at amqp://guest:***@127.0.0.1", health);
        Assert.Contains($"run {rig.Gateway.Run}", health);
        Assert.Contains("[\"dropped at gateway\",\"0\",false,false]", health);
        Assert.Contains("[\"registrations\",\"2\",false,false]", health);
        Assert.DoesNotContain("guest:guest", health); // the broker's password is never shown

        // The gateway holds the dashboard's two keys for it, each with one consumer.
        var status = rig.Gateway.Status();
        Assert.Contains(status.Registrations, r => r is { Tr: "H0UPCNT0", Key: "0001", Consumers: 1 });
        Assert.Contains(status.Registrations, r => r is { Tr: "H0UNPGM0", Key: "005930", Consumers: 1 });
    }

    [RabbitFact]
    public async Task A_record_that_does_not_decode_is_counted_on_the_health_panel_and_the_rest_go_on()
    {
        await using var rig = await GatewayRig.StartAsync();
        await using var host = await DashboardHost.StartAsync(rig.Args("index:0001"), port: 0, CliTestKit.Env(), TextWriter.Null, CancellationToken.None);
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = host.Url, Timeout = TimeSpan.FromSeconds(60) };
        using var events = await http.GetAsync("/events", HttpCompletionOption.ResponseHeadersRead);
        var reader = new StreamReader(await events.Content.ReadAsStreamAsync());
        await NextEventAsync(reader, "subscriptions", data => data.Contains("\"state\":\"live\""));

        // A message on the TR's stream with the gateway's headers and a body that is no H0UPCNT0 record.
        await using (var connection = await rig.Broker.Endpoint.CreateFactory("kisrt-tests-bad-record").CreateConnectionAsync())
        await using (var channel = await connection.CreateChannelAsync())
        {
            var properties = new RabbitMQ.Client.BasicProperties
            {
                Headers = new Dictionary<string, object?>
                {
                    [GatewayWire.TrIdHeader] = "H0UPCNT0"u8.ToArray(), [GatewayWire.TrKeyHeader] = "0001"u8.ToArray(),
                        [GatewayWire.RunHeader] = "bad-run"u8.ToArray(),
                    [GatewayWire.SequenceHeader] = 1L, [GatewayWire.ReceivedAtHeader] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000,
                },
            };
            await channel.BasicPublishAsync("", rig.Broker.Endpoint.StreamFor("H0UPCNT0"), false, properties, "not^a^record"u8.ToArray());
        }
        await NextEventAsync(reader, "health", data => data.Contains("[\"decode errors\",\"1\",true,false]"));
        var records = host.Client.Statistics.RecordsReceived;
        await NextEventAsync(reader, "index", data => host.Client.Statistics.RecordsReceived > records + 2); // the gateway's records go on
    }

    /// <summary>Reads the page's event stream until an event of <paramref name="name"/> satisfies <paramref name="wanted"/>; returns its data.</summary>
    private static async Task<string> NextEventAsync(StreamReader reader, string name, Func<string, bool> wanted)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(45));
        while (true)
        {
            var line = await reader.ReadLineAsync(deadline.Token) ?? throw new EndOfStreamException("the event stream ended");
            if (line != "event: " + name) continue;
            var data = (await reader.ReadLineAsync(deadline.Token))!["data: ".Length..];
            if (wanted(data)) return data;
        }
    }

    [RabbitFact]
    public async Task No_gateway_answering_fails_once_with_what_to_check()
    {
        await using var broker = await RabbitTestBroker.CreateAsync(); // a namespace no gateway serves
        var args = new ConnectionArgs { Gateway = broker.Endpoint.AmqpUri.ToString(), GatewayNamespace = broker.Endpoint.Namespace };
        var e = await Assert.ThrowsAsync<CliRunException>(() => DashboardHost.StartAsync(args, 0, CliTestKit.Env(), TextWriter.Null, CancellationToken.None));
        Assert.Contains("could not reach the gateway", e.Message);
        Assert.Contains($"is `kisrt gateway` running with namespace {broker.Endpoint.Namespace}", e.Message);
        Assert.DoesNotContain("guest:guest", e.Message);
    }

    [Fact]
    public async Task Gateway_options_that_choose_a_KIS_session_are_usage_errors_and_a_bad_URI_is_not_echoed()
    {
        var error = new StringWriter();
        Assert.Equal(2, await Kis.Realtime.Cli.KisrtApp.RunAsync(["dashboard", "--gateway", "--ws-url", "ws://127.0.0.1:1/"], TextWriter.Null, error));
        Assert.Contains("--ws-url does not apply with --gateway", error.ToString());

        error = new StringWriter();
        Assert.Equal(2, await Kis.Realtime.Cli.KisrtApp.RunAsync(["dashboard", "--gateway", "http://user:s3cret@broker/"], TextWriter.Null, error));
        Assert.Contains("--gateway must be a RabbitMQ URI", error.ToString());
        Assert.DoesNotContain("s3cret", error.ToString());

        error = new StringWriter();
        Assert.Equal(2, await Kis.Realtime.Cli.KisrtApp.RunAsync(["dashboard", "--namespace", "other"], TextWriter.Null, error));
        Assert.Contains("--namespace names a gateway's namespace: give --gateway", error.ToString());

        // The environment variable chooses the gateway as the option does.
        var e = await Assert.ThrowsAsync<CliUsageException>(() => DashboardHost.StartAsync(new ConnectionArgs { SimulatorPace = "5" }, 0,
            CliTestKit.Env(new() { ["KISRT_GATEWAY"] = "amqp://127.0.0.1:5672/" }), TextWriter.Null, CancellationToken.None));
        Assert.Contains("--sim-pace does not apply with --gateway / KISRT_GATEWAY", e.Message);
    }
}

/// <summary><c>kisrt dashboard --gateway</c> in chromium: panels update through the gateway, subscriptions chosen on the page become gateway requests, a
/// stopped gateway shows.</summary>
[Collection(BrowserCollection.Name)]
public sealed class DashboardGatewayBrowserTests(BrowserFixture browser)
{
    [RabbitFact]
    public async Task The_page_reads_through_the_gateway_and_shows_when_the_gateway_stops()
    {
        await using var rig = await GatewayRig.StartAsync();
        await using var dashboard = await DashboardPage.OpenAsync(browser, rig.Args("index:0001", "program:005930", "notice"));

        await dashboard.WaitForAsync("() => document.querySelector('#state').textContent === 'Connected'");
        await dashboard.WaitForAsync("() => Number(document.querySelector('#panel-index').dataset.points || 0) >= 3"
                                     + " && Number(document.querySelector('#panel-program').dataset.points || 0) >= 3");
        await dashboard.WaitForAsync("() => Number(document.querySelector('#panel-notices').dataset.total || 0) >= 1");
        await dashboard.WaitForAsync("() => document.querySelector(\"#panel-health dd[data-figure='latency p50']\")?.textContent.endsWith(' ms')");
        Assert.StartsWith($"run {rig.Gateway.Run}, KIS Connected", await dashboard.FigureAsync("gateway"));
        Assert.Equal("0", await dashboard.FigureAsync("dropped at gateway"));
        Assert.Equal("0", await dashboard.FigureAsync("decode errors"));

        // A subscription added on the page is a request to the gateway, which registers it at KIS.
        await dashboard.Page.FillAsync("#add-spec", "index:1001");
        await dashboard.Page.ClickAsync("#add-form button");
        await dashboard.WaitForAsync("() => document.querySelector('#panel-index .chart[data-series=\"H0UPCNT0:1001\"]')");
        Assert.Contains(rig.Gateway.Status().Registrations, r => r is { Tr: "H0UPCNT0", Key: "1001", Consumers: 1 });
        await dashboard.WaitForAsync("() => document.querySelector(\"#panel-health dd[data-figure='registrations']\").textContent === '4'");
        await dashboard.ScreenshotAsync("health", "health-gateway");
        await dashboard.Page.ScreenshotAsync(new Microsoft.Playwright.PageScreenshotOptions
        {
            Path = Path.Combine(BrowserFixture.ArtifactsDirectory, "page-gateway.png"), FullPage = true,
        });

        // Removing it releases the dashboard's claim at the gateway.
        await dashboard.Page.ClickAsync("#panel-subscriptions tr[data-spec='H0UPCNT0:1001'] button");
        await UntilAsync(() => !rig.Gateway.Status().Registrations.Any(r => r is { Key: "1001", Consumers: > 0 }), "the claim on 1001 released");

        // The gateway stops: its status requests go unanswered, and the page says so.
        await rig.StopGatewayAsync();
        await dashboard.WaitForAsync("() => document.querySelector('#state').textContent === 'Unreachable'");
        await dashboard.WaitForAsync("() => [...document.querySelectorAll('#panel-health .history td')].some(td => td.textContent === 'not answering')");
        Assert.Contains("alert", await dashboard.Page.Locator("#panel-health dd[data-figure='gateway']").GetAttributeAsync("class") ?? "");
        lock (dashboard.Errors) Assert.Empty(dashboard.Errors);
    }
}
