using System.CommandLine;
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
    internal static readonly TimeSpan FlushEvery = TimeSpan.FromMilliseconds(20);
    internal static readonly TimeSpan FlushAfterLastRecord = TimeSpan.FromMilliseconds(100);

    // JSON Lines to standard output: written at most this long after a record, or at once when a pipe's worth (64 KB)
    // has collected. At 1,250 records/s that is ~7 writes a second, against 50 with a write every 20 ms.
    internal static readonly TimeSpan WriteBehind = TimeSpan.FromMilliseconds(100);

    // What may collect for a slow reader of standard output before records are dropped (and counted); as much again
    // may be in the write under way. Bytes, chunked: the memory held is this, not a multiple of it.
    internal const long StandardOutputBound = 16L << 20;

    internal static string Shorten(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";

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

        var output = new StreamOutput(host, args, format, interactive, display, stdout, stderr, heldLog, stop);
        await output.RunAsync();
        return await output.SummarizeAsync();
    }
}
