using System.CommandLine;
using System.Globalization;
using Kis.Realtime.Cli.Configuration;
using Kis.Realtime.Cli.Output;

namespace Kis.Realtime.Cli.Commands;

/// <summary>Arguments of <c>kisrt bars</c> besides the connection.</summary>
internal sealed record BarsArgs
{
    /// <summary>BarSpec text: 1m, 5m, 30s, 1h, 1d, 100t, 10000v, 1000000w.</summary>
    public string Interval { get; init; } = "1m";
    /// <summary>First bar shown (KST time of day, HH:mm or HH:mm:ss); earlier bars are built but not shown.</summary>
    public string? From { get; init; }
    public string? Format { get; init; }
    /// <summary>The file of <c>--format parquet</c> (binary: not for stdout).</summary>
    public string? Out { get; init; }
    /// <summary>Stop after this many closed bars (all subscriptions together).</summary>
    public long? Count { get; init; }
    public TimeSpan? Duration { get; init; }
    /// <summary>Also show the forming bar after every trade.</summary>
    public bool Forming { get; init; }
    /// <summary>Sessions whose trades go into the bars: regular, extended, all (default), or a comma list of pre, regular, after, night.</summary>
    public string? Sessions { get; init; }
    /// <summary>How long after its end (a day bar: the market's close) a live bar closes on the clock without a later
    /// trade; the wait for late prints. Default 2 s.</summary>
    public TimeSpan CloseGrace { get; init; } = DefaultCloseGrace;
    public static readonly TimeSpan DefaultCloseGrace = TimeSpan.FromSeconds(2);
    /// <summary>How long after its end a time or day bar still takes its late trades (<see cref="BarOptions.LateWindow"/>). Default 0.</summary>
    public TimeSpan LateWindow { get; init; }
    /// <summary>How long records may arrive out of exchange order (<see cref="BarOptions.ReorderWindow"/>). Default 5 s.</summary>
    public TimeSpan ReorderWindow { get; init; } = DefaultReorderWindow;
    public static readonly TimeSpan DefaultReorderWindow = TimeSpan.FromSeconds(5);
    /// <summary>A <c>kisrt record</c> folder to read instead of a live source.</summary>
    public string? Replay { get; init; }
    /// <summary>Npgsql connection string: closed bars are also stored in PostgreSQL.</summary>
    public string? Postgres { get; init; }
    public string PgSchema { get; init; } = "kis";

    /// <summary>The connection string without its password: a record's ToString ends up in test output and logs.</summary>
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append($"Interval = {Interval}, From = {From}, Format = {Format}, Count = {Count}, Duration = {Duration}, Forming = {Forming}, ");
        builder.Append($"Sessions = {Sessions}, CloseGrace = {CloseGrace}, LateWindow = {LateWindow}, Replay = {Replay}, ");
        builder.Append($"Postgres = {Masked.ConnectionString(Postgres)}, PgSchema = {PgSchema}");
        return true;
    }
}

/// <summary>
/// <c>kisrt bars</c>: bars (candles) built from the trades of every <c>--sub</c>, seeded from the day's history so a start
/// at 11:00 shows the day from the open and continues live (see <see cref="BarsSource"/> for the sources).
/// </summary>
internal static class BarsCommand
{
    public static Command Create()
    {
        var connection = new ConnectionOptions(feedB: true);
        var interval = new Option<string>("--interval") { Description = "bar size: 30s, 1m, 5m, 1h, 1d; or 100t (trades), 10000v (volume), 1000000w (KRW " +
            "value)", DefaultValueFactory = _ => "1m" };
        var from = new Option<string?>("--from") { Description = "show bars from this time of day on the market's clock (KST; New York for US stocks; e.g. " +
            "09:00); earlier bars are built but not shown" };
        var format = new Option<string?>("--format")
        {
            Description = "table (default on a terminal), jsonl (default otherwise), csv, or parquet (with --out FILE)",
        };
        var output = new Option<string?>("--out")
        {
            Description = "with --format parquet: the file to write (typed columns, keys as strings, UTC times with the market's zone)",
        };
        var count = new Option<long?>("--count") { Description = "stop after this many closed bars (all subscriptions together)" };
        var duration = new Option<string?>("--duration") { Description = "stop after this long, e.g. 30s or 5m" };
        var sessions = new Option<string?>("--sessions") { Description = "trades of which sessions go into the bars: regular, or extended (default; also " +
            "all): pre + regular + after and the night derivatives' night session; or a comma list of pre, regular, after, night" };
        var closeGrace = new Option<string?>("--close-grace") { Description = "live and --gateway: a bar closes on the clock this long after its end (a " +
            "daily bar: after the market's close), e.g. 2s (default) or 1m to wait for late prints; a replay's bars close at the next trade" };
        var lateWindow = new Option<string?>("--late-window") { Description = "a time or day bar takes trades that arrive late (after a later bar's) until a " +
            "trade stamped this long after its end, e.g. 30s or 2m; bars show that much later (default 0: a late trade is in no bar, counted, " +
            "unless it fills the hole its bar was shown flagged for: that bar is shown again, revised)" };
        var reorderWindow = new Option<string?>("--reorder-window")
        {
            Description = "records may arrive this long out of exchange order (e.g. two sources): bars take each TR's trades in cumulative-volume "
                + "order, a hole waits this long for its trades before it is a gap (default 5s; 0 takes arrival order)",
        };
        var forming = new Option<bool>("--forming") { Description = "also show the forming bar after every trade (flag forming)" };
        var replay = new Option<string?>("--replay") { Description = "build bars from a `kisrt record --out` folder instead of a live source" };
        var gateway = new Option<string?>("--gateway") { Description = "read from a running `kisrt gateway` (or KISRT_GATEWAY), today's trades from its " +
            "stream, then live", Arity = ArgumentArity.ZeroOrOne };
        var ns = new Option<string?>("--namespace") { Description = "with --gateway: the gateway's namespace (default kis)" };
        var amqpCa = GatewayConnection.CaOption();
        var postgres = new Option<string?>("--postgres") { Description = "also store closed bars in PostgreSQL (an Npgsql connection string): table " +
            "bars_<interval>, one row per key and bar" };
        var pgSchema = new Option<string>("--pg-schema") { Description = "PostgreSQL schema", DefaultValueFactory = _ => "kis" };
        var command = new Command("bars",
            "Bars (candles) from live trades, seeded from the day's history: KIS's REST minute chart for a direct session, the gateway's stream, or a " +
            "recording.")
        {
            interval, from, format, output, count, duration, sessions, closeGrace, lateWindow, reorderWindow, forming, replay, gateway, ns, amqpCa,
            postgres, pgSchema,
        };
        connection.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var args = new BarsArgs
            {
                Interval = parse.GetValue(interval) ?? "1m",
                From = parse.GetValue(from),
                Format = parse.GetValue(format),
                Out = parse.GetValue(output),
                Count = parse.GetValue(count),
                Duration = parse.GetValue(duration) is { } d ? Configuration.Duration.ParseRunLength(d, "--duration") : null,
                Forming = parse.GetValue(forming),
                Sessions = parse.GetValue(sessions),
                CloseGrace = parse.GetValue(closeGrace) is { } g ? Configuration.Duration.Parse(g, "--close-grace") : BarsArgs.DefaultCloseGrace,
                LateWindow = parse.GetValue(lateWindow) is { } w ? Configuration.Duration.Parse(w, "--late-window") : TimeSpan.Zero,
                ReorderWindow = parse.GetValue(reorderWindow) is { } r ? Configuration.Duration.Parse(r, "--reorder-window") : BarsArgs.DefaultReorderWindow,
                Replay = parse.GetValue(replay),
                Postgres = parse.GetValue(postgres),
                PgSchema = parse.GetValue(pgSchema) ?? "kis",
            };
            var connectionArgs = connection.Read(parse) with
            {
                Gateway = parse.GetResult(gateway) is null ? null : parse.GetValue(gateway) ?? CliSettings.ConfiguredGateway,
                GatewayNamespace = parse.GetValue(ns),
                GatewayCaFile = parse.GetValue(amqpCa),
            };
            return await RunAsync(connectionArgs, args, ClientHost.Environment.Process, Console.Out, Console.Error, ct);
        });
        return command;
    }

    public static async Task<int> RunAsync(ConnectionArgs connection, BarsArgs args, ClientHost.Environment environment,
        TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        BarSpec spec;
        try
        {
            spec = BarSpec.Parse(args.Interval);
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            throw new CliUsageException($"--interval: '{args.Interval}' is not a bar size ({e.Message.TrimEnd('.')}; e.g. 1m, 5m, 30s, 1h, 1d, 100t).");
        }
        TimeOnly? from = null;
        if (args.From is not null)
        {
            from = TimeOnly.TryParseExact(args.From, ["HH:mm", "HH:mm:ss", "HHmm", "HHmmss"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var t)
                ? t : throw new CliUsageException($"--from: '{args.From}' is not a time of day (e.g. 09:00 or 11:30:00).");
        }
        var interactive = !Console.IsOutputRedirected && ReferenceEquals(stdout, Console.Out);
        var format = (args.Format ?? (interactive ? "table" : "jsonl")).ToLowerInvariant();
        if (format is not ("table" or "jsonl" or "csv" or "parquet"))
            throw new CliUsageException($"--format must be table, jsonl, csv or parquet, not '{args.Format}'.");
        if (format == "parquet" && string.IsNullOrEmpty(args.Out)) throw new CliUsageException("--format parquet writes a file: give --out FILE.");
        if (format == "parquet" && !Output.ParquetFiles.Available) throw new CliUsageException(Output.ParquetFiles.NotInNativeBuild("--format parquet"));
        if (format != "parquet" && args.Out is not null) throw new CliUsageException("--out is for --format parquet (other formats go to stdout).");
        if (args.Count is <= 0) throw new CliUsageException("--count must be positive.");
        var sessions = ParseSessions(args.Sessions);
        if (connection.Subscriptions.Count == 0) throw new CliUsageException("give --sub TR:KEY of a trade TR, e.g. --sub stock:005930 (bars need trades).");

        // The store first: a wrong connection string or schema fails before any session starts.
        await using var store = args.Postgres is null ? null : await PostgresBarStore.OpenAsync(args.Postgres, args.PgSchema, spec, stderr, cancellationToken);

        var source = await ClientRun.StartOrStoppedAsync(() => BarsSource.StartAsync(connection, args.Replay, environment, stderr, cancellationToken),
            stderr, cancellationToken);
        if (source is null) return CliFailures.Done; // Ctrl+C while connecting
        await using var sourceScope = source;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (args.Duration is { } limit) stop.CancelAfter(limit);

        var parquet = format == "parquet" ? Output.ParquetBarFile.TryCreate(args.Out!) : null; // null only where refused above
        var writer = new BarWriter(parquet is null ? stdout : TextWriter.Null, parquet is null ? format : "csv");
        // Live and gateway bars close on the clock, --close-grace after their end (a daily bar: the market's close), so
        // the session's last bar shows at the close; a replay's bars close at the next trade (its trades are in the past).
        spec = spec.WithSessions(sessions); // the spec says which sessions a bar covers
        if (args.LateWindow < TimeSpan.Zero) throw new CliUsageException("--late-window must not be negative.");
        if (args.ReorderWindow < TimeSpan.Zero) throw new CliUsageException("--reorder-window must not be negative.");
        var options = BarOptions.Default with
        {
            FormingUpdates = false, ClockCloseGrace = args.Replay is null ? args.CloseGrace : null, LateWindow = args.LateWindow,
            ReorderWindow = args.ReorderWindow,
        };

        var run = new BarsRun(source, args, spec, options, from, new BarsRun.Output(writer, parquet, store), stderr, stop, cancellationToken);
        await run.RunAsync();
        if (store is not null) await store.CompleteAsync();
        if (parquet is not null) await parquet.WriteAsync(CancellationToken.None);
        run.Flush();
        if (source.Client is KisMergedClient merged) // --feed-b-app-key: each feed's health
            await stderr.WriteLineAsync("kisrt: feeds: " + string.Join("; ", merged.GetFeedHealth().Select(f => f.ToString())));
        return await ExitCodeAsync(source, args, run, stderr);
    }

    /// <summary>The run's exit code, with what did not decode reported: records that did not decode are the source's (one count
    /// for every subscription), reported as <c>kisrt decode</c> does.</summary>
    private static async Task<int> ExitCodeAsync(BarsSource source, BarsArgs args, BarsRun run, TextWriter stderr)
    {
        var exitCode = run.ExitCode;
        var statistics = source.Client.Statistics;
        var undecodable = statistics.DecodeErrors;
        if (undecodable > 0)
        {
            // Where the first few are (a replay knows their file and line): a person can open the file there.
            var located = statistics.FirstUndecodable.Count > 0 ? $"; first at {string.Join("; ", statistics.FirstUndecodable)}" : "";
            await stderr.WriteLineAsync($"kisrt: {undecodable:N0} undecodable records in the {source.Description} source" +
                $"{(run.TradesRead == 0 ? ", and no trade decoded" : "")}{located}");
            if (run.TradesRead == 0) exitCode = Math.Max(exitCode, CliFailures.SomeInputFailed);
        }
        // A recording that holds none of these trades decoded no trade either: exit 1, as docs/cli.md says (no recording at all: 2).
        else if (args.Replay is not null && run.TradesRead == 0) exitCode = Math.Max(exitCode, CliFailures.SomeInputFailed);
        return exitCode;
    }

    /// <summary>The --sessions text as <see cref="TradingSessions"/> (null: all, as without the option).</summary>
    public static TradingSessions ParseSessions(string? text)
    {
        if (text is null) return TradingSessions.All;
        var sessions = TradingSessions.None;
        foreach (var name in text.Split(',', StringSplitOptions.TrimEntries))
        {
            sessions |= name.ToLowerInvariant() switch
            {
                "regular" => TradingSessions.Regular,
                // Extended hours are every session beyond the regular one: pre, after and the night derivatives' night
                // session (the extension of KRX's derivatives day). "all" says the same, kept for existing scripts.
                "extended" or "all" => TradingSessions.All,
                "pre" => TradingSessions.PreMarket,
                "after" => TradingSessions.AfterMarket,
                "night" => TradingSessions.Night,
                _ => throw new CliUsageException(
                    $"--sessions: '{name}' is not a session (regular, extended, all; or pre, regular, after, night, comma-separated)."),
            };
        }
        return sessions;
    }
}
