using System.CommandLine;
using System.Diagnostics;
using Kis.Realtime.Cli.Configuration;
using Kis.Realtime.Cli.IO;
using Kis.Realtime.Internal;
using Kis.Realtime.PostgreSql.Internal;

namespace Kis.Realtime.Cli.Commands;

/// <summary>What <c>kisrt record</c> does besides connecting.</summary>
/// <param name="Count">Stop at the message that brings the records to this many (see <see cref="RecordCountLimit"/>).</param>
/// <param name="Duration">Stop after this long.</param>
/// <param name="StatusInterval">How often the status line is printed.</param>
/// <param name="Limits">Batching, fsync interval and queue bound.</param>
/// <param name="Postgres">Npgsql connection string: also (or only) record into PostgreSQL.</param>
/// <param name="PostgresSchema">The PostgreSQL schema of the tables.</param>
internal sealed record RecordSettings(long? Count = null, TimeSpan? Duration = null, TimeSpan? StatusInterval = null, RecorderLimits? Limits = null,
    string? Postgres = null, string PostgresSchema = "kis")
{
    /// <summary>The connection string without its password: a record's ToString ends up in test output and logs.</summary>
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append($"Count = {Count}, Duration = {Duration}, StatusInterval = {StatusInterval}, Limits = {Limits}, ");
        builder.Append($"Postgres = {Masked.ConnectionString(Postgres)}, PostgresSchema = {PostgresSchema}");
        return true;
    }
}

/// <summary>
/// <c>kisrt record --sub … --out DIR</c>: every message exactly as received (with receive timestamps) into
/// <c>DIR/yyyy-MM-dd/raw.log</c>, and the decoded records into <c>DIR/yyyy-MM-dd/TR_ID.jsonl</c>, through
/// <see cref="RawRecorder"/>: bounded batches handed to the OS before they are counted as written, fsync once a second,
/// a bounded queue that holds the session back rather than drop, torn last lines of a killed run isolated on restart.
/// </summary>
internal static class RecordCommand
{
    /// <summary>The raw file's name inside each day folder (readable by <c>kisrt decode</c> and <c>kisrt sim --replay</c>).</summary>
    public const string RawFileName = RawRecorder.RawFileName;

    /// <summary>Opens the database once before any subscription; a failure names --postgres and where it pointed.</summary>
    private static async Task CheckPostgresAsync(PostgresRecorder database, string connectionString, CancellationToken cancellationToken)
    {
        try
        {
            await database.CheckAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new CliRunException($"--postgres: could not use PostgreSQL at {PostgresRecorder.Describe(connectionString)}: {e.Message}", e);
        }
    }

    // The subscriptions only carry back-pressure (their records are recorded from the raw tap), so their buffers stay
    // small: they are part of how far the session can run ahead of a full queue.
    private const int SubscriptionCapacity = 1024;

    public static Command Create()
    {
        var connection = new ConnectionOptions();
        var output = new Option<string?>("--out") { Description = "folder to record into (created if missing); --out, --postgres or both" };
        var postgres = new Option<string?>("--postgres") { Description = "also (or only) record into PostgreSQL: an Npgsql connection string, e.g. " +
            "\"Host=127.0.0.1;Username=kisrt;Password=kisrt;Database=kisrt\"" };
        var pgSchema = new Option<string>("--pg-schema") { Description = "PostgreSQL schema of the tables (created if missing)", DefaultValueFactory = _
            => "kis" };
        var count = new Option<long?>("--count") { Description = "stop after this many records" };
        var duration = new Option<string?>("--duration") { Description = "stop after this long, e.g. 60s" };
        var status = new Option<string?>("--status-interval") { Description = "how often the status line is printed (default 1s)" };
        var fsync = new Option<string?>("--fsync-interval") { Description = "fsync written files at most this long after writing them (default 1s)" };
        var queue = new Option<int?>("--max-queue-mb") { Description = "messages held in memory before the session is made to wait (default 64)" };
        var command = new Command("record", "Record raw messages and decoded JSON Lines per TR, rotated daily, losing nothing.")
            { output, postgres, pgSchema, count, duration, status, fsync, queue };
        connection.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var limits = RecorderLimits.Default;
            if (parse.GetValue(fsync) is { } f) limits = limits with { SyncInterval = Positive(Duration.Parse(f, "--fsync-interval"), "--fsync-interval") };
            if (parse.GetValue(queue) is { } mb)
                limits = limits with { QueueLimitBytes = mb > 0 ? (long)mb << 20 : throw new CliUsageException("--max-queue-mb must be positive.") };
            var settings = new RecordSettings(parse.GetValue(count),
                parse.GetValue(duration) is { } d ? Duration.ParseRunLength(d, "--duration") : null,
                parse.GetValue(status) is { } s ? Positive(Duration.Parse(s, "--status-interval"), "--status-interval") : null,
                limits, parse.GetValue(postgres), parse.GetValue(pgSchema)!);
            return await RunAsync(connection.Read(parse), parse.GetValue(output), settings, ClientHost.Environment.Process, Console.Error, ct);
        });
        return command;
    }

    /// <summary><paramref name="connectionString"/> when Npgsql can read it (a <c>--postgres</c> usage error otherwise).</summary>
    public static string CheckConnectionString(string connectionString)
    {
        try
        {
            return PostgresRecorder.CheckConnectionString(connectionString);
        }
        catch (ArgumentException e)
        {
            throw new CliUsageException($"--postgres: {CliFailures.WithoutParameter(e)}");
        }
    }

    private static TimeSpan Positive(TimeSpan value, string option) =>
        value > TimeSpan.Zero ? value : throw new CliUsageException($"{option} must be positive.");

    public static Task<int> RunAsync(ConnectionArgs connection, string directory, long? count, TimeSpan? duration,
        ClientHost.Environment environment, TextWriter stderr, CancellationToken cancellationToken) =>
        RunAsync(connection, directory, new RecordSettings(count, duration), environment, stderr, cancellationToken);

    public static async Task<int> RunAsync(ConnectionArgs connection, string? directory, RecordSettings settings,
        ClientHost.Environment environment, TextWriter stderr, CancellationToken cancellationToken)
    {
        var count = settings.Count;
        if (count is <= 0) throw new CliUsageException("--count must be positive.");
        if (directory is null && settings.Postgres is null) throw new CliUsageException("give --out DIR, --postgres CONNECTION, or both.");
        if (settings.Postgres is not null) CheckConnectionString(settings.Postgres);
        var createdOut = directory is not null && OutputFolder.Create(directory);
        await using var run = await ClientRun.StartAsync(() => ClientHost.StartAsync(connection, environment, stderr, KisFullMode.Wait, cancellationToken,
            // A slow disk holds the session back for as long as it takes; ending the subscriptions would lose data.
            tuneOptions: options => options with { SubscriptionCapacity = SubscriptionCapacity, SlowConsumerTimeout = TimeSpan.FromHours(1) }),
            settings.Duration, stderr, cancellationToken);
        if (run is null)
        {
            OutputFolder.RemoveIfUnused(directory, createdOut);
            return CliFailures.Done; // Ctrl+C while connecting
        }
        var (host, stop) = (run.Host, run.Stop);
        var client = host.Client;

        var (files, database) = await OpenWritersAsync(directory, settings, stderr, cancellationToken);
        RecordQueue[] queues = [.. new[] { files?.Queue, database?.Queue }.OfType<RecordQueue>()];

        // The raw tap starts buffering now, before any subscription: every reply and frame is kept, and the decoded
        // files are made from exactly these messages (as `kisrt decode` would), so raw and decoded always agree.
        // The tap, its drain and the writers run until the tap ends (the client stops), not until the caller's token.
        var raw = client.ReadRawMessagesAsync(CancellationToken.None).GetAsyncEnumerator(CancellationToken.None);
        var countLimit = count is { } n ? new RecordCountLimit(n, stop.Cancel) : null;
        if (countLimit is not null) raw = countLimit.Apply(raw);
        var drainTask = Task.Run(() => RawRecorder.DrainAsync(raw, queues), CancellationToken.None);
        using var giveUp = new CancellationTokenSource(); // ends database retries some time after the run stops
        var writers = new List<Task>();
        // --count stops the run where the tap is drained (countLimit): the writers then write what it passed.
        if (files is not null) writers.Add(Task.Run(() => files.WriteAsync(), CancellationToken.None));
        if (database is not null) writers.Add(Task.Run(() => database.WriteAsync(giveUp.Token), CancellationToken.None));
        // A failing writer must stop the run at once (and be reported), not leave a status line that looks alive.
        foreach (var writer in writers)
            _ = writer.ContinueWith(_ => stop.Cancel(), CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);

        // Subscriptions hold the registrations; their records are already in the raw stream. Each record waits while
        // a writer's queue is over its limit: that is the back-pressure that keeps memory bounded.
        var pumps = host.PumpSubscriptions(async (_, token) =>
        {
            foreach (var queue in queues) await queue.WaitForRoomAsync(token);
        }, stderr, stop.Token);

        var started = Stopwatch.StartNew();
        var interactive = ReferenceEquals(stderr, Console.Error) && !Console.IsErrorRedirected;
        try
        {
            await ShowStatusUntilStoppedAsync(client, files, database, settings.StatusInterval ?? TimeSpan.FromSeconds(1), interactive, stderr, stop.Token);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Ctrl+C, --duration or --count.
        }
        finally
        {
            stop.Cancel();
            await Task.WhenAll(pumps);
            // Releases registrations and closes the session; the raw tap then completes, after the last message
            // received, and the writers write (files: and sync) everything they were given.
            await host.DisposeAsync();
            await drainTask;
            giveUp.CancelAfter(DatabaseGraceAtExit);
            // A failed writer (a full disk) is reported after the summary: what was received and not written is counted.
            await Task.WhenAll(writers).ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        }
        var writeFailure = writers.Where(w => w.IsFaulted).Select(w => w.Exception!.InnerException ?? w.Exception).FirstOrDefault();

        if (interactive) await stderr.WriteLineAsync();
        var stats = client.Statistics;
        await WriteSummaryAsync(stats, files, database, directory, settings, started.Elapsed, writeFailure is not null, stderr);
        if (countLimit is { } limit && limit.PassedRecords >= limit.Limit) await stderr.WriteLineAsync("kisrt: " + limit.Describe());
        await stderr.WriteLineAsync($"kisrt: {ClientHost.LossCounters(stats, ", ", perTr: true)}");
        if (ClientHost.LargestGaps(stats) is { } gaps) await stderr.WriteLineAsync("kisrt: " + gaps);
        if (count is null && host.SilentSubscriptions(started.Elapsed) is { } silent) await stderr.WriteLineAsync("kisrt: " + silent);
        if (writeFailure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(writeFailure);
        return host.ExitCode;
    }

    // The files' and the database's writers; an unreachable or refusing database fails here, before any subscription.
    private static async Task<(RawRecorder? Files, PostgresRecorder? Database)> OpenWritersAsync(string? directory, RecordSettings settings,
        TextWriter stderr, CancellationToken cancellationToken)
    {
        var limits = settings.Limits ?? RecorderLimits.Default;
        Action<string> notice = m => stderr.WriteLine("kisrt: " + m);
        var files = directory is null ? null : new RawRecorder(directory, limits, notice);
        var database = settings.Postgres is null ? null : new PostgresRecorder(settings.Postgres, settings.PostgresSchema, limits.QueueLimitBytes, notice);
        if (database is not null)
        {
            await CheckPostgresAsync(database, settings.Postgres!, cancellationToken); // unreachable or refused: fail now, before any subscription
            await stderr.WriteLineAsync(
                $"kisrt: recording into PostgreSQL {PostgresRecorder.Describe(settings.Postgres!)}, schema {settings.PostgresSchema}, run {database.RunId}");
        }
        return (files, database);
    }

    // The status line every interval until the run stops (Ctrl+C, --duration or --count).
    private static async Task ShowStatusUntilStoppedAsync(KisRealtimeClient client, RawRecorder? files, PostgresRecorder? database, TimeSpan interval,
        bool interactive, TextWriter stderr, CancellationToken stop)
    {
        long recordsAtLastStatus = 0;
        var lastStatus = Stopwatch.StartNew();
        using var timer = new PeriodicTimer(interval);
        while (await timer.WaitForNextTickAsync(stop))
        {
            var records = files?.WrittenRecords ?? database!.CommittedRecords;
            var rate = (records - recordsAtLastStatus) / Math.Max(lastStatus.Elapsed.TotalSeconds, 1e-3);
            recordsAtLastStatus = records;
            lastStatus.Restart();
            var line = StatusLine(client, files, database, rate);
            if (interactive) await stderr.WriteAsync("\r" + line.PadRight(150));
            else await stderr.WriteLineAsync(line);
        }
    }

    // What each writer wrote (or, after a write failure, what it did not) against what the session received.
    private static async Task WriteSummaryAsync(KisRealtimeStatistics stats, RawRecorder? files, PostgresRecorder? database, string? directory,
        RecordSettings settings, TimeSpan ran, bool writeFailed, TextWriter stderr)
    {
        var undecodable = files?.DecodeErrors ?? database!.DecodeErrors;
        if (files is not null && writeFailed)
            await stderr.WriteLineAsync($"kisrt: writing stopped: {files.WrittenRecords:N0} records and {files.WrittenMessages:N0} raw messages written into " +
                $"{Path.GetFullPath(directory!)} (synced {files.SyncedRecords:N0} records); " +
                $"received {stats.RecordsReceived:N0} records in {stats.MessagesReceived:N0} messages; " +
                $"not written {Math.Max(0, stats.MessagesReceived - files.WrittenMessages):N0} raw messages " +
                $"({Math.Max(0, stats.RecordsReceived - files.WrittenRecords):N0} records)");
        else if (files is not null)
            await stderr.WriteLineAsync($"kisrt: recorded {files.WrittenRecords:N0} records and {files.WrittenMessages:N0} raw messages into " +
                $"{Path.GetFullPath(directory!)} in {ran.TotalSeconds:0.0} s (all synced); " +
                $"received {stats.RecordsReceived:N0} records in {stats.MessagesReceived:N0} messages; " +
                $"undecodable {undecodable}, reconnects {stats.Reconnects}, queue peak {Megabytes(files.Queue.PeakBytes)}, " +
                $"waited for disk {files.Queue.Waits:N0} times ({files.Queue.WaitedTime.TotalSeconds:0.0} s), torn lines isolated {files.TornLinesIsolated}");
        if (database is not null)
            await stderr.WriteLineAsync($"kisrt: committed {database.CommittedRecords:N0} records and {database.CommittedMessages:N0} raw messages to " +
                $"PostgreSQL {PostgresRecorder.Describe(settings.Postgres!)} (schema {settings.PostgresSchema}, run {database.RunId}) " +
                $"in {ran.TotalSeconds:0.0} s; received {stats.RecordsReceived:N0} records in {stats.MessagesReceived:N0} messages; " +
                $"undecodable {database.DecodeErrors}, retries {database.Retries}, queue peak {Megabytes(database.Queue.PeakBytes)}, " +
                $"waited for the database {database.Queue.Waits:N0} times ({database.Queue.WaitedTime.TotalSeconds:0.0} s)");
    }

    // After the run stops, an unreachable database gets this long to come back before its queue is given up (reported).
    private static readonly TimeSpan DatabaseGraceAtExit = TimeSpan.FromSeconds(30);

    /// <summary>
    /// "written" = handed to the OS (survives the process being killed); "synced" = fsynced (survives a power loss);
    /// "queue" = received, not yet written.
    /// </summary>
    private static string StatusLine(KisRealtimeClient client, RawRecorder? files, PostgresRecorder? database, double rate)
    {
        var line = new System.Text.StringBuilder($"{client.State}  ");
        if (files is not null)
            line.Append($"written {files.WrittenRecords:N0} records ({rate:N0}/s) raw {files.WrittenMessages:N0}  synced {files.SyncedRecords:N0}  " +
                        $"queue {Megabytes(files.Queue.QueuedBytes)}/{Megabytes(files.Queue.LimitBytes)}  waited {files.Queue.Waits:N0}x " +
                        $"{files.Queue.WaitedTime.TotalSeconds:0.0}s  ");
        if (database is not null)
            line.Append($"pg committed {database.CommittedRecords:N0} records{(files is null ? $" ({rate:N0}/s)" : "")} raw {database.CommittedMessages:N0}  " +
                        $"pg queue {Megabytes(database.Queue.QueuedBytes)}  retries {database.Retries}  ");
        line.Append(
            $"undecodable {files?.DecodeErrors ?? database!.DecodeErrors}  dropped {client.Statistics.Dropped}  reconnects {client.Statistics.Reconnects}");
        return line.ToString();
    }

    private static string Megabytes(long bytes) => $"{bytes / 1048576.0:0.#} MB";
}
