using System.CommandLine;
using Kis.Realtime.Cli.Configuration;
using Kis.Realtime.PostgreSql;
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
        var amqpCa = AmqpCaOption();
        var ns = NamespaceOption();
        var linger = new Option<string?>("--linger") { Description = "keep a registration nobody wants this long before releasing it (default 30s)" };
        var maxAge = new Option<string?>("--max-age") { Description = "stream retention by age, RabbitMQ syntax: 7D (default), 12h, 30m" };
        var maxBytes = new Option<long?>("--max-bytes") { Description = "stream retention by size per TR, bytes (default 20 GiB)" };
        var duration = new Option<string?>("--duration") { Description = "stop after this long, e.g. 60s" };
        var status = new Option<string?>("--status-interval") { Description = "print the status line this often (default 10s)" };
        var postgres = new Option<string?>("--postgres") { Description = "also write every record received into PostgreSQL (an Npgsql connection string), as `kisrt record --postgres`" };
        var pgSchema = new Option<string>("--pg-schema") { Description = "the PostgreSQL schema (default kis)", DefaultValueFactory = _ => "kis" };
        var pgQueue = new Option<int?>("--pg-max-queue-mb") { Description = "records waiting for PostgreSQL beyond this are dropped for the database, counted (default 64)" };
        var command = new Command("gateway",
            "Hold the KIS sessions for every consumer and publish every record to RabbitMQ streams ({ns}.{TR}); consumers ask for " +
            "registrations over request/reply (KisGatewayClient). --sub keys are held for the whole run. Default KIS target: the built-in simulator.")
        {
            amqp, amqpCa, ns, linger, maxAge, maxBytes, duration, status, postgres, pgSchema, pgQueue, StatusCommand(),
        };
        connection.AddTo(command);
        command.SetAction((parse, token) =>
        {
            var options = KisGatewayOptions.Default with
            {
                Endpoint = Endpoint(parse.GetValue(amqp), parse.GetValue(ns), parse.GetValue(amqpCa)),
                Linger = parse.GetValue(linger) is { } l ? Duration.Parse(l, "--linger") : KisGatewayOptions.Default.Linger,
                StreamMaxAge = parse.GetValue(maxAge) ?? KisGatewayOptions.Default.StreamMaxAge,
                StreamMaxLengthBytes = parse.GetValue(maxBytes) ?? KisGatewayOptions.Default.StreamMaxLengthBytes,
            };
            var interval = parse.GetValue(status) is { } s ? Duration.Parse(s, "--status-interval") : TimeSpan.FromSeconds(10);
            if (interval <= TimeSpan.Zero) throw new CliUsageException("--status-interval: must be positive.");
            var stopAfter = parse.GetValue(duration) is { } d ? Duration.Parse(d, "--duration") : (TimeSpan?)null;
            var database = parse.GetValue(postgres) is { } conn
                ? new GatewayPostgresSettings(conn, parse.GetValue(pgSchema)!, parse.GetValue(pgQueue) is { } mb
                    ? mb > 0 ? (long)mb << 20 : throw new CliUsageException("--pg-max-queue-mb must be positive.")
                    : GatewayPostgresSettings.DefaultQueueLimitBytes)
                : null;
            return RunAsync(connection.Read(parse), options, interval, stopAfter, ClientHost.Environment.Process, Console.Error, token, database);
        });
        return command;
    }

    private static Option<string?> AmqpOption() => new("--amqp") { Description = "RabbitMQ URI (or KISRT_AMQP); default amqp://guest:guest@127.0.0.1:5672/" };

    private static Option<string?> AmqpCaOption() => new("--amqp-ca")
    {
        Description = "for amqps://: a PEM file of the CA that signed the broker's certificate, trusted instead of the system's store (or KISRT_AMQP_CA)",
    };

    private static Option<string?> NamespaceOption() => new("--namespace") { Description = "prefix of the gateway's queues and exchange (default kis)" };

    internal static KisGatewayEndpoint Endpoint(string? amqp, string? ns, string? caFile = null)
    {
        amqp ??= Environment.GetEnvironmentVariable("KISRT_AMQP");
        caFile ??= Environment.GetEnvironmentVariable("KISRT_AMQP_CA");
        var endpoint = KisGatewayEndpoint.Default;
        if (!string.IsNullOrEmpty(amqp))
        {
            // Not echoed: the URI may carry a password.
            if (!Uri.TryCreate(amqp, UriKind.Absolute, out var uri) || uri.Scheme is not ("amqp" or "amqps"))
                throw new CliUsageException("--amqp: not an amqp:// or amqps:// URI.");
            endpoint = endpoint with { AmqpUri = uri };
        }
        if (!string.IsNullOrEmpty(caFile))
        {
            if (endpoint.AmqpUri.Scheme != "amqps") throw new CliUsageException("--amqp-ca: the broker URI is not amqps://.");
            if (!File.Exists(caFile)) throw new CliUsageException($"--amqp-ca: no file {caFile}.");
            endpoint = endpoint with { CaCertificateFile = caFile };
        }
        return string.IsNullOrEmpty(ns) ? endpoint : endpoint with { Namespace = ns };
    }

    /// <summary>Runs the gateway until cancelled (Ctrl+C) or <paramref name="stopAfter"/>; prints a status line every <paramref name="interval"/>.</summary>
    internal static async Task<int> RunAsync(ConnectionArgs connection, KisGatewayOptions options, TimeSpan interval, TimeSpan? stopAfter,
        ClientHost.Environment environment, TextWriter status, CancellationToken cancellationToken, GatewayPostgresSettings? postgres = null)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (stopAfter is { } limit) stop.CancelAfter(limit);
        Action<string> notice = m => status.WriteLine("kisrt gateway: " + m);
        GatewayPostgresSink? sink = null;
        if (postgres is not null)
        {
            var recorder = new PostgresRecorder(RecordCommand.CheckConnectionString(postgres.ConnectionString), postgres.Schema, postgres.QueueLimitBytes, notice);
            await recorder.CheckAsync(stop.Token).ConfigureAwait(false); // unreachable or refused: fail now, before KIS and the broker
            sink = new GatewayPostgresSink(recorder, notice);
            options = options with { Sinks = [.. options.Sinks, sink] };
            await status.WriteLineAsync($"kisrt gateway: writing every record into PostgreSQL {PostgresRecorder.Describe(postgres.ConnectionString)}, schema {postgres.Schema}, run {recorder.RunId}");
        }
        using var giveUp = new CancellationTokenSource(); // ends database retries some time after the gateway stops
        var writer = sink is null ? Task.CompletedTask : Task.Run(() => sink.Recorder.WriteAsync(giveUp.Token));
        // A failing database writer (not a lost connection: that is retried) stops the gateway at once, reported.
        _ = writer.ContinueWith(_ => stop.Cancel(), CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        try
        {
            return await RunGatewayAsync(connection, options, interval, environment, status, stop, sink).ConfigureAwait(false);
        }
        finally
        {
            sink?.Complete(); // also when the gateway failed to start: the writer commits what it has and ends
            giveUp.CancelAfter(TimeSpan.FromSeconds(30));
            try
            {
                await writer.ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or Npgsql.NpgsqlException)
            {
                await status.WriteLineAsync($"kisrt gateway: PostgreSQL: {e.Message}").ConfigureAwait(false);
            }
        }
    }

    private static async Task<int> RunGatewayAsync(ConnectionArgs connection, KisGatewayOptions options, TimeSpan interval,
        ClientHost.Environment environment, TextWriter status, CancellationTokenSource stop, GatewayPostgresSink? sink)
    {
        // Wait mode: the gateway's pumps take every record; nothing is dropped before its bounded, counted buffer. Inline:
        // the pumps never block (see KisGateway), so they run on the session's receive thread, a wake-up per record saved.
        await using var host = await ClientHost.StartAsync(connection, environment, status,
            KisFullMode.Wait, stop.Token, tuneOptions: o => o with { InlineDelivery = true }).ConfigureAwait(false);
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
        await gateway.WaitForConfirmsAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        var brokerAtStop = gateway.Status().BrokerConnected;
        // The figures at the very end: registrations released, their last records published and confirmed (or not).
        await gateway.DisposeAsync().ConfigureAwait(false);
        var end = gateway.Status() with { BrokerConnected = brokerAtStop };
        var confirmed = end.Confirmed >= end.Received - end.Overflowed;
        GatewaySinkStatus? pg = null;
        if (sink is not null)
        {
            sink.Complete(); // every record the gateway received is in its queue now
            pg = await WaitForSinkAsync(sink, TimeSpan.FromSeconds(30)).ConfigureAwait(false);
            end = end with { Sinks = [pg] };
        }
        await status.WriteLineAsync(StatusLine(end) + (confirmed ? "" : " (not every record was confirmed before the end)"));
        if (pg is not null)
            await status.WriteLineAsync($"kisrt gateway: PostgreSQL run {sink!.Recorder.RunId}: gateway received {end.Received}, committed {pg.Committed}, " +
                                        $"dropped {pg.Dropped}, failed {pg.Failed}, not committed {pg.Lag}, retries {pg.Retries}");
        return end.Overflowed > 0 || !confirmed || pg is { Dropped: > 0 } or { Failed: > 0 } or { Lag: > 0 } ? CliFailures.RunFailed : CliFailures.Done;
    }

    /// <summary>The sink's figures once it has committed all it was given (or the timeout passed).</summary>
    private static async Task<GatewaySinkStatus> WaitForSinkAsync(GatewayPostgresSink sink, TimeSpan timeout)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
        var deadline = DateTime.UtcNow + timeout;
        var s = sink.Status();
        while (s.Lag > 0 && DateTime.UtcNow < deadline && await timer.WaitForNextTickAsync().ConfigureAwait(false)) s = sink.Status();
        return s;
    }

    internal static string StatusLine(GatewayStatus s) =>
        $"kisrt gateway: sessions {s.Sessions.Count(x => x.State == KisConnectionState.Connected)}/{s.Sessions.Count} connected, " +
        $"registrations {s.Registrations.Count}, consumers {s.Consumers}, {s.PublishRate:0.0} records/s, received {s.Received}, confirmed {s.Confirmed}, " +
        $"buffer {s.BufferDepth}/{s.BufferCapacity}, confirms outstanding {s.ConfirmsOutstanding}, overflowed {s.Overflowed}, republished {s.Republished}, " +
        $"broker {(s.BrokerConnected ? "connected" : "DISCONNECTED")}" +
        string.Concat(s.Sinks.Select(x => $", {Short(x.Name)} committed {x.Committed}, lag {x.Lag}, dropped {x.Dropped}, retries {x.Retries}"));

    private static string Short(string sink) => sink == "postgres" ? "pg" : sink;

    private static Command StatusCommand()
    {
        var amqp = AmqpOption();
        var amqpCa = AmqpCaOption();
        var ns = NamespaceOption();
        var json = new Option<bool>("--json") { Description = "the whole status as JSON" };
        var command = new Command("status", "Ask a running gateway for its figures: sessions, registrations per app key, consumers, publish rate, buffer, confirms outstanding.")
        {
            amqp, amqpCa, ns, json,
        };
        command.SetAction((parse, token) => StatusAsync(Endpoint(parse.GetValue(amqp), parse.GetValue(ns), parse.GetValue(amqpCa)), parse.GetValue(json), Console.Out, token));
        return command;
    }

    internal static async Task<int> StatusAsync(KisGatewayEndpoint endpoint, bool json, TextWriter output, CancellationToken cancellationToken)
    {
        await using var client = new KisGatewayClient(KisGatewayClientOptions.Default with { Endpoint = endpoint, RequestTimeout = TimeSpan.FromSeconds(5) });
        var s = await client.GetStatusAsync(cancellationToken).ConfigureAwait(false);
        if (json)
        {
            // snake_case like the records and the gateway's own wire (broker_connected, buffer_depth, "connected").
            await output.WriteLineAsync(System.Text.Json.JsonSerializer.Serialize(s, new System.Text.Json.JsonSerializerOptions
            {
                WriteIndented = true,
                PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower,
                Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(System.Text.Json.JsonNamingPolicy.SnakeCaseLower) },
            }));
            return CliFailures.Done;
        }
        await output.WriteLineAsync($"gateway run {s.Run}, started {s.StartedAt:u}, broker {(s.BrokerConnected ? "connected" : "DISCONNECTED")} ({endpoint.DisplayUri}, namespace {endpoint.Namespace})");
        await output.WriteLineAsync($"publish rate {s.PublishRate:0.0} records/s, received {s.Received}, confirmed {s.Confirmed}, republished {s.Republished}, overflowed {s.Overflowed}");
        await output.WriteLineAsync($"buffer {s.BufferDepth}/{s.BufferCapacity}, confirms outstanding {s.ConfirmsOutstanding}, consumers {s.Consumers}");
        foreach (var x in s.Sinks)
            await output.WriteLineAsync($"sink {x.Name}: received {x.Received}, committed {x.Committed}, lag {x.Lag}, dropped {x.Dropped}, failed {x.Failed}, retries {x.Retries}");
        foreach (var session in s.Sessions)
            await output.WriteLineAsync($"session {session.Index} app key {session.AppKey}: {session.State}, {session.Registrations}/41 registrations");
        foreach (var r in s.Registrations)
            await output.WriteLineAsync($"  {r.Tr} {r.Key,-14} {r.State,-9} consumers {r.Consumers}, session {r.Session}, published {r.Published}");
        return CliFailures.Done;
    }
}

/// <summary><c>kisrt gateway --postgres CONN [--pg-schema kis] [--pg-max-queue-mb 64]</c>.</summary>
internal sealed record GatewayPostgresSettings(string ConnectionString, string Schema = "kis", long QueueLimitBytes = GatewayPostgresSettings.DefaultQueueLimitBytes)
{
    public const long DefaultQueueLimitBytes = 64L << 20;
}
