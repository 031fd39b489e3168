using System.Buffers;
using System.CommandLine;
using System.Diagnostics;
using Kis.Realtime.Cli.Configuration;
using Kis.Realtime.Cli.IO;
using Kis.Realtime.Formatting;

namespace Kis.Realtime.Cli.Commands;

/// <summary>
/// <c>kisrt record --sub … --out DIR</c>: every message exactly as received (with receive timestamps) into
/// <c>DIR/yyyy-MM-dd/raw.log</c>, and the decoded records into <c>DIR/yyyy-MM-dd/TR_ID.jsonl</c>. Lossless: both
/// files are written from the client's raw tap, whose buffer is unbounded (a disk slower than the feed costs memory,
/// never messages), and every batch is handed to the OS before the next is read.
/// </summary>
internal static class RecordCommand
{
    /// <summary>The raw file's name inside each day folder (readable by <c>kisrt decode</c> and <c>kisrt sim --replay</c>).</summary>
    public const string RawFileName = "raw.log";

    public static Command Create()
    {
        var connection = new ConnectionOptions();
        var output = new Option<string>("--out") { Description = "folder to record into (created if missing)", Required = true };
        var count = new Option<long?>("--count") { Description = "stop after this many records" };
        var duration = new Option<string?>("--duration") { Description = "stop after this long, e.g. 60s" };
        var command = new Command("record", "Record raw messages and decoded JSON Lines per TR, rotated daily, losing nothing.") { output, count, duration };
        connection.AddTo(command);
        command.SetAction(async (parse, ct) => await RunAsync(connection.Read(parse), parse.GetValue(output)!, parse.GetValue(count),
            parse.GetValue(duration) is { } d ? Configuration.Duration.Parse(d, "--duration") : null,
            ClientHost.Environment.Process, Console.Error, ct));
        return command;
    }

    public static async Task<int> RunAsync(ConnectionArgs connection, string directory, long? count, TimeSpan? duration,
        ClientHost.Environment environment, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (count is <= 0) throw new Configuration.CliUsageException("--count must be positive.");
        OutputFolder.Create(directory);
        ClientHost host;
        try
        {
            host = await ClientHost.StartAsync(connection, environment, stderr, KisFullMode.Wait, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return CliFailures.Done; // Ctrl+C while connecting
        }
        await using var hostScope = host;
        var client = host.Client;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (duration is { } limit) stop.CancelAfter(limit);

        // The raw tap starts buffering now, before any subscription: every reply and frame is kept, and the decoded
        // files are made from exactly these messages (as `kisrt decode` would), so raw and decoded always agree.
        var raw = client.ReadRawMessagesAsync(CancellationToken.None);
        var recorder = new Recorder(directory, count, stop);
        var rawTask = Task.Run(() => recorder.RunAsync(raw));
        // A failing disk must stop the run at once (and be reported), not leave a status line that looks alive.
        _ = rawTask.ContinueWith(_ => stop.Cancel(), CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);

        // Subscriptions hold the registrations; their records are already in the raw stream, so they are drained.
        var pumps = host.PumpSubscriptions(static (_, _) => ValueTask.CompletedTask, stderr, stop.Token);

        var started = Stopwatch.StartNew();
        var interactive = ReferenceEquals(stderr, Console.Error) && !Console.IsErrorRedirected;
        long recordsAtLastStatus = 0;
        try
        {
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
            while (await timer.WaitForNextTickAsync(stop.Token))
            {
                var records = recorder.Records;
                var line = $"{client.State}  records {records:N0} ({records - recordsAtLastStatus:N0}/s)  raw {recorder.RawMessages:N0}  undecodable {recorder.DecodeErrors}  dropped {client.Statistics.Dropped}  reconnects {client.Statistics.Reconnects}";
                recordsAtLastStatus = records;
                if (interactive) await stderr.WriteAsync("\r" + line.PadRight(110));
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
            // received, and the recorder writes everything it was given.
            await host.DisposeAsync();
            await rawTask;
        }

        if (interactive) await stderr.WriteLineAsync();
        var stats = client.Statistics;
        await stderr.WriteLineAsync($"kisrt: recorded {recorder.Records:N0} records and {recorder.RawMessages:N0} raw messages into {Path.GetFullPath(directory)} in {started.Elapsed.TotalSeconds:0.0} s; " +
            $"received {stats.RecordsReceived:N0} records in {stats.MessagesReceived:N0} messages; undecodable {recorder.DecodeErrors}, reconnects {stats.Reconnects}");
        return host.ExitCode;
    }

    /// <summary>Writes raw lines and decoded JSON Lines from the raw tap, one batch per wake-up, committed to the OS per batch.</summary>
    private sealed class Recorder(string directory, long? count, CancellationTokenSource stop)
    {
        private long _records, _raw, _errors;
        public long Records => Interlocked.Read(ref _records);
        public long RawMessages => Interlocked.Read(ref _raw);
        public long DecodeErrors => Interlocked.Read(ref _errors);

        public async Task RunAsync(IAsyncEnumerable<RawMessage> raw)
        {
            using var files = new DailyFiles(directory);
            var decoders = new Dictionary<int, FrameToJson>(); // notice keys are per session
            try
            {
                await using var e = raw.GetAsyncEnumerator(CancellationToken.None);
                // Whatever is already buffered is written as one batch, then committed before waiting for more.
                var next = e.MoveNextAsync();
                var done = false;
                while (!done && await next)
                {
                    while (true)
                    {
                        Write(e.Current, files, decoders);
                        next = e.MoveNextAsync();
                        if (!next.IsCompleted) break;
                        if (!next.GetAwaiter().GetResult())
                        {
                            done = true;
                            break;
                        }
                    }
                    files.Commit();
                    if (Records >= count) stop.Cancel();
                }
            }
            finally
            {
                foreach (var d in decoders.Values) d.Dispose();
            }
        }

        private void Write(RawMessage m, DailyFiles files, Dictionary<int, FrameToJson> decoders)
        {
            var message = m.Data.Span;
            RawMessageLine.Write(files.For(RawFileName, m.ReceivedAt), m.ReceivedAt, message);
            Interlocked.Increment(ref _raw);
            if (!decoders.TryGetValue(m.SessionIndex, out var decoder)) decoders[m.SessionIndex] = decoder = new FrameToJson();
            var outcome = decoder.Decode(message, tr => files.For(tr.Id + ".jsonl", m.ReceivedAt), out _,
                receivedAt: m.ReceivedAt, keyFromFirstField: true);
            if (outcome == FrameToJson.Outcome.Error) Interlocked.Increment(ref _errors);
            else if (outcome == FrameToJson.Outcome.Records) Interlocked.Add(ref _records, decoder.LastRecordCount);
        }
    }
}
