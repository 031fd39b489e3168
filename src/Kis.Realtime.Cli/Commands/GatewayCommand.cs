using System.CommandLine;
using Kis.Realtime.Cli.Configuration;
using Kis.Realtime.Gateway.PostgreSql.Internal;
using Kis.Realtime.Gateway.PostgreSql;
using Kis.Realtime.PostgreSql.Internal;
using Kis.Realtime.Gateway;

namespace Kis.Realtime.Cli.Commands;

/// <summary>
/// <c>kisrt gateway</c>: one KIS connection for every consumer, records published to RabbitMQ streams (default KIS
/// target: the built-in simulator, like <c>stream</c>). <c>kisrt gateway status</c> asks a running gateway for its figures.
/// </summary>
internal static partial class GatewayCommand
{
    public static Command Create()
    {
        var connection = new ConnectionOptions(ConnectionOptions.SubscriptionsHeldByGateway);
        var amqp = AmqpOption();
        var amqpPassword = PasswordFileOption();
        var amqpCa = GatewayConnection.CaOption();
        var ns = NamespaceOption();
        var nodes = new Option<string[]>("--amqp-node")
        {
            Description = "another node of the broker's RabbitMQ cluster, host:port (repeat for each): tried in order when the --amqp host cannot be reached",
        };
        var replicas = new Option<int?>("--stream-replicas") { Description = "replicas of each new stream on a RabbitMQ cluster (x-initial-cluster-size; " +
            "default: the broker's, every node)" };
        var linger = new Option<string?>("--linger") { Description = "keep a registration nobody wants this long before releasing it (default 30s)" };
        var electionHeartbeat = new Option<string?>("--election-heartbeat")
        {
            Description = "the heartbeat of the standby and fleet elections' broker connections (default 2s, at least 1s): a holder cut off or hung " +
                          "loses its lock after about two; a killed one at once. Raise it where CPU is saturated (docs/gateway.md, Fleet)",
        };
        var userShare = new Option<double?>("--user-share")
        {
            Description = "the share (0-1] of the app keys' registrations (41 per key) one broker user may hold or leave lingering (default 0.5; 1 for a " +
                "single user)",
        };
        var monitoring = new Option<string[]>("--monitoring-user")
        {
            Description = "a broker user whose status request lists every user's registrations (repeat for each); others see only their own",
        };
        var eventsVhost = new Option<string?>("--broker-events-vhost")
        {
            Description = "the vhost of RabbitMQ's event exchange (rabbitmq.conf's event_exchange.vhost, default /): the deleted-user watch runs only " +
                          "when the gateway's vhost is this one",
        };
        var maxClaims = new Option<int?>("--max-claims-per-user") { Description = "claims (consumer, TR, key) one broker user may hold, all its consumer ids " +
            "together (default 100)" };
        var maxAge = new Option<string?>("--max-age") { Description = "stream retention by age, RabbitMQ syntax: 7D (default), 12h, 30m" };
        var maxBytes = new Option<long?>("--max-bytes") { Description = "stream retention by size per TR, bytes (default 20 GiB)" };
        var duration = new Option<string?>("--duration") { Description = "stop after this long, e.g. 60s" };
        var status = new Option<string?>("--status-interval") { Description = "print the status line this often (default 10s)" };
        var postgres = new Option<string?>("--postgres")
        {
            Description = "also store every record into PostgreSQL (an Npgsql connection string): an in-process reader of the gateway's own streams, " +
                          "with its offsets stored beside the rows, so a database outage within the streams' retention loses nothing",
        };
        var pgSchema = new Option<string>("--pg-schema") { Description = "the PostgreSQL schema", DefaultValueFactory = _ => "kis" };
        var oneKey = new Option<bool>("--one-key-messages")
        {
            Description = "one key per stream message, the format before the keys format: while consumers older than it still read the streams",
        };
        var command = new Command("gateway",
            "Hold the KIS sessions for every consumer and publish every record to RabbitMQ streams, one per TR (NAMESPACE.TR, e.g. kis.H0STCNT0); " +
            "consumers ask for registrations over request/reply (KisGatewayClient). --sub keys are held for the whole run. " +
            "Default KIS target: the built-in simulator.")
        {
            amqp, amqpPassword, amqpCa, ns, nodes, replicas, linger, electionHeartbeat, userShare, maxClaims, monitoring, eventsVhost, maxAge, maxBytes,
            duration, status,
            postgres, pgSchema, oneKey, GatewayStatusCommand.Create(), GatewayAuditCommand.Create(),
        };
        connection.AddTo(command);
        var fleet = GatewayFleetProcess.FleetOptions.Create();
        fleet.AddTo(command);
        command.SetAction((parse, token) => RunFromCommandLine(parse, connection, fleet, token));
        return command;
    }

    /// <summary>The gateway's options as given on the command line (the table in <see cref="Create"/> declares them; each is
    /// read by its name and declared type).</summary>
    internal static KisGatewayOptions ReadOptions(ParseResult parse)
    {
        return KisGatewayOptions.Default with
        {
            Endpoint = Endpoint(parse.GetValue<string?>("--amqp"), parse.GetValue<string?>("--namespace"), parse.GetValue<string?>("--amqp-ca"),
                    parse.GetValue<string?>("--amqp-password-file"))
                with { ClusterNodes = ClusterNodes(parse.GetValue<string[]>("--amqp-node")) },
            StreamReplicas = parse.GetValue<int?>("--stream-replicas") is { } r
                ? r > 0 ? r : throw new CliUsageException("--stream-replicas must be positive.")
                : null,
            Linger = parse.GetValue<string?>("--linger") is { } l ? Duration.Parse(l, "--linger") : KisGatewayOptions.Default.Linger,
            ElectionHeartbeat = parse.GetValue<string?>("--election-heartbeat") is { } h
                ? Duration.Parse(h, "--election-heartbeat") is var beat && beat >= TimeSpan.FromSeconds(1)
                    ? beat
                    : throw new CliUsageException("--election-heartbeat must be at least 1s.")
                : KisGatewayOptions.Default.ElectionHeartbeat,
            MaxRegistrationShare = parse.GetValue<double?>("--user-share") is { } share
                ? share is > 0 and <= 1 ? share : throw new CliUsageException("--user-share must be above 0 and at most 1.")
                : KisGatewayOptions.Default.MaxRegistrationShare,
            MaxClaimsPerUser = parse.GetValue<int?>("--max-claims-per-user") is { } claims
                ? claims > 0 ? claims : throw new CliUsageException("--max-claims-per-user must be positive.")
                : KisGatewayOptions.Default.MaxClaimsPerUser,
            MonitoringUsers = parse.GetValue<string[]>("--monitoring-user") ?? [],
            BrokerEventsVhost = parse.GetValue<string?>("--broker-events-vhost") is { } events
                ? events.Length > 0 ? events : throw new CliUsageException("--broker-events-vhost must not be empty.")
                : KisGatewayOptions.Default.BrokerEventsVhost,
            StreamMaxAge = parse.GetValue<string?>("--max-age") ?? KisGatewayOptions.Default.StreamMaxAge,
            StreamMaxLengthBytes = parse.GetValue<long?>("--max-bytes") ?? KisGatewayOptions.Default.StreamMaxLengthBytes,
            PackAcrossKeys = !parse.GetValue<bool>("--one-key-messages"),
        };
    }

    /// <summary>Reads the options by name (the table above declares them) and runs a gateway, or a fleet process.</summary>
    private static Task<int> RunFromCommandLine(ParseResult parse, ConnectionOptions connection, GatewayFleetProcess.FleetOptions fleet,
        CancellationToken token)
    {
        var options = ReadOptions(parse);
        var interval = parse.GetValue<string?>("--status-interval") is { } s ? Duration.Parse(s, "--status-interval") : TimeSpan.FromSeconds(10);
        if (interval <= TimeSpan.Zero) throw new CliUsageException("--status-interval: must be positive.");
        var stopAfter = parse.GetValue<string?>("--duration") is { } d ? Duration.ParseRunLength(d, "--duration") : (TimeSpan?)null;
        var database = parse.GetValue<string?>("--postgres") is { } conn ? new GatewayPostgresSettings(conn, parse.GetValue<string>("--pg-schema")!) : null;
        var args = connection.Read(parse);
        if (parse.GetValue(fleet.SubFile) is { } subFile) args = args
            with { Subscriptions = [.. args.Subscriptions, .. GatewayFleetProcess.ReadListFile(subFile, "--sub-file")] };
        if (parse.GetValue(fleet.CredentialsFile) is { } file) args = args with { Credentials = GatewayFleetProcess.ReadCredentialsFile(file) };
        if (parse.GetValue(fleet.Fleet))
        {
            if (database is not null) throw new CliUsageException(
                "--postgres with --fleet: run the history writer beside the fleet (kisrt record), not in it.");
            return GatewayFleetProcess.RunAsync(args, options, parse.GetValue(fleet.Name), interval, stopAfter, ClientHost.Environment.Process,
                Console.Error, token);
        }
        return RunAsync(args, options, interval, stopAfter, ClientHost.Environment.Process, Console.Error, token, database);
    }

    /// <summary>The broker endpoint from <c>--amqp</c> (or KISRT_AMQP), its password from <paramref name="passwordFile"/> (or
    /// KISRT_AMQP_PASSWORD_FILE, KISRT_AMQP_PASSWORD) when the URI names only the user: a password on the command line is
    /// in every <c>ps</c> listing.</summary>
    internal static KisGatewayEndpoint Endpoint(string? amqp, string? ns, string? caFile = null, string? passwordFile = null,
        Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        amqp ??= environment("KISRT_AMQP");
        caFile ??= environment("KISRT_AMQP_CA");
        var endpoint = KisGatewayEndpoint.Default;
        if (!string.IsNullOrEmpty(amqp))
        {
            // Not echoed: the URI may carry a password.
            if (!Uri.TryCreate(amqp, UriKind.Absolute, out var uri) || uri.Scheme is not ("amqp" or "amqps"))
                throw new CliUsageException("--amqp: not an amqp:// or amqps:// URI.");
            endpoint = endpoint
                with { AmqpUri = BrokerPassword.Apply(uri, passwordFile ?? environment("KISRT_AMQP_PASSWORD_FILE"), environment("KISRT_AMQP_PASSWORD")) };
        }
        else if (passwordFile is not null) throw new CliUsageException(
            "--amqp-password-file: give the broker's URI with its user too (--amqp amqp://USER@host:5672/).");
        endpoint = GatewayConnection.WithCa(endpoint, caFile);
        return string.IsNullOrEmpty(ns) ? endpoint : endpoint with { Namespace = ns };
    }

    /// <summary>Runs the gateway until cancelled (Ctrl+C) or <paramref name="stopAfter"/>; prints a status line every <paramref name="interval"/>.</summary>
    internal static async Task<int> RunAsync(ConnectionArgs connection, KisGatewayOptions options, TimeSpan interval, TimeSpan? stopAfter,
        ClientHost.Environment environment, TextWriter status, CancellationToken cancellationToken, GatewayPostgresSettings? postgres = null)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (stopAfter is { } limit) stop.CancelAfter(limit);
        try
        {
            await RefuseOtherRetentionAsync(options, stop.Token).ConfigureAwait(false); // before the election: a standby never meets it at takeover
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return await StoppedDuringStartupAsync(status, "checking the streams' retention").ConfigureAwait(false);
        }
        GatewayStreamFollower? sink = null;
        // The writer's own log (database lost and back, gaps) beside the gateway's, from --log-level (default warning).
        using var historyLog = postgres is null ? null
            : Hosting.StderrLoggerProvider.CreateFactory(status, Hosting.StderrLoggerProvider.ParseLevel(connection.LogLevel));
        if (postgres is not null)
        {
            // In process, not a separate command: the gateway knows which TR streams exist (it declares them), and one
            // command keeps one lifetime. The writer reads the streams, not the gateway's pumps: an outage drops nothing.
            var writer = new KisPostgresStreamWriter(KisPostgresStreamWriterOptions.Default with
            {
                Endpoint = options.Endpoint,
                ConnectionString = RecordCommand.CheckConnectionString(postgres.ConnectionString),
                Schema = postgres.Schema,
                RetryDelay = postgres.RetryDelay,
                LoggerFactory = historyLog,
                WaitForDatabase = true, // history is optional: a database down at start is waited for, publishing goes on
            });
            try
            {
                await writer.StartAsync(stop.Token).ConfigureAwait(false); // unreachable or refused: fail now, before KIS and the broker
            }
            catch (Exception e)
            {
                await writer.DisposeAsync().ConfigureAwait(false);
                if (e is OperationCanceledException && stop.IsCancellationRequested)
                    return await StoppedDuringStartupAsync(status, "checking PostgreSQL").ConfigureAwait(false);
                if (e is Npgsql.NpgsqlException)
                    throw new CliRunException($"--postgres: PostgreSQL database {writer.DatabaseName()} refused the history writer: {e.Message}", e);
                throw;
            }
            sink = new GatewayStreamFollower(writer);
            options = options with { Sinks = [.. options.Sinks, sink] };
            var once = writer.DatabaseReached.IsCompleted ? "" : " (once the database is reachable: see the warning above)";
            await status.WriteLineAsync($"kisrt gateway: storing every stream into PostgreSQL {PostgresRecorder.Describe(postgres.ConnectionString)}, " +
                                        $"schema {postgres.Schema}, run {writer.RunId}{once}");
        }
        // The writer's broker user may not read a stream: stop at once with one line, not run on storing nothing.
        KisConnectionException? readRefused = null;
        _ = sink?.Writer.ReadRefusal.ContinueWith(refusal =>
        {
            readRefused = refusal.Result;
            try { stop.Cancel(); } catch (ObjectDisposedException) { /* the run is over already */ }
        }, TaskScheduler.Default);
        try
        {
            var result = await RunGatewayAsync(connection, options, interval, environment, status, stop, cancellationToken, sink).ConfigureAwait(false);
            if (Volatile.Read(ref readRefused) is { } refused) throw new CliRunException($"PostgreSQL history: {refused.Reason}");
            return result;
        }
        finally
        {
            // What is not committed stays in the streams past the stored offsets: the next run with --postgres stores it.
            if (sink is not null) await sink.Writer.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Refuses, with one line, to run over streams that exist with other retention than <paramref name="options"/>': RabbitMQ
    /// never changes a stream's arguments (a run would keep the old retention, a declaration would fail).
    /// </summary>
    private static async Task RefuseOtherRetentionAsync(KisGatewayOptions options, CancellationToken cancellationToken)
    {
        IReadOnlyList<string> kept;
        try
        {
            kept = await KisGateway.CheckRetentionAsync(options, cancellationToken).ConfigureAwait(false);
        }
        catch (KisConnectionException)
        {
            return; // the broker is not there yet: the election waits for it, and a takeover keeps such streams as they are
        }
        if (kept.Count == 0) return;
        throw new CliUsageException($"--max-age {options.StreamMaxAge} --max-bytes {options.StreamMaxLengthBytes}: stream(s) {string.Join(", ", kept)} exist " +
                                    "with other retention, and RabbitMQ never changes a stream's arguments: start with the values they were created " +
                                    "with and change retention with a policy (rabbitmqctl set_policy, docs/gateway.md \"Changing retention\"), " +
                                    "or delete the streams (their records go).");
    }

    /// <summary>
    /// Joins the namespace's election (<see cref="KisGatewayElection"/>) and runs the gateway while this process is the
    /// active one: a standby holds no KIS session; an active process that loses the lock stops its run and waits again.
    /// </summary>
    private static async Task<int> RunGatewayAsync(ConnectionArgs connection, KisGatewayOptions options, TimeSpan interval,
        ClientHost.Environment environment, TextWriter status, CancellationTokenSource stop, CancellationToken signal, GatewayStreamFollower? sink)
    {
        // The gateway's own log (broker lost, buffer full) beside the library's, from --log-level (default warning).
        using var loggerFactory = Hosting.StderrLoggerProvider.CreateFactory(status, Hosting.StderrLoggerProvider.ParseLevel(connection.LogLevel));
        options = options with { LoggerFactory = loggerFactory };
        await using var election = KisGatewayElection.Start(options);
        var result = CliFailures.Done;
        await SayWhenStandbyAsync(election, options, status, stop.Token).ConfigureAwait(false);
        // A --postgres standby stores meanwhile (its writer follows the active's checkpoints): it says how far it is.
        var endedActive = false;
        var standbyHistory = sink is null ? Task.CompletedTask : GatewayHistory.StandbyHistoryAsync(election, sink.Writer, interval, status, stop.Token);
        // The library's loop (KisGatewayService runs the same): one run per term, standby in between.
        var terms = await election.RunTermsAsync(async (term, token) =>
        {
            var started = DateTime.UtcNow;
            await status.WriteLineAsync($"kisrt gateway: active on namespace {options.Endpoint.Namespace} (term {term}) at {started:HH:mm:ss.fff}");
            using var run = CancellationTokenSource.CreateLinkedTokenSource(token);
            try
            {
                result = await RunActiveAsync(connection, options, interval, environment, status, run, new RunStop(stop.Token, signal), sink,
                        election.DisposeAsync)
                    .ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (run.IsCancellationRequested)
            {
                // Stopped (or the lock lost) while the run was still starting: nothing to report for it.
            }
            endedActive = stop.IsCancellationRequested; // the command ended in this term: the active's end figures are out
            if (!stop.IsCancellationRequested)
                await status.WriteLineAsync(
                    $"kisrt gateway: lost the active lock after {(DateTime.UtcNow - started).TotalSeconds:0.0} s: run stopped, standby again");
        }, stop.Token).ConfigureAwait(false);
        await standbyHistory.ConfigureAwait(false);
        // Ended as a standby with --postgres: the history's figures; behind is a failure, as a lag at the active's end is.
        var historyBehind = sink is not null && !endedActive && await GatewayHistory.EndStandbyHistoryAsync(sink.Writer, status).ConfigureAwait(false);
        // Stopped before this process became active (Ctrl+C, --duration): one clean line, no crash.
        if (terms == 0) result = await StoppedDuringStartupAsync(status, "waiting to become the active gateway").ConfigureAwait(false);
        return historyBehind ? CliFailures.RunFailed : result;
    }

    /// <summary>One run as the active gateway, until <paramref name="run"/> is cancelled (stopped, or the lock lost).</summary>
    /// <param name="handOver">Leaves the election: at a planned stop, as soon as the KIS sessions are released and the records
    /// confirmed, so a standby takes over before this process finishes its history writing.</param>
    private static async Task<int> RunActiveAsync(ConnectionArgs connection, KisGatewayOptions options, TimeSpan interval,
        ClientHost.Environment environment, TextWriter status, CancellationTokenSource run, RunStop stopping, GatewayStreamFollower? sink,
        Func<ValueTask> handOver)
    {
        var stop = run;
        // Wait mode: the gateway's pumps take every record; nothing is dropped before its bounded, counted buffer. Inline:
        // the pumps never block (see KisGateway), so they run on the session's receive thread, a wake-up per record saved.
        ClientHost host;
        try
        {
            host = await ClientHost.StartAsync(connection, environment, status,
                KisFullMode.Wait, stop.Token, tuneOptions: o => o with { InlineDelivery = true }, connect: false).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return await StoppedDuringStartupAsync(status, "connecting to KIS").ConfigureAwait(false); // Ctrl+C, --duration, the lock lost
        }
        await using var hostScope = host;
        // The KIS session and the broker side start together: a takeover waits for the slower of the two, not for both
        // one after the other (issue 45, item 5). Restored claims wait for the session as any subscription does.
        var kisConnected = host.Client.ConnectAsync(stop.Token);
        KisGateway? gateway;
        try
        {
            gateway = await StartRetryingAsync(options, host.Client, status, stop.Token).ConfigureAwait(false);
        }
        catch (Exception)
        {
            _ = kisConnected.ContinueWith(t => t.Exception, TaskScheduler.Default); // its failure, if any, is not the one to report
            throw;
        }
        if (gateway is null)
        {
            _ = kisConnected.ContinueWith(t => t.Exception, TaskScheduler.Default);
            return await StoppedDuringStartupAsync(status, "connecting to the broker").ConfigureAwait(false);
        }
        await using var gatewayScope = gateway;
        try
        {
            await kisConnected.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return await StoppedDuringStartupAsync(status, "connecting to KIS").ConfigureAwait(false);
        }
        if (gateway.PreviousRun is { } previous)
            await status.WriteLineAsync($"kisrt gateway: run {gateway.Run} follows run {previous}: restoring its claims, announcing what it last confirmed");
        await status.WriteLineAsync($"kisrt gateway: run {gateway.Run}, started at {DateTime.UtcNow:HH:mm:ss.fff}, broker {options.Endpoint.DisplayUri}, " +
            $"requests on {options.Endpoint.RequestQueue}, " +
                                    $"records to streams {options.Endpoint.StreamFor("<TR>")}");
        using var ticker = new PeriodicTimer(interval);
        try
        {
            foreach (var spec in connection.Subscriptions.Count > 0 ? host.Subscriptions : [])
            {
                await gateway.HoldAsync(spec.Tr, spec.Key, stop.Token).ConfigureAwait(false);
                await status.WriteLineAsync($"kisrt gateway: holding {spec.Tr.Id} {spec.Key} at {DateTime.UtcNow:HH:mm:ss.fff}");
            }
            while (await ticker.WaitForNextTickAsync(stop.Token).ConfigureAwait(false))
                await status.WriteLineAsync(StatusLine(gateway.Status()) + (sink is null ? "" : GatewayHistory.HistoryLag(sink.Writer)));
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // a normal stop, also while the --sub keys were being held: the figures after this still come
        }
        return await EndRunAsync(gateway, host, options, sink, stopping, handOver, status).ConfigureAwait(false);
    }

    /// <summary>The command's summary, before its final figures: how long the run lasted, what it took in and got confirmed.</summary>
    internal static string EndSummary(GatewayStatus end, TimeSpan ran, bool failed) =>
        $"kisrt gateway: stopped after {ran.TotalSeconds:0.0} s (run {end.Run}): received {end.Received}, confirmed {end.Confirmed}, " +
        $"overflowed {end.Overflowed}, registrations held at the end {end.Registrations.Count}; " +
        (end.KisReconnectGaps > 0 ? $"{end.KisReconnectGaps} gaps announced where a KIS session reconnected (records KIS sent while it was away); " : "") +
        (failed ? $"not everything was published and stored: {Math.Max(0, end.Received - end.Overflowed - end.StopDropped - end.Confirmed)} received " +
                  "and not confirmed by the broker" +
                  (end.StopDropped > 0 ? $", dropped at the stop's bound {end.StopDropped} (its budget spent before the broker confirmed them; " +
                                         "the next run announces where the streams end)" : "") + " (figures above)"
            : "every record published and confirmed");

    /// <summary>Cancelled (Ctrl+C, --duration) before the gateway ran: a clean exit with the (empty) figures, no crash.</summary>
    /// <summary>
    /// A start fault worth another try while this process holds the lock: the broker unreachable or a connection or channel
    /// closed under a call. A broker's answer that the request itself is wrong (404 NOT_FOUND, 406 PRECONDITION_FAILED: a
    /// stream declared with other arguments, say) would be wrong again, so it ends the start with its one line instead.
    /// </summary>
    private static bool IsRetriedStartFault(KisConnectionException e)
    {
        for (var x = e.InnerException; x is not null; x = x.InnerException)
            if (x is RabbitMQ.Client.Exceptions.OperationInterruptedException { ShutdownReason.ReplyCode: var code }
                && code is RabbitMQ.Client.Constants.NotFound or RabbitMQ.Client.Constants.PreconditionFailed)
                return false;
        return true;
    }

    internal static async Task<int> StoppedDuringStartupAsync(TextWriter status, string phase)
    {
        await status.WriteLineAsync($"kisrt gateway: stopped while {phase}, before the gateway ran: received 0, published 0.").ConfigureAwait(false);
        return CliFailures.Done;
    }

    internal static string StatusLine(GatewayStatus s) =>
        $"kisrt gateway: sessions {s.Sessions.Count(x => x.State == KisConnectionState.Connected)}/{s.Sessions.Count} connected, " +
        $"registrations {s.Registrations.Count}, consumers {s.Consumers}, {s.PublishRate:0.0} records/s, received {s.Received}, confirmed {s.Confirmed}, " +
        $"{s.RecordsPerMessage:0.0} records a message, " +
        $"buffer {s.BufferDepth}/{s.BufferCapacity}, confirms outstanding {s.ConfirmsOutstanding}, overflowed {s.Overflowed}, republished {s.Republished}, " +
        $"broker {Broker(s)}" +
        string.Concat(s.Sinks.Select(x => $", {Short(x.Name)} committed {x.Committed}, lag {x.Lag}, dropped {x.Dropped}, retries {x.Retries}"));

    /// <summary>The broker's state as the status lines say it: a blocked connection is connected, yet publishes nothing.</summary>
    internal static string Broker(GatewayStatus s) =>
        !s.BrokerConnected ? s.BrokerProblem is { } problem ? $"DISCONNECTED ({problem})" : "DISCONNECTED"
        : s.BrokerBlocked is { } reason ? $"BLOCKED ({reason}, since {s.BrokerBlockedSince:HH:mm:ss})" : "connected";

    private static string Short(string sink) => sink == "postgres" ? "pg" : sink;
}

/// <summary><c>kisrt gateway --postgres CONN [--pg-schema kis]</c>; <paramref name="RetryDelay"/>: the writer's fixed wait between attempts.</summary>
internal sealed record GatewayPostgresSettings(string ConnectionString, string Schema = "kis")
{
    public TimeSpan RetryDelay { get; init; } = KisPostgresStreamWriterOptions.Default.RetryDelay;

    /// <summary>The connection string without its password: a record's ToString ends up in test output and logs.</summary>
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append($"ConnectionString = {Masked.ConnectionString(ConnectionString)}, Schema = {Schema}, RetryDelay = {RetryDelay}");
        return true;
    }
}
