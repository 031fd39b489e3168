using System.CommandLine;
using System.Diagnostics;
using Kis.Realtime.Cli.Configuration;
using Kis.Realtime.Cli.IO;

namespace Kis.Realtime.Cli.Commands;

/// <summary>What <c>kisrt record</c> does besides connecting.</summary>
/// <param name="Count">Stop after this many records written.</param>
/// <param name="Duration">Stop after this long.</param>
/// <param name="StatusInterval">How often the status line is printed.</param>
/// <param name="Limits">Batching, fsync interval and queue bound.</param>
internal sealed record RecordSettings(long? Count = null, TimeSpan? Duration = null, TimeSpan? StatusInterval = null, RecorderLimits? Limits = null);

/// <summary>
/// <c>kisrt record --sub … --out DIR</c>: every message exactly as received (with receive timestamps) into
/// <c>DIR/yyyy-MM-dd/raw.log</c>, and the decoded records into <c>DIR/yyyy-MM-dd/TR_ID.jsonl</c>, through
/// <see cref="RawRecorder"/>: bounded batches handed to the OS before they are counted as written, fsync once a second,
/// a bounded queue that holds the session back rather than drop, torn last lines of a killed run isolated on restart.
/// </summary>
internal static class RecordCommand
{
    /// <summary>The raw file's name inside each day folder (readable by <c>kisrt decode</c> and <c>kisrt sim --replay</c>).</summary>
    public const string RawFileName = "raw.log";

    // The subscriptions only carry back-pressure (their records are recorded from the raw tap), so their buffers stay
    // small: they are part of how far the session can run ahead of a full queue.
    private const int SubscriptionCapacity = 1024;

    public static Command Create()
    {
        var connection = new ConnectionOptions();
        var output = new Option<string>("--out") { Description = "folder to record into (created if missing)", Required = true };
        var count = new Option<long?>("--count") { Description = "stop after this many records" };
        var duration = new Option<string?>("--duration") { Description = "stop after this long, e.g. 60s" };
        var status = new Option<string?>("--status-interval") { Description = "how often the status line is printed (default 1s)" };
        var fsync = new Option<string?>("--fsync-interval") { Description = "fsync written files at most this long after writing them (default 1s)" };
        var queue = new Option<int?>("--max-queue-mb") { Description = "messages held in memory before the session is made to wait (default 64)" };
        var command = new Command("record", "Record raw messages and decoded JSON Lines per TR, rotated daily, losing nothing.")
            { output, count, duration, status, fsync, queue };
        connection.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var limits = RecorderLimits.Default;
            if (parse.GetValue(fsync) is { } f) limits = limits with { SyncInterval = Positive(Duration.Parse(f, "--fsync-interval"), "--fsync-interval") };
            if (parse.GetValue(queue) is { } mb)
                limits = limits with { QueueLimitBytes = mb > 0 ? (long)mb << 20 : throw new CliUsageException("--max-queue-mb must be positive.") };
            var settings = new RecordSettings(parse.GetValue(count),
                parse.GetValue(duration) is { } d ? Duration.Parse(d, "--duration") : null,
                parse.GetValue(status) is { } s ? Positive(Duration.Parse(s, "--status-interval"), "--status-interval") : null,
                limits);
            return await RunAsync(connection.Read(parse), parse.GetValue(output)!, settings, ClientHost.Environment.Process, Console.Error, ct);
        });
        return command;
    }

    private static TimeSpan Positive(TimeSpan value, string option) =>
        value > TimeSpan.Zero ? value : throw new CliUsageException($"{option} must be positive.");

    public static Task<int> RunAsync(ConnectionArgs connection, string directory, long? count, TimeSpan? duration,
        ClientHost.Environment environment, TextWriter stderr, CancellationToken cancellationToken) =>
        RunAsync(connection, directory, new RecordSettings(count, duration), environment, stderr, cancellationToken);

    public static async Task<int> RunAsync(ConnectionArgs connection, string directory, RecordSettings settings,
        ClientHost.Environment environment, TextWriter stderr, CancellationToken cancellationToken)
    {
        var count = settings.Count;
        if (count is <= 0) throw new CliUsageException("--count must be positive.");
        Directory.CreateDirectory(directory);
        await using var host = await ClientHost.StartAsync(connection, environment, stderr, KisFullMode.Wait, null, cancellationToken,
            // A slow disk holds the session back for as long as it takes; ending the subscriptions would lose data.
            options => options with { SubscriptionCapacity = SubscriptionCapacity, SlowConsumerTimeout = TimeSpan.FromHours(1) });
        var client = host.Client;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (settings.Duration is { } limit) stop.CancelAfter(limit);

        var limits = settings.Limits ?? RecorderLimits.Default;
        var recorder = new RawRecorder(directory, limits, m => stderr.WriteLine("kisrt: " + m));
        // The raw tap starts buffering now, before any subscription: every reply and frame is kept, and the decoded
        // files are made from exactly these messages (as `kisrt decode` would), so raw and decoded always agree.
        var raw = client.ReadRawMessagesAsync(CancellationToken.None);
        var drainTask = Task.Run(() => RawRecorder.DrainAsync(raw, recorder.Queue));
        var writeTask = Task.Run(() => recorder.WriteAsync(() =>
        {
            if (recorder.WrittenRecords >= count) stop.Cancel();
        }));
        // A failing disk must stop the run at once (and be reported), not leave a status line that looks alive.
        _ = writeTask.ContinueWith(_ => stop.Cancel(), CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);

        // Subscriptions hold the registrations; their records are already in the raw stream. Each record waits while
        // the recorder's queue is over its limit: that is the back-pressure that keeps memory bounded.
        var pumps = host.PumpSubscriptions((_, token) => recorder.Queue.WaitForRoomAsync(token), stderr, stop.Token);

        var started = Stopwatch.StartNew();
        var interactive = ReferenceEquals(stderr, Console.Error) && !Console.IsErrorRedirected;
        var interval = settings.StatusInterval ?? TimeSpan.FromSeconds(1);
        long recordsAtLastStatus = 0;
        var lastStatus = Stopwatch.StartNew();
        try
        {
            using var timer = new PeriodicTimer(interval);
            while (await timer.WaitForNextTickAsync(stop.Token))
            {
                var records = recorder.WrittenRecords;
                var rate = (records - recordsAtLastStatus) / Math.Max(lastStatus.Elapsed.TotalSeconds, 1e-3);
                recordsAtLastStatus = records;
                lastStatus.Restart();
                var line = StatusLine(client, recorder, rate);
                if (interactive) await stderr.WriteAsync("\r" + line.PadRight(150));
                else await stderr.WriteLineAsync(line);
            }
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
            // received, and the recorder writes and syncs everything it was given.
            await host.DisposeAsync();
            await drainTask;
            await writeTask;
        }

        if (interactive) await stderr.WriteLineAsync();
        var stats = client.Statistics;
        await stderr.WriteLineAsync($"kisrt: recorded {recorder.WrittenRecords:N0} records and {recorder.WrittenMessages:N0} raw messages into {Path.GetFullPath(directory)} in {started.Elapsed.TotalSeconds:0.0} s (all synced); " +
            $"received {stats.RecordsReceived:N0} records in {stats.MessagesReceived:N0} messages; undecodable {recorder.DecodeErrors}, reconnects {stats.Reconnects}, " +
            $"queue peak {Megabytes(recorder.Queue.PeakBytes)}, waited for disk {recorder.Queue.Waits:N0} times ({recorder.Queue.WaitedTime.TotalSeconds:0.0} s), torn lines isolated {recorder.TornLinesIsolated}");
        return host.FailedSubscriptions == 0 ? 0 : 1;
    }

    /// <summary>
    /// "written" = handed to the OS (survives the process being killed); "synced" = fsynced (survives a power loss);
    /// "queue" = received, not yet written.
    /// </summary>
    private static string StatusLine(KisRealtimeClient client, RawRecorder recorder, double rate) =>
        $"{client.State}  written {recorder.WrittenRecords:N0} records ({rate:N0}/s) raw {recorder.WrittenMessages:N0}  synced {recorder.SyncedRecords:N0}  " +
        $"queue {Megabytes(recorder.Queue.QueuedBytes)}/{Megabytes(recorder.Queue.LimitBytes)}  waited {recorder.Queue.Waits:N0}x {recorder.Queue.WaitedTime.TotalSeconds:0.0}s  " +
        $"undecodable {recorder.DecodeErrors}  dropped {client.Statistics.Dropped}  reconnects {client.Statistics.Reconnects}";

    private static string Megabytes(long bytes) => $"{bytes / 1048576.0:0.#} MB";
}
