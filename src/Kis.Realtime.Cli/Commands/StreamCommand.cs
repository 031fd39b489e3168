using System.CommandLine;
using System.Diagnostics;
using Kis.Realtime.Cli.Configuration;
using Kis.Realtime.Cli.Output;

namespace Kis.Realtime.Cli.Commands;

/// <summary>Arguments of <c>kisrt stream</c> besides the connection.</summary>
internal sealed record StreamArgs
{
    public string? Format { get; init; }
    public long? Count { get; init; }
    public TimeSpan? Duration { get; init; }
    public string? OutputDirectory { get; init; }
    /// <summary>OTLP endpoint to export the library's metrics to while streaming.</summary>
    public string? OtlpEndpoint { get; init; }
    /// <summary>KRW amounts in the table: digits (default) or korean (조/억/만).</summary>
    public string? Krw { get; init; }
    /// <summary>How often metrics are exported (default 10 s).</summary>
    public TimeSpan OtlpInterval { get; init; } = TimeSpan.FromSeconds(10);
}

/// <summary><c>kisrt stream</c>: subscribe and show records live (table), or write them as JSON Lines or CSV.</summary>
internal static class StreamCommand
{
    public static Command Create()
    {
        var connection = new ConnectionOptions(feedB: true);
        var format = new Option<string?>("--format") { Description = "table (default on a terminal), jsonl (default otherwise) or csv" };
        var count = new Option<long?>("--count") { Description = "stop after this many records (all subscriptions together)" };
        var duration = new Option<string?>("--duration") { Description = "stop after this long, e.g. 30s or 5m" };
        var output = new Option<string?>("--out") { Description = "csv/jsonl: write one file per TR into this folder instead of standard output" };
        var krw = new Option<string?>("--krw") { Description = "table: KRW amounts as digits (default) or korean (조/억/만, e.g. 1,172억 5,245만원)" };
        var otlp = new Option<string?>("--otlp-endpoint") { Description = "export the library's metrics over OTLP: gRPC URL (http://localhost:4317) or HTTP " +
            "ending in /v1/metrics" };
        var command = new Command("stream", "Stream live records. With no credentials configured, streams all five services from the built-in simulator.")
        {
            format, count, duration, output, krw, otlp,
        };
        connection.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var args = new StreamArgs
            {
                Format = parse.GetValue(format),
                Count = parse.GetValue(count),
                Duration = parse.GetValue(duration) is { } d ? Configuration.Duration.ParseRunLength(d, "--duration") : null,
                OutputDirectory = parse.GetValue(output),
                OtlpEndpoint = parse.GetValue(otlp),
                Krw = parse.GetValue(krw),
            };
            return await RunAsync(connection.Read(parse), args, ClientHost.Environment.Process, IO.StandardOutput.Open(), Console.Error, ct);
        });
        return command;
    }

    // CSV: flushed at most this long after a record while records keep coming, and this long after the last one.
    private static readonly TimeSpan FlushEvery = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan FlushAfterLastRecord = TimeSpan.FromMilliseconds(100);

    // JSON Lines to standard output: written at most this long after a record, or at once when a pipe's worth (64 KB)
    // has collected. At 1,250 records/s that is ~7 writes a second, against 50 with a write every 20 ms.
    private static readonly TimeSpan WriteBehind = TimeSpan.FromMilliseconds(100);

    // What may collect for a slow reader of standard output before records are dropped (and counted); as much again
    // may be in the write under way. Bytes, chunked: the memory held is this, not a multiple of it.
    private const long StandardOutputBound = 16L << 20;

    private static string Shorten(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";

    /// <summary>The live table's caption: the connection, the records and the loss counters.</summary>
    internal static string StatusLine(KisConnectionState state, long records, KisRealtimeStatistics stats, long outputDecodeErrors = 0) =>
        $"{state}  records {records:N0}  {ClientHost.LossCounters(stats, "  ", outputDecodeErrors: outputDecodeErrors)}";

    /// <summary>CSV on standard output has one header, so it holds one TR; several TRs need one file each (--out).</summary>
    private static void CheckCsvToStandardOutput(string format, string? outputDirectory, IReadOnlyList<SubscriptionSpec> specs)
    {
        if (format != "csv" || outputDirectory is not null) return;
        var trs = specs.Select(s => s.Tr.Id).Distinct().ToList();
        if (trs.Count > 1)
            throw new CliUsageException($"--format csv to standard output holds one TR (one header), not {trs.Count} ({string.Join(", ", trs)}): add --out " +
                "DIR for one CSV file per TR, subscribe one TR, or use --format jsonl.");
    }

    public static async Task<int> RunAsync(ConnectionArgs connection, StreamArgs args, ClientHost.Environment environment,
        Stream stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var interactive = !Console.IsOutputRedirected && ReferenceEquals(stderr, Console.Error);
        var format = (args.Format ?? (interactive && args.OutputDirectory is null ? "table" : "jsonl")).ToLowerInvariant();
        if (format is not ("table" or "jsonl" or "csv")) throw new CliUsageException($"--format must be table, jsonl or csv, not '{args.Format}'.");
        if (args.Count is <= 0) throw new CliUsageException("--count must be positive.");
        var display = DisplayFormat.Parse(args.Krw);
        var createdOut = false;
        if (args.OutputDirectory is not null)
        {
            if (format == "table") throw new CliUsageException("--out writes csv or jsonl files: add --format csv or --format jsonl.");
            createdOut = IO.OutputFolder.Create(args.OutputDirectory);
        }
        // Before the client exists, so its instruments are exported from the first record; disposed last (final flush).
        using var metrics = args.OtlpEndpoint is null ? null : Hosting.MetricsExport.Start(args.OtlpEndpoint, args.OtlpInterval);
        if (args.OtlpEndpoint is not null) await stderr.WriteLineAsync(
            $"kisrt: exporting metrics (meter {KisRealtimeClient.MeterName}) to {args.OtlpEndpoint}");

        // The live table owns the terminal: log lines wait (the latest shows in its status line) until it is gone.
        var heldLog = format == "table" && interactive ? new Hosting.HeldLog(stderr) : null;
        await using var run = await ClientRun.StartAsync(() => ClientHost.StartAsync(connection, environment, stderr, Kis.Realtime.KisFullMode.DropOldest,
            cancellationToken,
            specs => CheckCsvToStandardOutput(format, args.OutputDirectory, specs), heldLog,
            // The pumps below only append to the output under a lock: quick enough to run on the receive loop,
            // which saves a thread wake-up per record.
            tuneOptions: o => o with { InlineDelivery = true }), args.Duration, stderr, cancellationToken);
        if (run is null)
        {
            IO.OutputFolder.RemoveIfUnused(args.OutputDirectory, createdOut);
            return CliFailures.Done; // Ctrl+C while connecting
        }
        var (host, stop) = (run.Host, run.Stop);
        var client = host.Source; // with --feed-b-app-key, both sessions merged

        var started = Stopwatch.StartNew();
        // One owner for the output (sink or table) and the counts: the pumps hand records straight to it under this
        // lock (no queue and no thread hop between a subscription and the output); the refresh loop takes it too.
        var gate = new object();
        long lastFlush = 0; // under gate
        long outputDropped = 0; // under gate: records not written because standard output was not read fast enough
        long notWrittenAfterFailure = 0; // under gate: records that came after writing the output failed
        var outputClosed = false; // under gate: set before the sink is disposed (a queued flush may still run)
        Exception? outputFailure = null; // under gate
        long total = 0;
        long outputDecodeErrors = 0; // under gate: records the output refused (a number JSON Lines cannot carry exactly)
        var perTr = new SortedDictionary<string, long>();
        string Status() => StatusLine(client.State, total, client.Statistics, Interlocked.Read(ref outputDecodeErrors))
                            + (heldLog?.Latest is { } latest ? $"  | {Shorten(latest, 100)}" : "");

        // Standard output is written by a background task: the pumps run on the receive loop (inline delivery), which
        // must not block on a pipe nobody reads. Past the bound, records are dropped and counted.
        // JSON lines go out on their own within WriteBehind: no flush signal from the receive loop and no
        // flush timer, each a thread wake-up. CSV goes through a StreamWriter's buffer, which only a flush empties.
        var writeBehind = format == "jsonl" && args.OutputDirectory is null;
        var background = format != "table" && args.OutputDirectory is null
            ? new IO.BackgroundOutput(stdout, StandardOutputBound, writeBehind ? WriteBehind : null, onFailure: OutputFailed)
            : null;
        IRecordSink? sink = format switch
        {
            "jsonl" when background is not null => new JsonLinesSink(background),
            "jsonl" => new PerTrJsonLinesSink(args.OutputDirectory!, m => stderr.WriteLine("kisrt: " + m)),
            "csv" when background is not null => CsvSink.ToWriter(new StreamWriter(background, new System.Text.UTF8Encoding(false)) { AutoFlush = false }),
            "csv" => CsvSink.ToDirectory(args.OutputDirectory!),
            _ => null,
        };
        var table = format == "table" ? new LiveTable(host.Subscriptions, Status, display) : null;
        Func<OutputRecord, bool> handle = table is not null ? r => { table.Update(r); return true; } : r => sink!.Write(r);

        var pumps = host.PumpSubscriptions((r, _) =>
        {
            bool reached;
            try
            {
                lock (gate)
                {
                    if (total >= args.Count || outputClosed) return ValueTask.CompletedTask; // past --count, or stopping
                    if (outputFailure is not null)
                    {
                        notWrittenAfterFailure++; // the run is stopping: the output is gone
                        return ValueTask.CompletedTask;
                    }
                    if (background is { IsFull: true })
                    {
                        if (outputDropped++ == 0) stderr.WriteLine($"kisrt: standard output is not read fast enough: {StandardOutputBound / (1 << 20)} MB " +
                            "wait to be written; records are dropped (counted in the summary) until it catches up.");
                        return ValueTask.CompletedTask;
                    }
                    if (!handle(new OutputRecord(r.Tr, r.TrKey, r.ReceivedAt, r.Data)))
                    {
                        Interlocked.Increment(ref outputDecodeErrors); // counted in the summary's decode errors, never written half
                        return ValueTask.CompletedTask;
                    }
                    total++;
                    perTr[r.Tr.Id] = perTr.GetValueOrDefault(r.Tr.Id) + 1;
                    reached = total >= args.Count;
                }
            }
            catch (Exception e)
            {
                lock (gate) notWrittenAfterFailure++;
                OutputFailed(e);
                return ValueTask.CompletedTask;
            }
            if (reached) stop.Cancel(); // outside the lock: cancellation runs the library's callbacks
            return ValueTask.CompletedTask;
        }, stderr, stop.Token, idle: sink is null || writeBehind ? null : FlushIfDue);
        // Every subscription ended (failed or refused): nothing more will come.
        _ = Task.WhenAll(pumps).ContinueWith(_ => stop.Cancel(), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);

        try
        {
            if (table is not null && interactive)
            {
                heldLog!.Hold();
                try
                {
                    await table.ShowLiveAsync(gate, RefreshUntilStopped);
                }
                finally
                {
                    heldLog.Release();
                }
            }
            else if (table is not null)
            {
                await RefreshUntilStopped(() => stderr.WriteLine(Locked(table.RenderText)), TimeSpan.FromSeconds(1));
                await stderr.WriteLineAsync(Locked(table.RenderText));
            }
            else if (writeBehind)
            {
                await WaitUntilStopped();
            }
            else
            {
                await RefreshUntilStopped(FlushOrStop, FlushAfterLastRecord); // standard output: only signals the writer
            }
        }
        finally
        {
            stop.Cancel(); // leaving the subscriptions releases their registrations
            await Task.WhenAll(pumps);
            lock (gate) outputClosed = true;
            if (sink is not null)
            {
                try
                {
                    await sink.DisposeAsync();
                    if (background is not null) await background.CompleteAsync();
                }
                catch (Exception) when (outputFailure is not null)
                {
                    // the first failure is the one reported
                }
            }
        }
        // A reader that closed the pipe (`| head -1`) is a normal end: the summary says what it did not take.
        var readerGone = IO.StandardOutput.IsClosedByReader(outputFailure);
        if (outputFailure is not null && !readerGone) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(outputFailure);
        if (readerGone) await stderr.WriteLineAsync("kisrt: standard output was closed by its reader; stopped.");

        var byTr = string.Join(", ", perTr.Select(kv => $"{kv.Key} {kv.Value:N0}"));
        var notWritten = outputDropped > 0 ? $", not written (standard output behind) {outputDropped:N0}" : "";
        if (readerGone) notWritten += $", not written (standard output closed) {notWrittenAfterFailure + background!.LinesNotWritten:N0}";
        var stats = client.Statistics;
        await stderr.WriteLineAsync($"kisrt: {total:N0} records ({byTr}) in {started.Elapsed.TotalSeconds:0.0} s; " +
            $"{ClientHost.LossCounters(stats, ", ", perTr: true, outputDecodeErrors)}{notWritten}");
        if (ClientHost.LargestGaps(stats) is { } gaps) await stderr.WriteLineAsync("kisrt: " + gaps);
        if (host.FeedHealth() is { } feeds) await stderr.WriteLineAsync("kisrt: " + feeds);
        // Ended by its reader (`| head -1`) or by --count, the others may simply not have sent yet: no "no records" alarm.
        if (!readerGone && (args.Count is not { } limit || total < limit) && host.SilentSubscriptions(started.Elapsed) is { } silent)
            await stderr.WriteLineAsync("kisrt: " + silent);
        return host.ExitCode;

        // A subscription has handed over all it had: on the receive loop (inline delivery), once per record of a
        // received batch. Flushing each time would be a system call per record; at most one per FlushEvery while records
        // keep coming, and the refresh loop flushes what the last ones left within FlushAfterLastRecord.
        void FlushIfDue()
        {
            try
            {
                lock (gate)
                    if (!outputClosed && Stopwatch.GetElapsedTime(lastFlush) >= FlushEvery) FlushNow();
            }
            catch (Exception e)
            {
                OutputFailed(e);
            }
        }

        void FlushOrStop()
        {
            try
            {
                lock (gate) FlushNow();
            }
            catch (Exception e)
            {
                OutputFailed(e);
            }
        }

        void FlushNow() // under gate
        {
            sink!.Flush();
            lastFlush = Stopwatch.GetTimestamp();
        }

        // Writing the output failed (a closed pipe, a full disk): the run ends and RunAsync throws it, as it would
        // have from its own thread.
        void OutputFailed(Exception e)
        {
            lock (gate) outputFailure ??= e;
            stop.Cancel();
        }

        // Takes the snapshot under the lock and leaves the terminal write outside it: the pumps (on the receive loop)
        // never wait for a terminal.
        T Locked<T>(Func<T> snapshot)
        {
            lock (gate) return snapshot();
        }

        async Task WaitUntilStopped()
        {
            try
            {
                await Task.Delay(Timeout.Infinite, stop.Token);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // a normal stop
            }
        }

        // Keeps what is shown current (table, status) until the run stops (Ctrl+C, --duration, --count, or every
        // subscription ended).
        async Task RefreshUntilStopped(Action refresh, TimeSpan every)
        {
            using var timer = new PeriodicTimer(every);
            try
            {
                while (await timer.WaitForNextTickAsync(stop.Token)) refresh();
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // a normal stop
            }
        }
    }
}
