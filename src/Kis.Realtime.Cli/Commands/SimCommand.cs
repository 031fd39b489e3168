using System.CommandLine;
using Kis.Realtime.Cli.Configuration;
using Kis.Realtime.Simulator;

namespace Kis.Realtime.Cli.Commands;

/// <summary><c>kisrt sim</c>: runs the KIS-compatible simulator until Ctrl+C.</summary>
internal static class SimCommand
{
    public static Command Create()
    {
        var profile = new Option<string>("--profile") { Description = "real (every TR of the catalog) or paper (the paper server's TRs: H0IFCNI9, H0STCNI9 …)",
            DefaultValueFactory = _ => "real" };
        var wsPort = new Option<int>("--ws-port") { Description = "WebSocket port on 127.0.0.1 (0 = any free port)", DefaultValueFactory = _ => 0 };
        var restPort = new Option<int>("--rest-port") { Description = "REST port on 127.0.0.1 (0 = any free port)", DefaultValueFactory = _ => 0 };
        var seed = new Option<int>("--seed") { Description = "market generator seed", DefaultValueFactory = _ => 1 };
        var ping = new Option<string>("--ping-interval") { Description = "PINGPONG interval, e.g. 5s (KIS: about 100s)", DefaultValueFactory = _ => "100s" };
        var appKey = new Option<string?>("--app-key") { Description = $"accepted app key (default {SimulatorOptions.DefaultAppKey})" };
        var appSecret = new Option<string?>("--app-secret") { Description = "accepted app secret (default: the documented simulator secret)" };
        var htsId = new Option<string?>("--hts-id") { Description = $"HTS ID for notices (default {SimulatorOptions.DefaultHtsId})" };
        var accounts = new Option<string[]>("--account")
        {
            Description = "an account owned from the start: ACCOUNT (the --app-key's) or KEY:SECRET:ACCOUNT[:HTSID] "
                + "(another app key's; repeat for more keys or accounts); ACCOUNT is 12345678-01, or 12345678 for every product code",
            Arity = ArgumentArity.OneOrMore,
        };
        var anyHts = new Option<bool>("--any-hts-id") { Description = "accept notice subscriptions for any well-formed HTS ID" };
        var replay = new Option<FileInfo?>("--replay") { Description = "serve a `kisrt record` raw file instead of generated data" };
        var replaySpeed = new Option<double>("--replay-speed") { Description = "replay pace: 1 = original, 10 = ten times faster, 0 = flat out",
            DefaultValueFactory = _ => 1.0 };
        var replayStep = new Option<bool>("--step") { Description = "stepped replay: the next recorded frame only when a client asks " +
            "(POST /sim/step?frames=N), the market clock still in between" };
        var pingAnswer = new Option<string>("--ping-answer") { Description = "PINGPONG answers that count: any (pong frame or text echo, like KIS), text or " +
            "pong (strict, for tests)", DefaultValueFactory = _ => "any" };
        var clock = new Option<string>("--clock") { Description = "market clock: demo (a trading day from KRX's open at start, " +
            "09:00 KST or 10:00 on a late open) or live (KST wall clock with trading hours; nothing at night or on weekends)",
            DefaultValueFactory = _ => "demo" };
        var clockSpeed = new Option<double>("--clock-speed") { Description = "demo clock speed: market seconds per real second (e.g. 60)",
            DefaultValueFactory = _ => 1.0 };
        var marketStart = new Option<string?>("--market-start") { Description = "a scenario: the market clock starts at this instant (e.g. " +
            "2026-03-09T22:25+09:00) and runs at --clock-speed on the real trading hours, weekends closed" };
        var randomNotices = new Option<bool>("--random-notices") { Description = "stock and futures/options notices (H0STCNI0/9, H0IFCNI0/9) made up at " +
            "random instead of reporting the orders placed over the order REST calls" };
        var list = new Option<bool>("--list")
        {
            Description = "print the instruments the simulator lists (kind, code, name) and exit: the codes its feeds and orders serve",
        };
        var stateFile = new Option<string?>("--state-file")
        {
            Description = "where the paper venue keeps accounts, positions, open orders, order numbers and the market clock "
                + $"across restarts (default {DefaultStateFile})",
        };
        var noState = new Option<bool>("--no-state") { Description = "keep the paper venue in memory only: every start is a new day with new accounts" };
        var pace = new Option<string>("--pace")
        {
            Description = "generated data pace: demo, flat-out, off, records/s per instrument (e.g. 1000), or market:STEADY[:BURST] "
                + "(records/s across the whole universe, e.g. market:20000:100000: the burst for the open's first minute)",
            DefaultValueFactory = _ => "demo",
        };
        var universe = new Option<string>("--universe")
        {
            Description = "the stocks listed: small (49 well-known) or krx-all (2,700, activity skewed)", DefaultValueFactory = _ => "small",
        };
        var appKeys = new Option<int?>("--app-keys") { Description = "accept N generated app keys more (written to --app-keys-file, never printed)" };
        var appKeysFile = new Option<string?>("--app-keys-file")
        {
            Description = "where --app-keys writes its keys and secrets (mode 600; the Kis:Credentials shape)",
        };
        var credentialsFile = new Option<string?>("--credentials-file") { Description = "accept the app keys of this file too (the Kis:Credentials shape)" };
        var logLevel = new Option<string?>("--log-level") { Description = "the simulator's log on standard error from this level: trace, debug, " +
            "information, warning (default: refused sessions and requests, unlisted codes), error, none" };

        var command = new Command("sim", "Run the KIS-compatible simulator (REST approval key + real-time WebSocket) until Ctrl+C.")
        {
            profile, wsPort, restPort, seed, ping, pingAnswer, appKey, appSecret, htsId, accounts, anyHts, replay, replaySpeed, replayStep, clock,
                clockSpeed, marketStart, pace, randomNotices, stateFile, noState, list,
            universe, appKeys, appKeysFile, credentialsFile, logLevel,
        };
        command.SetAction((parse, ct) => RunAsync(parse, list, logLevel, ct));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parse, Option<bool> list, Option<string?> logLevel, CancellationToken ct)
    {
        var options = OptionsFrom(parse);
        if (parse.GetValue(list))
        {
            WriteListing(options.Seed, Console.Out, options.Universe);
            return 0;
        }
        // Its warnings (an unlisted code subscribed, a refused session or request) on standard error, as the docs say.
        using var loggerFactory = Hosting.StderrLoggerProvider.CreateFactory(Console.Error,
            Hosting.StderrLoggerProvider.ParseLevel(parse.GetValue(logLevel)));
        options = options with { LoggerFactory = loggerFactory };
        var defaultStateFile = parse.GetValue<string?>("--state-file") is null ? DefaultStateFile : null;
        await using var sim = await StartAsync(options, defaultStateFile, Console.Error, ct);
        WriteBanner(sim, options);
        try
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, ct);
        }
        catch (OperationCanceledException)
        {
        }
        Console.WriteLine(StopLine(sim.Counters));
        return 0;
    }

    /// <summary>What a user needs to point a client at the simulator: URLs, endpoints, credentials, clock and state.</summary>
    private static void WriteBanner(KisSimulator sim, SimulatorOptions options)
    {
        var credential = options.Credentials[0];
        Console.WriteLine($"KIS simulator ({options.Profile}) running. Ctrl+C to stop.");
        var wsUrl = KisSimulator.Display(sim.WebSocketUrl);
        var restUrl = KisSimulator.Display(sim.RestBaseUrl);
        Console.WriteLine($"  WebSocket URL : {wsUrl}   (any path, e.g. {wsUrl}/tryitout)");
        Console.WriteLine($"  REST base URL : {restUrl}   (POST /oauth2/tokenP, /oauth2/Approval, /oauth2/revokeP; GET /sim/status, " +
            "/uapi/domestic-stock/v1/quotations/inquire-time-itemchartprice)");
        Console.WriteLine("  stock orders  : POST /uapi/domestic-stock/v1/trading/order-cash, order-rvsecncl; GET inquire-psbl-order, " +
            "inquire-daily-ccld, inquire-balance");
        Console.WriteLine("  F/O orders    : POST /uapi/domestic-futureoption/v1/trading/order, order-rvsecncl; GET inquire-psbl-order, inquire-ccnl, " +
            "inquire-balance (day session)");
        Console.WriteLine(options.RandomNotices
            ? "  notices       : made up at random (--random-notices), not those of the orders placed"
            : "  notices       : the orders' own, on H0STCNI0/9 (stocks) and H0IFCNI0/9 (futures/options)");
        var many = options.Credentials.Count > 4;
        foreach (var line in SimCredentials.Describe(many ? options.Credentials.Take(1).ToList() : options.Credentials, options.AcceptAnyHtsId))
            Console.WriteLine(line);
        // A whole market's keys are not listed one by one (nor their secrets): the file has them.
        if (many) Console.WriteLine($"  app keys      : {options.Credentials.Count - 1:N0} more, from the keys file (secrets not printed)");
        if (options.Universe != SimulatorUniverse.Small)
            Console.WriteLine("  universe      : krx-all (2,700 stocks; `kisrt sim --universe krx-all --list`)");
        Console.WriteLine(
            $"  ping interval : {options.PingInterval.TotalSeconds:0.###}s ({PingAnswerText(options.AcceptedPingAnswers)})   seed: {options.Seed}");
        Console.WriteLine(options.MarketStart is { } start
            ? $"  market clock  : scenario from {start:yyyy-MM-dd HH:mm zzz} at {options.ClockSpeed:0.###}x on the real trading hours; now " +
                $"{sim.MarketTime:yyyy-MM-dd HH:mm:ss} KST"
            : options.Clock == MarketClockMode.Live
            ? $"  market clock  : live (KST wall clock, trading hours; now {sim.MarketTime:yyyy-MM-dd HH:mm:ss})"
            : $"  market clock  : demo (trading day from KRX's open at start, {options.ClockSpeed:0.###}x; now {sim.MarketTime:yyyy-MM-dd HH:mm:ss})");
        Console.WriteLine($"  venue state   : {sim.StateDescription}");
        Console.WriteLine(TryLine(wsUrl, restUrl, credential, KisrtInvocation(Environment.ProcessPath, Environment.GetEnvironmentVariable("PATH"),
            AppContext.BaseDirectory)));
    }

    /// <summary><c>kisrt sim --list</c>: every instrument of the simulator's master, one a line (the futures and options of today's expiry).</summary>
    internal static void WriteListing(int seed, TextWriter output, SimulatorUniverse universe = SimulatorUniverse.Small)
    {
        foreach (var instrument in KisSimulatorInstrument.List(seed, KoreaTime.DateOf(DateTimeOffset.UtcNow), universe))
            output.WriteLine($"{instrument.Kind,-16} {instrument.Code,-10} {instrument.Name}".TrimEnd());
    }

    /// <summary>The last line: what the run lost, if anything (the paper venue's tape events dropped unread, trades a
    /// feed never sent, order notices a stalled subscription never got, records a session behind its instrument's tape
    /// never got), so nothing is dropped without a word.</summary>
    internal static string StopLine(SimulatorCounters counters)
        => $"Simulator stopped. Tape events dropped unread: {counters.TapeEventsDropped:N0}; trades unsent: {counters.TradesUnsent:N0}; "
            + $"notices lost: {counters.NoticesLost:N0}; records lost by sessions behind: {counters.RecordsLostBehind:N0}.";

    /// <summary>The simulator's options from <c>kisrt sim</c>'s command line (a usage error when one is out of range).</summary>
    /// <summary>
    /// The state file <c>kisrt sim</c> keeps by default: the user's local application data (Linux
    /// <c>~/.local/share/kisrt/sim-state.json</c>, macOS <c>~/Library/Application Support/kisrt/</c>, Windows
    /// <c>%LOCALAPPDATA%\kisrt\</c>); the working directory's <c>kisrt-sim-state.json</c> where there is none.
    /// </summary>
    internal static string DefaultStateFile
    {
        get
        {
            var data = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify);
            return string.IsNullOrEmpty(data) ? Path.GetFullPath("kisrt-sim-state.json") : Path.Combine(data, "kisrt", "sim-state.json");
        }
    }

    /// <summary>--state-file and --no-state: the file the venue is kept in, null for none.</summary>
    internal static string? ParseStateFile(string? path, bool none)
    {
        if (none && path is not null) throw new CliUsageException("--state-file and --no-state contradict each other: give one.");
        if (none) return null;
        if (path is not null && string.IsNullOrWhiteSpace(path)) throw new CliUsageException("--state-file needs a path.");
        return path ?? FirstFreeStateFile(DefaultStateFile, Console.Error);
    }

    /// <summary>
    /// The default state file, or when another simulator holds it (its <c>.lock</c>), the first free of
    /// <c>sim-state-2.json</c> … <c>sim-state-9.json</c>, said on <paramref name="status"/>: several simulators of one
    /// user run side by side by default. A file named with --state-file is never swapped: a second one is refused.
    /// Two starting in the same instant can still pick one file; <see cref="StartAsync"/> moves the later one on.
    /// </summary>
    internal static string FirstFreeStateFile(string path, TextWriter status)
    {
        if (NextFreeStateFile(path, after: null) is not { } free) return path; // all in use: the simulator refuses with its one line
        if (free != path) status.WriteLine($"kisrt: {Path.GetFileName(path)} is in use by another simulator; this one keeps its state in {free}");
        return free;
    }

    /// <summary>The first of <paramref name="path"/>'s default files after <paramref name="after"/> no simulator holds, or null.</summary>
    private static string? NextFreeStateFile(string path, string? after)
    {
        var stem = Path.Combine(Path.GetDirectoryName(path) ?? "", Path.GetFileNameWithoutExtension(path));
        var candidates = Enumerable.Range(1, 9).Select(n => n == 1 ? path : $"{stem}-{n}{Path.GetExtension(path)}").ToList();
        var first = after is null ? 0 : candidates.IndexOf(after) + 1;
        return first == 0 && after is not null ? null : candidates.Skip(first).FirstOrDefault(candidate => !IsHeldBySimulator(candidate));
    }

    /// <summary>
    /// Starts the simulator. When it keeps its state in a default file (<paramref name="defaultStateFile"/>, the first
    /// of the series; null when --state-file named one) that another simulator starting in the same instant took between
    /// the look for a free one and the open, it takes the next free one, said on <paramref name="status"/>, where it
    /// exited 3: two `kisrt sim` of one user started together both run.
    /// </summary>
    internal static async Task<KisSimulator> StartAsync(SimulatorOptions options, string? defaultStateFile, TextWriter status, CancellationToken ct)
    {
        while (true)
        {
            try
            {
                return await KisSimulator.StartAsync(options, ct).ConfigureAwait(false);
            }
            catch (KisSimulatorStateException) when (defaultStateFile is not null && options.StateFile is { } taken && IsHeldBySimulator(taken)
                && NextFreeStateFile(defaultStateFile, taken) is { } next)
            {
                status.WriteLine($"kisrt: {Path.GetFileName(taken)} was taken by another simulator starting at the same moment; "
                    + $"this one keeps its state in {next}");
                options = options with { StateFile = next };
            }
        }
    }

    private static bool IsHeldBySimulator(string stateFile)
    {
        try
        {
            // The running simulator holds PATH.lock open with no sharing; a lock file a killed one left is free.
            using var probe = new FileStream(stateFile + ".lock", FileMode.Open, FileAccess.ReadWrite, FileShare.None);
            return false;
        }
        catch (FileNotFoundException)
        {
            return false;
        }
        catch (DirectoryNotFoundException)
        {
            return false;
        }
        catch (IOException)
        {
            return true;
        }
        catch (UnauthorizedAccessException)
        {
            return false; // not ours to judge: the simulator's own open says what is wrong
        }
    }

    internal static SimulatorOptions OptionsFrom(ParseResult parse)
    {
        CheckPort(parse.GetValue<int>("--ws-port"), "--ws-port");
        CheckPort(parse.GetValue<int>("--rest-port"), "--rest-port");
        if (parse.GetValue<double>("--replay-speed") is var speed && !(speed >= 0))
            throw new CliUsageException($"--replay-speed must be 0 (flat out) or a positive factor, not {speed}.");
        var pingInterval = Duration.Parse(parse.GetValue<string>("--ping-interval"), "--ping-interval");
        if (pingInterval <= TimeSpan.Zero) throw new CliUsageException("--ping-interval must be longer than zero.");
        var replay = parse.GetValue<FileInfo?>("--replay");
        if (parse.GetValue<bool>("--step") && replay is null) throw new CliUsageException("--step steps a replay: give --replay FILE too.");
        var options = SimulatorOptions.Default with
        {
            Profile = parse.GetValue<string>("--profile")?.ToLowerInvariant() switch
            {
                "real" => SimulatorProfile.Real,
                "paper" => SimulatorProfile.Paper,
                var other => throw new CliUsageException($"--profile must be real or paper, not '{other}'."),
            },
            WebSocketPort = parse.GetValue<int>("--ws-port"),
            RestPort = parse.GetValue<int>("--rest-port"),
            Seed = parse.GetValue<int>("--seed"),
            PingInterval = pingInterval,
            AcceptedPingAnswers = ParsePingAnswer(parse.GetValue<string>("--ping-answer")),
            Credentials = [.. SimCredentials.From(parse.GetValue<string?>("--app-key"), parse.GetValue<string?>("--app-secret"),
                parse.GetValue<string?>("--hts-id"), parse.GetValue<string[]>("--account")), .. MoreKeys(parse)],
            Universe = parse.GetValue<string>("--universe")?.ToLowerInvariant() switch
            {
                null or "" or "small" => SimulatorUniverse.Small,
                "krx-all" or "krx" => SimulatorUniverse.KrxAll,
                var other => throw new CliUsageException($"--universe must be small or krx-all, not '{other}'."),
            },
            AcceptAnyHtsId = parse.GetValue<bool>("--any-hts-id"),
            RandomNotices = parse.GetValue<bool>("--random-notices"),
            ReplayFile = replay?.FullName,
            ReplaySpeed = speed,
            ReplayStep = parse.GetValue<bool>("--step"),
            Pace = ParsePace(parse.GetValue<string>("--pace"), replay is not null),
            Clock = ParseClock(parse.GetValue<string>("--clock")),
            ClockSpeed = parse.GetValue<double>("--clock-speed"),
            MarketStart = ParseMarketStart(parse.GetValue<string?>("--market-start")),
            StateFile = ParseStateFile(parse.GetValue<string?>("--state-file"), parse.GetValue<bool>("--no-state")),
        };
        try
        {
            options.Validate();
        }
        catch (ArgumentException e)
        {
            throw new CliUsageException(CliFailures.WithoutParameter(e));
        }
        return options;
    }

    /// <summary>
    /// A command line that streams from this simulator when pasted into a shell: the default secret is public (documented,
    /// in the simulator's README), so it is printed; a secret given with --app-secret is the user's and is not.
    /// </summary>
    internal static string TryLine(string wsUrl, string restUrl, SimulatorCredential credential, string kisrt)
    {
        var secret = credential.AppSecret == SimulatorOptions.DefaultAppSecret ? credential.AppSecret : "<your --app-secret>";
        return $"Try: KIS_WS_URL={wsUrl} KIS_REST_URL={restUrl} KIS_APP_KEY={credential.AppKey} KIS_APP_SECRET={secret} KIS_HTS_ID={credential.HtsId} " +
            $"{kisrt} stream";
    }

    /// <summary>
    /// How to start this same kisrt from a shell: <c>kisrt</c> when it is the one on PATH (the installed tool), else its
    /// own path (a build's apphost, a native executable), else <c>dotnet path/kisrt.dll</c> (started through the host).
    /// </summary>
    internal static string KisrtInvocation(string? processPath, string? path, string baseDirectory)
    {
        if (processPath is not null && Path.GetFileNameWithoutExtension(processPath) == "kisrt")
        {
            var onPath = (path ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
                .Any(dir => string.Equals(Path.TrimEndingDirectorySeparator(Path.GetFullPath(dir)), Path.GetDirectoryName(processPath),
                    StringComparison.Ordinal));
            return onPath ? "kisrt" : Quote(processPath);
        }
        return $"dotnet {Quote(Path.Combine(baseDirectory, "kisrt.dll"))}";
    }

    private static string Quote(string path) => path.Any(c => char.IsWhiteSpace(c) || c is '\'' or '"' or '$' or '&' or ';')
        ? $"'{path.Replace("'", "'\\''", StringComparison.Ordinal)}'" : path;

    private static void CheckPort(int port, string option)
    {
        if (port is < 0 or > 65535) throw new CliUsageException($"{option} must be a TCP port from 0 to 65535 (0 = any free port), not {port}.");
    }

    internal static PingAnswer ParsePingAnswer(string? text) => text?.ToLowerInvariant() switch
    {
        null or "" or "any" => PingAnswer.Any,
        "text" => PingAnswer.TextEcho,
        "pong" => PingAnswer.PongFrame,
        var other => throw new CliUsageException($"--ping-answer must be any, text or pong, not '{other}'."),
    };

    internal static MarketClockMode ParseClock(string? text) => text?.ToLowerInvariant() switch
    {
        null or "" or "demo" => MarketClockMode.Demo,
        "live" => MarketClockMode.Live,
        var other => throw new CliUsageException($"--clock must be demo or live, not '{other}'."),
    };

    /// <summary>An ISO 8601 instant with its offset (2026-03-09T22:25+09:00); none when not given.</summary>
    internal static DateTimeOffset? ParseMarketStart(string? text)
    {
        if (text is null) return null;
        if (text.Length < 17 || !(text.EndsWith('Z') || text[^6] is '+' or '-')
            || !DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var start))
            throw new CliUsageException($"--market-start must be an ISO 8601 instant with its offset, e.g. 2026-03-09T22:25+09:00, not '{text}'.");
        return start;
    }

    private static string PingAnswerText(PingAnswer answer) => answer switch
    {
        PingAnswer.TextEcho => "text echo only",
        PingAnswer.PongFrame => "pong frame only",
        _ => "pong frame or text echo",
    };

    /// <summary>--app-keys (generated, written to --app-keys-file) and --credentials-file: the keys beyond the main one.</summary>
    private static IEnumerable<SimulatorCredential> MoreKeys(ParseResult parse)
    {
        var file = parse.GetValue<string?>("--credentials-file");
        var read = file is null ? [] : SimKeyFile.Read(file);
        if (parse.GetValue<int?>("--app-keys") is not { } count)
        {
            if (parse.GetValue<string?>("--app-keys-file") is not null) throw new CliUsageException("--app-keys-file needs --app-keys N.");
            return read;
        }
        // Generated secrets go to a file only: never to the terminal, where they would end up in scrollback and logs.
        var path = parse.GetValue<string?>("--app-keys-file")
            ?? throw new CliUsageException("--app-keys N needs --app-keys-file PATH: the generated secrets are written there, never printed.");
        var made = SimKeyFile.Generate(count);
        SimKeyFile.Write(path, made);
        return [.. read, .. made];
    }

    internal static MarketPace ParsePace(string? text, bool replaying) => text?.ToLowerInvariant() switch
    {
        var m when m?.StartsWith("market:", StringComparison.Ordinal) == true => ParseMarketPace(m),
        null or "" or "demo" => replaying ? MarketPace.Off : MarketPace.Demo,
        "flat-out" or "flatout" => MarketPace.FlatOut,
        "off" => MarketPace.Off,
        var n when double.TryParse(n, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var rate) && rate > 0
            => MarketPace.PerSecond(rate),
        var other => throw new CliUsageException($"--pace must be demo, flat-out, off, a positive records/s number or market:STEADY[:BURST], not '{other}'."),
    };

    /// <summary><c>market:20000:100000</c>: records/s across the universe, steady and (optional) for the open's first minute.</summary>
    private static MarketPace ParseMarketPace(string text)
    {
        var parts = text.Split(':');
        var rates = parts.Skip(1)
            .Select(p => double.TryParse(p, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var r) ? r : -1)
            .ToArray();
        if (rates.Length is < 1 or > 2 || rates.Any(r => !(r > 0) || double.IsInfinity(r)))
            throw new CliUsageException($"--pace market:STEADY[:BURST] takes positive records/s across the universe (e.g. market:20000:100000), not '{text}'.");
        return MarketPace.MarketWide(rates[0], rates.Length == 2 ? rates[1] : rates[0]);
    }
}
