using System.CommandLine;
using Kis.Realtime.Cli.Commands;
using Kis.Realtime.Cli.Configuration;

namespace Kis.Realtime.Cli.Dashboard;

/// <summary><c>kisrt dashboard</c>: a live page on 127.0.0.1 with charts, the tape, the book, notices and health.</summary>
internal static class DashboardCommand
{
    /// <summary>
    /// <c>KisGatewayEndpoint.Default.AmqpUri</c> as text (StreamLoadedAssembliesTests checks they agree). Written out:
    /// reading it here, where every command's options are built, would load the gateway assembly into every kisrt.
    /// </summary>
    internal const string RabbitDefault = "amqp://guest:guest@127.0.0.1:5672/";

    public static Command Create()
    {
        var connection = new ConnectionOptions(ConnectionOptions.SubscriptionsDefaultFiveServices[..^1] + ", and the trades and order book of "
            + DashboardHost.DefaultStock + ".");
        var port = new Option<int>("--port") { Description = "port on 127.0.0.1 for the page (0: any free port; the URL is printed)", DefaultValueFactory = _
            => 0 };
        var duration = new Option<string?>("--duration") { Description = "stop after this long, e.g. 30s or 5m (default: until Ctrl+C)" };
        var gateway = new Option<string?>("--gateway")
        {
            Description = "read from a running `kisrt gateway` through its RabbitMQ broker instead of a KIS session of its own (or KISRT_GATEWAY); " +
                          $"without a value, {RabbitDefault}",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var ns = new Option<string?>("--namespace") { Description = "with --gateway: the gateway's namespace (or KISRT_GATEWAY_NAMESPACE; default kis)" };
        var amqpCa = Commands.GatewayConnection.CaOption();
        var screenshot = new Option<string?>("--screenshot")
        {
            Description = "take a picture of the page with headless chromium once every panel shows live data, write it to this PNG file and stop",
        };
        var command = new Command("dashboard",
            "A live dashboard in the browser: index chart, program-trading flow, notices, trade tape, order book and connection health. " +
            "With no credentials configured, from the built-in simulator; with --gateway, from a running kisrt gateway.")
        {
            port, duration, gateway, ns, amqpCa, screenshot,
        };
        connection.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var limit = parse.GetValue(duration) is { } d ? Duration.ParseRunLength(d, "--duration") : (TimeSpan?)null;
            var args = connection.Read(parse) with
            {
                // `--gateway` alone: the local broker.
                Gateway = parse.GetResult(gateway) is null ? null : parse.GetValue(gateway) ?? CliSettings.ConfiguredGateway,
                GatewayNamespace = parse.GetValue(ns),
                GatewayCaFile = parse.GetValue(amqpCa),
            };
            return await RunAsync(args, parse.GetValue(port), limit, ClientHost.Environment.Process, Console.Out, Console.Error, ct,
                parse.GetValue(screenshot));
        });
        return command;
    }

    public static async Task<int> RunAsync(ConnectionArgs connection, int port, TimeSpan? duration, ClientHost.Environment environment,
        TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken, string? screenshot = null)
    {
        if (screenshot is not null && string.IsNullOrWhiteSpace(screenshot)) throw new CliUsageException("--screenshot needs a file name, e.g. dashboard.png.");
        var browser = screenshot is null ? null : DashboardScreenshot.FindBrowser(environment.GetVariable);
        var host = await Commands.ClientRun.StartOrStoppedAsync(() => DashboardHost.StartAsync(connection, port, environment, stderr, cancellationToken),
            stderr, cancellationToken);
        if (host is null) return CliFailures.Done; // Ctrl+C while connecting
        var started = System.Diagnostics.Stopwatch.StartNew();
        KisRealtimeStatistics stats;
        int pages;
        await using (host)
        {
            await stdout.WriteLineAsync($"kisrt: dashboard at {host.Url} (Ctrl+C to stop)");
            await stdout.FlushAsync(cancellationToken);
            try
            {
                if (browser is not null)
                    await stderr.WriteLineAsync(await DashboardScreenshot.TakeAsync(browser, host.Url, screenshot!, host.ScreenshotHolds, cancellationToken));
                else
                    await Task.Delay(duration ?? Timeout.InfiniteTimeSpan, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Ctrl+C: a normal stop; disposing releases every registration and closes the session.
            }
            stats = host.Client.Statistics;
            pages = host.Publisher.PageCount;
        }
        // The end summary, as stream, record and bars end with one: what came in and what was lost.
        await stderr.WriteLineAsync($"kisrt: dashboard stopped after {started.Elapsed.TotalSeconds:0.0} s: {stats.RecordsReceived:N0} records, " +
                                    $"{pages} page{(pages == 1 ? "" : "s")} open at the end; {ClientHost.LossCounters(stats, ", ")}");
        return CliFailures.Done;
    }
}
