using System.CommandLine;
using System.Diagnostics;
using System.Threading.Channels;
using Kis.Realtime.Cli.Configuration;
using Kis.Realtime.Cli.Output;
using Spectre.Console;

namespace Kis.Realtime.Cli.Commands;

/// <summary>Arguments of <c>kisrt stream</c> besides the connection.</summary>
internal sealed record StreamArgs
{
    public string? Format { get; init; }
    public long? Count { get; init; }
    public TimeSpan? Duration { get; init; }
    public string? OutputDirectory { get; init; }
}

/// <summary><c>kisrt stream</c>: subscribe and show records live (table), or write them as JSON Lines or CSV.</summary>
internal static class StreamCommand
{
    public static Command Create()
    {
        var connection = new ConnectionOptions();
        var format = new Option<string?>("--format") { Description = "table (default on a terminal), jsonl (default otherwise) or csv" };
        var count = new Option<long?>("--count") { Description = "stop after this many records (all subscriptions together)" };
        var duration = new Option<string?>("--duration") { Description = "stop after this long, e.g. 30s or 5m" };
        var output = new Option<string?>("--out") { Description = "csv/jsonl: write one file per TR into this folder instead of standard output" };
        var command = new Command("stream", "Stream live records. With no credentials configured, streams all five services from the built-in simulator.")
        {
            format, count, duration, output,
        };
        connection.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var args = new StreamArgs
            {
                Format = parse.GetValue(format),
                Count = parse.GetValue(count),
                Duration = parse.GetValue(duration) is { } d ? Configuration.Duration.Parse(d, "--duration") : null,
                OutputDirectory = parse.GetValue(output),
            };
            return await RunAsync(connection.Read(parse), args, ClientHost.Environment.Process, Console.OpenStandardOutput(), Console.Error, ct);
        });
        return command;
    }

    public static async Task<int> RunAsync(ConnectionArgs connection, StreamArgs args, ClientHost.Environment environment,
        Stream stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var interactive = !Console.IsOutputRedirected && ReferenceEquals(stderr, Console.Error);
        var format = (args.Format ?? (interactive ? "table" : "jsonl")).ToLowerInvariant();
        if (format is not ("table" or "jsonl" or "csv")) throw new CliUsageException($"--format must be table, jsonl or csv, not '{args.Format}'.");
        if (args.Count is <= 0) throw new CliUsageException("--count must be positive.");

        await using var host = await ClientHost.StartAsync(connection, environment, stderr, Kis.Realtime.KisFullMode.DropOldest, null, cancellationToken);
        var client = host.Client;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (args.Duration is { } limit) stop.CancelAfter(limit);

        var records = Channel.CreateBounded<OutputRecord>(new BoundedChannelOptions(10_000) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        var pumps = host.PumpSubscriptions(
            (r, token) => records.Writer.WriteAsync(new OutputRecord(r.Tr, r.TrKey, r.ReceivedAt, r.Data), token), stderr, stop.Token);
        _ = Task.WhenAll(pumps).ContinueWith(_ => records.Writer.TryComplete(), TaskScheduler.Default);

        var started = Stopwatch.StartNew();
        long total = 0;
        var perTr = new SortedDictionary<string, long>();
        string Status() => $"{client.State}  records {total:N0}  dropped {client.Statistics.Dropped}  reconnects {client.Statistics.Reconnects}  decode errors {client.Statistics.DecodeErrors}";

        IRecordSink? sink = format switch
        {
            "jsonl" when args.OutputDirectory is null => new JsonLinesSink(stdout),
            "jsonl" => new PerTrJsonLinesSink(args.OutputDirectory, m => stderr.WriteLine("kisrt: " + m)),
            "csv" when args.OutputDirectory is null => CsvSink.ToWriter(new StreamWriter(stdout, new System.Text.UTF8Encoding(false)) { AutoFlush = false }),
            "csv" => CsvSink.ToDirectory(args.OutputDirectory),
            _ => null,
        };
        var table = format == "table" ? new LiveTable(host.Subscriptions, Status) : null;

        try
        {
            if (table is not null && interactive)
            {
                await AnsiConsole.Live(table.Render()).AutoClear(false).StartAsync(async ctx =>
                {
                    await Consume(records.Reader, r => table.Update(r), () => ctx.UpdateTarget(table.Render()), TimeSpan.FromMilliseconds(250));
                    ctx.UpdateTarget(table.Render());
                });
            }
            else if (table is not null)
            {
                await Consume(records.Reader, r => table.Update(r), () => stderr.WriteLine(table.RenderText()), TimeSpan.FromSeconds(1));
                await stderr.WriteLineAsync(table.RenderText());
            }
            else
            {
                await Consume(records.Reader, r => sink!.Write(r), sink!.Flush, TimeSpan.FromSeconds(1));
            }
        }
        finally
        {
            stop.Cancel(); // leaving the subscriptions releases their registrations
            await Task.WhenAll(pumps);
            if (sink is not null) await sink.DisposeAsync();
        }

        var byTr = string.Join(", ", perTr.Select(kv => $"{kv.Key} {kv.Value:N0}"));
        await stderr.WriteLineAsync($"kisrt: {total:N0} records ({byTr}) in {started.Elapsed.TotalSeconds:0.0} s; dropped {client.Statistics.Dropped}, reconnects {client.Statistics.Reconnects}, decode errors {client.Statistics.DecodeErrors}");
        return host.FailedSubscriptions == 0 ? 0 : 1;

        async Task Consume(ChannelReader<OutputRecord> reader, Action<OutputRecord> handle, Action refresh, TimeSpan refreshEvery)
        {
            var lastRefresh = Stopwatch.StartNew();
            try
            {
                while (true)
                {
                    var wait = reader.WaitToReadAsync(stop.Token).AsTask();
                    if (!wait.IsCompleted)
                    {
                        // Wake up for the refresh even when nothing arrives, so the state shown stays current.
                        var tick = Task.Delay(refreshEvery, stop.Token);
                        await Task.WhenAny(wait, tick);
                        if (!wait.IsCompleted)
                        {
                            refresh();
                            lastRefresh.Restart();
                            continue;
                        }
                    }
                    if (!await wait) return;
                    while (reader.TryRead(out var record))
                    {
                        handle(record);
                        total++;
                        perTr[record.Tr.Id] = perTr.GetValueOrDefault(record.Tr.Id) + 1;
                        if (total >= args.Count) return;
                    }
                    if (lastRefresh.Elapsed >= refreshEvery)
                    {
                        refresh();
                        lastRefresh.Restart();
                    }
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // Ctrl+C or --duration: a normal stop.
            }
        }
    }
}
