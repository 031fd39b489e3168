using System.CommandLine;
using Kis.Realtime.Cli.Configuration;
using Kis.Realtime.Gateway;

namespace Kis.Realtime.Cli.Commands;

/// <summary>
/// <c>kisrt gateway</c>: one KIS connection for every consumer, records published to RabbitMQ streams (default KIS
/// target: the built-in simulator, like <c>stream</c>). <c>kisrt gateway status</c> asks a running gateway for its figures.
/// </summary>
internal static class GatewayCommand
{
    public static Command Create()
    {
        var connection = new ConnectionOptions();
        var amqp = AmqpOption();
        var ns = NamespaceOption();
        var linger = new Option<string?>("--linger") { Description = "keep a registration nobody wants this long before releasing it (default 30s)" };
        var maxAge = new Option<string?>("--max-age") { Description = "stream retention by age, RabbitMQ syntax: 7D (default), 12h, 30m" };
        var maxBytes = new Option<long?>("--max-bytes") { Description = "stream retention by size per TR, bytes (default 20 GiB)" };
        var duration = new Option<string?>("--duration") { Description = "stop after this long, e.g. 60s" };
        var status = new Option<string?>("--status-interval") { Description = "print the status line this often (default 10s)" };
        var command = new Command("gateway",
            "Hold the KIS sessions for every consumer and publish every record to RabbitMQ streams ({ns}.{TR}); consumers ask for " +
            "registrations over request/reply (KisGatewayClient). --sub keys are held for the whole run. Default KIS target: the built-in simulator.")
        {
            amqp, ns, linger, maxAge, maxBytes, duration, status, StatusCommand(),
        };
        connection.AddTo(command);
        command.SetAction((parse, token) =>
        {
            var options = KisGatewayOptions.Default with
            {
                Endpoint = Endpoint(parse.GetValue(amqp), parse.GetValue(ns)),
                Linger = parse.GetValue(linger) is { } l ? Duration.Parse(l, "--linger") : KisGatewayOptions.Default.Linger,
                StreamMaxAge = parse.GetValue(maxAge) ?? KisGatewayOptions.Default.StreamMaxAge,
                StreamMaxLengthBytes = parse.GetValue(maxBytes) ?? KisGatewayOptions.Default.StreamMaxLengthBytes,
            };
            var interval = parse.GetValue(status) is { } s ? Duration.Parse(s, "--status-interval") : TimeSpan.FromSeconds(10);
            if (interval <= TimeSpan.Zero) throw new CliUsageException("--status-interval: must be positive.");
            var stopAfter = parse.GetValue(duration) is { } d ? Duration.Parse(d, "--duration") : (TimeSpan?)null;
            return RunAsync(connection.Read(parse), options, interval, stopAfter, ClientHost.Environment.Process, Console.Error, token);
        });
        return command;
    }

    private static Option<string?> AmqpOption() => new("--amqp") { Description = "RabbitMQ URI (or KISRT_AMQP); default amqp://guest:guest@127.0.0.1:5672/" };

    private static Option<string?> NamespaceOption() => new("--namespace") { Description = "prefix of the gateway's queues and exchange (default kis)" };

    internal static KisGatewayEndpoint Endpoint(string? amqp, string? ns)
    {
        amqp ??= Environment.GetEnvironmentVariable("KISRT_AMQP");
        var endpoint = KisGatewayEndpoint.Default;
        if (!string.IsNullOrEmpty(amqp))
        {
            if (!Uri.TryCreate(amqp, UriKind.Absolute, out var uri) || uri.Scheme is not ("amqp" or "amqps"))
                throw new CliUsageException($"--amqp: '{amqp}' is not an amqp:// URI.");
            endpoint = endpoint with { AmqpUri = uri };
        }
        return string.IsNullOrEmpty(ns) ? endpoint : endpoint with { Namespace = ns };
    }

    /// <summary>Runs the gateway until cancelled (Ctrl+C) or <paramref name="stopAfter"/>; prints a status line every <paramref name="interval"/>.</summary>
    internal static async Task<int> RunAsync(ConnectionArgs connection, KisGatewayOptions options, TimeSpan interval, TimeSpan? stopAfter,
        ClientHost.Environment environment, TextWriter status, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (stopAfter is { } limit) stop.CancelAfter(limit);
        // Wait mode: the gateway's pumps take every record; nothing is dropped before its bounded, counted buffer.
        await using var host = await ClientHost.StartAsync(connection, environment, status,
            KisFullMode.Wait, stop.Token).ConfigureAwait(false);
        // The gateway's own log (broker lost, buffer full) beside the library's, from --log-level (default warning).
        using var loggerFactory = Hosting.StderrLoggerProvider.CreateFactory(status, Hosting.StderrLoggerProvider.ParseLevel(connection.LogLevel));
        await using var gateway = await KisGateway.StartAsync(options with { LoggerFactory = loggerFactory }, host.Client, stop.Token).ConfigureAwait(false);
        await status.WriteLineAsync($"kisrt gateway: run {gateway.Run}, broker {options.Endpoint.DisplayUri}, requests on {options.Endpoint.RequestQueue}, " +
                                    $"records to streams {options.Endpoint.StreamFor("<TR>")}");
        if (connection.Subscriptions.Count > 0)
        {
            foreach (var spec in host.Subscriptions)
            {
                await gateway.HoldAsync(spec.Tr, spec.Key, stop.Token).ConfigureAwait(false);
                await status.WriteLineAsync($"kisrt gateway: holding {spec.Tr.Id} {spec.Key}");
            }
        }
        using var ticker = new PeriodicTimer(interval);
        try
        {
            while (await ticker.WaitForNextTickAsync(stop.Token).ConfigureAwait(false))
                await status.WriteLineAsync(StatusLine(gateway.Status()));
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        var confirmed = await gateway.WaitForConfirmsAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        var end = gateway.Status();
        await status.WriteLineAsync(StatusLine(end) + (confirmed ? "" : " (not every record was confirmed before the end)"));
        return end.Overflowed > 0 || !confirmed ? CliFailures.RunFailed : CliFailures.Done;
    }

    internal static string StatusLine(GatewayStatus s) =>
        $"kisrt gateway: sessions {s.Sessions.Count(x => x.State == KisConnectionState.Connected)}/{s.Sessions.Count} connected, " +
        $"registrations {s.Registrations.Count}, consumers {s.Consumers}, {s.PublishRate:0.0} records/s, received {s.Received}, confirmed {s.Confirmed}, " +
        $"buffer {s.BufferDepth}/{s.BufferCapacity}, confirms outstanding {s.ConfirmsOutstanding}, overflowed {s.Overflowed}, republished {s.Republished}, " +
        $"broker {(s.BrokerConnected ? "connected" : "DISCONNECTED")}";

    private static Command StatusCommand()
    {
        var amqp = AmqpOption();
        var ns = NamespaceOption();
        var json = new Option<bool>("--json") { Description = "the whole status as JSON" };
        var command = new Command("status", "Ask a running gateway for its figures: sessions, registrations per app key, consumers, publish rate, buffer, confirms outstanding.")
        {
            amqp, ns, json,
        };
        command.SetAction((parse, token) => StatusAsync(Endpoint(parse.GetValue(amqp), parse.GetValue(ns)), parse.GetValue(json), Console.Out, token));
        return command;
    }

    internal static async Task<int> StatusAsync(KisGatewayEndpoint endpoint, bool json, TextWriter output, CancellationToken cancellationToken)
    {
        await using var client = new KisGatewayClient(KisGatewayClientOptions.Default with { Endpoint = endpoint, RequestTimeout = TimeSpan.FromSeconds(5) });
        var s = await client.GetStatusAsync(cancellationToken).ConfigureAwait(false);
        if (json)
        {
            await output.WriteLineAsync(System.Text.Json.JsonSerializer.Serialize(s, new System.Text.Json.JsonSerializerOptions
            {
                WriteIndented = true,
                Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
            }));
            return CliFailures.Done;
        }
        await output.WriteLineAsync($"gateway run {s.Run}, started {s.StartedAt:u}, broker {(s.BrokerConnected ? "connected" : "DISCONNECTED")} ({endpoint.DisplayUri}, namespace {endpoint.Namespace})");
        await output.WriteLineAsync($"publish rate {s.PublishRate:0.0} records/s, received {s.Received}, confirmed {s.Confirmed}, republished {s.Republished}, overflowed {s.Overflowed}");
        await output.WriteLineAsync($"buffer {s.BufferDepth}/{s.BufferCapacity}, confirms outstanding {s.ConfirmsOutstanding}, consumers {s.Consumers}");
        foreach (var session in s.Sessions)
            await output.WriteLineAsync($"session {session.Index} app key {session.AppKey}: {session.State}, {session.Registrations}/41 registrations");
        foreach (var r in s.Registrations)
            await output.WriteLineAsync($"  {r.Tr} {r.Key,-14} {r.State,-9} consumers {r.Consumers}, session {r.Session}, published {r.Published}");
        return CliFailures.Done;
    }
}
