using Kis.Realtime.Cli.Configuration;
using Kis.Realtime.Protocol;
using System.Runtime.CompilerServices;
using Kis.Realtime.Simulator;
using Microsoft.Extensions.Logging;

namespace Kis.Realtime.Cli.Commands;

/// <summary>
/// Resolves settings and subscriptions, starts the built-in simulator when no credentials are configured, and
/// creates the client. Shared by <c>stream</c> and <c>record</c>.
/// </summary>
internal sealed class ClientHost : IAsyncDisposable
{
    private readonly ILoggerFactory _loggerFactory;
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2213", Justification = "The caller's status writer (standard error): the caller owns it")]
    private readonly TextWriter _status;
    private readonly Lock _reportGate = new();
    private readonly HashSet<string> _reported = new(StringComparer.Ordinal);

    // The built-in simulator as IAsyncDisposable: a KisSimulator in a signature or a call on the stream path would load
    // Kis.Realtime.Simulator (and its ASP.NET Core) into every `kisrt stream` (StreamLoadedAssembliesTests).
    private readonly IAsyncDisposable? _simulator;

    private ClientHost(KisRealtimeClient client, KisRealtimeClient? feedB, IAsyncDisposable? simulator, CliSettings settings,
        IReadOnlyList<SubscriptionSpec> subscriptions, ILoggerFactory loggerFactory, TextWriter status, Environment environment)
    {
        HostEnvironment = environment;
        _loggerFactory = loggerFactory;
        _status = status;
        Client = client;
        FeedB = feedB;
        // A/B feeds: the two sessions merged (the host disposes them itself, after the merge).
        // Each feed's own gaps are logged by the merge, named and with whether the other feed covered them.
        Merged = feedB is null ? null : new KisMergedClient([client, feedB],
            KisMergeOptions.Default with { OwnsSources = false, LoggerFactory = loggerFactory });
        _simulator = simulator;
        Settings = settings;
        Subscriptions = subscriptions;
        _received = new bool[subscriptions.Count];
    }

    public KisRealtimeClient Client { get; }

    /// <summary><c>--feed-b-app-key</c>: the second session (null: one session).</summary>
    public KisRealtimeClient? FeedB { get; }

    /// <summary>Both sessions merged, when there is a feed B.</summary>
    public KisMergedClient? Merged { get; }

    /// <summary>What the commands read records from: the merged feeds, or the one session.</summary>
    public IKisRealtimeClient Source => Merged is not null ? Merged : Client;
    /// <summary>The built-in simulator streamed from, if any.</summary>
    public KisSimulator? Simulator => (KisSimulator?)_simulator;
    public CliSettings Settings { get; }
    /// <summary>The environment this host was started in (its cache files).</summary>
    public Environment HostEnvironment { get; }
    public IReadOnlyList<SubscriptionSpec> Subscriptions { get; }

    /// <summary>
    /// Environment lookup, configuration folder and the folder of kisrt's per-user caches (approval keys, access
    /// tokens); tests replace them all, so a test never reads or writes the user's own files (nor another test's: a
    /// cached key for a loopback URL whose port a later server reuses would be sent to a server that never issued it).
    /// </summary>
    public sealed record Environment(Func<string, string?> GetVariable, string? ConfigurationDirectory, bool UserSecrets, string? CacheDirectory = null)
    {
        public static Environment Process { get; } = new(System.Environment.GetEnvironmentVariable, null, true);

        /// <summary>Per-user cache of approval keys (the client writes it readable by the user only).</summary>
        public string ApprovalKeyCacheFile => Path.Combine(Caches, "approval-keys.json");

        /// <summary>Per-user cache of REST access tokens (KIS limits how often one may be issued; the client writes it user-only).</summary>
        public string AccessTokenCacheFile => Path.Combine(Caches, "access-tokens.json");

        /// <summary>kisrt's per-user data folder (~/.local/share/kisrt): what outlives a run, such as <c>kisrt order kill</c>'s switch.</summary>
        public string DataDirectory => Caches;

        private string Caches => CacheDirectory ?? Path.Combine(
            System.Environment.GetFolderPath(System.Environment.SpecialFolder.LocalApplicationData, System.Environment.SpecialFolderOption.Create), "kisrt");
    }

    /// <summary>
    /// Resolves the settings, starts the built-in simulator if needed, creates the client and connects it once: a
    /// server that cannot be reached or an approval key that cannot be issued fails here, once, with one line
    /// (<see cref="CliFailures"/>), before any subscription starts. The library's log goes to <paramref name="log"/>
    /// (default <paramref name="status"/>) from <see cref="ConnectionArgs.LogLevel"/> up.
    /// </summary>
    public static async Task<ClientHost> StartAsync(ConnectionArgs args, Environment environment, TextWriter status,
        KisFullMode fullMode, CancellationToken cancellationToken, Action<IReadOnlyList<SubscriptionSpec>>? checkSubscriptions = null,
        TextWriter? log = null, Func<KisRealtimeOptions, KisRealtimeOptions>? tuneOptions = null, bool connect = true)
    {
        var logLevel = Hosting.StderrLoggerProvider.ParseLevel(args.LogLevel);
        var (settings, feedB, credentialsGiven, useBuiltInSimulator) = ResolveSettings(args, environment);

        // Checked before anything starts: a typo in --sub should cost nothing.
        var specs = ParseSubscriptions(args.Subscriptions, settings);
        checkSubscriptions?.Invoke(specs);

        IAsyncDisposable? simulator = null;
        IReadOnlySet<string>? listedCodes = null;
        if (useBuiltInSimulator)
        {
            (simulator, var webSocketUrl, var restUrl, listedCodes) = await BuiltInSimulator.StartAsync(settings.Environment, args, feedB, status,
                cancellationToken).ConfigureAwait(false);
            settings = settings with { WebSocketUrl = webSocketUrl, RestUrl = restUrl };
        }
        else if (!credentialsGiven)
        {
            status.WriteLine($"kisrt: no KIS credentials configured: using the simulator's default credentials against {settings.WebSocketUrl}");
        }

        var loggerFactory = Hosting.StderrLoggerProvider.CreateFactory(log ?? status, logLevel);
        KisRealtimeClient? client = null, clientB = null;
        ClientHost? host = null;
        try
        {
            var options = KisRealtimeOptions.Default with
            {
                Credentials = args.Credentials ?? [new KisCredential(settings.AppKey!, settings.AppSecret!)],
                HtsId = settings.HtsId,
                Environment = settings.Environment,
                WebSocketUrl = settings.WebSocketUrl,
                RestBaseUrl = settings.RestUrl,
                // A dropped connection is retried within a second; backoff grows only if retries keep failing.
                ReconnectMinDelay = TimeSpan.FromMilliseconds(500),
                FullMode = fullMode,
                LoggerFactory = loggerFactory,
                // KIS wants approval keys reused for their 24 hours; simulators issue them freely.
                ApprovalKeyCacheFile = simulator is null && settings.AppKey != SimulatorOptions.DefaultAppKey ? environment.ApprovalKeyCacheFile : null,
                HttpHandler = IsLoopback(settings.RestUrl) ? LoopbackHandler : null,
            };
            if (tuneOptions is not null) options = tuneOptions(options);
            // A/B: a session's own gap lines would name no feed; the merge logs them (FeedLoggerFactory).
            if (feedB is not null) options = options with { LoggerFactory = new FeedLoggerFactory(loggerFactory) };
            client = CreateClient(options);
            if (feedB is not null) clientB = CreateClient(options with { Credentials = [feedB] });
            host = new ClientHost(client, clientB, simulator, settings, specs, loggerFactory, status, environment) { BuiltInListedCodes = listedCodes };
            // Not connecting: the caller connects, e.g. the gateway beside its broker side (the first subscription would too).
            if (connect) await host.ConnectAsync(cancellationToken).ConfigureAwait(false);
            return host;
        }
        catch
        {
            if (host?.Merged is not null) await host.Merged.DisposeAsync().ConfigureAwait(false);
            if (clientB is not null) await clientB.DisposeAsync().ConfigureAwait(false);
            if (client is not null) await client.DisposeAsync().ConfigureAwait(false);
            if (simulator is not null) await simulator.DisposeAsync().ConfigureAwait(false);
            loggerFactory.Dispose();
            throw;
        }
    }

    // The settings from the options, environment and configuration files; no account: the simulator's documented credentials.
    private static (CliSettings Settings, KisCredential? FeedB, bool CredentialsGiven, bool BuiltInSimulator) ResolveSettings(ConnectionArgs args,
        Environment environment)
    {
        var configuration = CliSettings.BuildConfiguration(args.ToConfiguration(), environment.GetVariable,
            environment.ConfigurationDirectory, environment.UserSecrets);
        var settings = CliSettings.From(configuration);
        // A credentials file (gateway --credentials-file) is an account as --app-key is: KIS (or --ws-url), never the built-in simulator.
        if (args.Credentials is [var first, ..] && string.IsNullOrEmpty(settings.AppKey) && string.IsNullOrEmpty(settings.AppSecret))
            settings = settings with { AppKey = first.AppKey, AppSecret = first.AppSecret };
        if (string.IsNullOrEmpty(settings.AppKey) != string.IsNullOrEmpty(settings.AppSecret))
            throw new CliUsageException("give both the app key and the app secret (KIS_APP_KEY and KIS_APP_SECRET), or neither to use the simulator.");

        var feedB = FeedBCredential(args, environment, settings);
        var credentialsGiven = settings.HasCredentials;
        var useBuiltInSimulator = !settings.HasCredentials && settings.WebSocketUrl is null;
        if (!settings.HasCredentials && settings.WebSocketUrl is not null && settings.RestUrl is null)
            throw new CliUsageException(
                "with --ws-url / KIS_WS_URL and no credentials, also give --rest-url / KIS_REST_URL (the simulator's REST base URL issues the approval key).");
        if (!settings.HasCredentials)
        {
            // No account: the simulator's documented credentials (the built-in one accepts any HTS ID for notices).
            settings = settings with
            {
                AppKey = SimulatorOptions.DefaultAppKey,
                AppSecret = SimulatorOptions.DefaultAppSecret,
                HtsId = settings.HtsId ?? SimulatorOptions.DefaultHtsId,
            };
        }
        return (settings, feedB, credentialsGiven, useBuiltInSimulator);
    }

    // Feed B's credential (--feed-b-app-key/-secret, KIS_APP_KEY_B/KIS_APP_SECRET_B): both or neither, and a key of its own
    // (KIS allows one session per app key).
    private static KisCredential? FeedBCredential(ConnectionArgs args, Environment environment, CliSettings settings)
    {
        var key = args.FeedBAppKey ?? environment.GetVariable("KIS_APP_KEY_B");
        var secret = args.FeedBAppSecret ?? environment.GetVariable("KIS_APP_SECRET_B");
        if (string.IsNullOrEmpty(key) && string.IsNullOrEmpty(secret)) return null;
        if (string.IsNullOrEmpty(key) || string.IsNullOrEmpty(secret))
            throw new CliUsageException("feed B needs both its app key and its app secret (--feed-b-app-key and KIS_APP_SECRET_B or --feed-b-app-secret).");
        if (key == (settings.AppKey ?? SimulatorOptions.DefaultAppKey))
            throw new CliUsageException("feed B needs an app key of its own: KIS allows one session per app key.");
        return new KisCredential(key, secret);
    }

    private static KisRealtimeClient CreateClient(KisRealtimeOptions options)
    {
        try
        {
            return new KisRealtimeClient(options);
        }
        catch (ArgumentException e)
        {
            throw new CliUsageException(CliFailures.WithoutParameter(e)); // incomplete settings: the user's to fix
        }
    }

    // A proxy configured for the machine must not capture requests to a local simulator; and like the library's own
    // handler it follows no redirects (the requests carry the app secret) and keeps no cookies.
    internal static readonly SocketsHttpHandler LoopbackHandler = new() { UseProxy = false, AllowAutoRedirect = false, UseCookies = false };

    private static bool IsLoopback(Uri? url) => url is not null && url.IsLoopback;

    internal static List<SubscriptionSpec> ParseSubscriptions(IReadOnlyList<string> texts, CliSettings settings)
    {
        if (texts.Count == 0)
        {
            if (settings.Environment == KisEnvironment.Paper && settings.HtsId is null)
                throw new CliUsageException("the paper server offers only notices (H0IFCNI9): set KIS_HTS_ID or --hts-id, or give --sub.");
            texts = settings.Environment == KisEnvironment.Paper
                ? [$"notice:{settings.HtsId}"] // the paper server offers only the notice TR
                : SubscriptionSpec.DemoSet(settings.HtsId); // without an HTS ID, no notices
        }
        var specs = new List<SubscriptionSpec>();
        foreach (var text in texts)
        {
            if (!SubscriptionSpec.TryParse(text, settings.HtsId, settings.Environment, out var spec, out var error))
                throw new CliUsageException(error);
            if (!spec.Tr.IsOfferedOn(settings.Environment))
                throw new CliUsageException($"--sub {text}: {spec.Tr.Id} is not offered on the {settings.Environment.ToString().ToLowerInvariant()} server.");
            if (!specs.Contains(spec)) specs.Add(spec);
        }
        return specs;
    }

    private int _failedSubscriptions;
    private int _runFailed;
    private readonly bool[] _received; // per subscription: a record came, or its failure was reported

    /// <summary>Subscriptions that ended with an error (refused, approval failed, lost).</summary>
    public int FailedSubscriptions => Volatile.Read(ref _failedSubscriptions);

    /// <summary>
    /// After the pumps ended: one line naming the market-data subscriptions that got no record and no error, or null.
    /// KIS accepts any key of the right form, so a mistyped or unlisted code is a silent subscription, not a refusal;
    /// notice subscriptions are left out (no order, no notice).
    /// </summary>
    public string? SilentSubscriptions(TimeSpan ran)
    {
        var quiet = Subscriptions.Where((spec, i) => i < _received.Length && !Volatile.Read(ref _received[i]) && spec.Tr.KeyFormat != TrKeyFormat.HtsId)
            .ToList();
        if (quiet.Count == 0) return null;
        // The built-in simulator's own master says which codes are silent: its listed codes (its defaults among them)
        // merely had not sent yet, and never trip the alarm, however short the run.
        if (BuiltInListedCodes is { } listed)
            quiet = quiet.Where(spec => spec.Tr.KeyFormat == TrKeyFormat.StockCode && !listed.Contains(spec.Key)).ToList();
        else if (ran < SilenceJudgedAfter)
            return $"{quiet.Count} subscription(s) got no record in {ran.TotalSeconds:0.0} s: too short to judge (a listed code can go a minute " +
                $"without a trade); a run of {SilenceJudgedAfter.TotalSeconds:0} s or more names any that stay silent.";
        return quiet.Count == 0 ? null
            : $"no records for {string.Join(", ", quiet)}: KIS accepts any code of the right form and sends nothing for one no market lists "
              + "or that has not traded; check the code and the market's hours (`kisrt sim --list` prints the simulator's codes).";
    }

    /// <summary>A server's silence says something about a code only after this long (a listed stock trades within a minute).</summary>
    internal static readonly TimeSpan SilenceJudgedAfter = TimeSpan.FromSeconds(60);

    /// <summary>The stock, ETF and ELW codes the built-in simulator lists; null for any other server.</summary>
    internal IReadOnlySet<string>? BuiltInListedCodes { get; private init; }

    /// <summary>
    /// The command's exit code: 3 when a subscription failed for a reason of the run (network, approval key),
    /// 1 when KIS refused one, 0 otherwise.
    /// </summary>
    public int ExitCode => Volatile.Read(ref _runFailed) != 0 ? CliFailures.RunFailed
        : FailedSubscriptions > 0 ? CliFailures.SomeInputFailed : CliFailures.Done;

    /// <summary>
    /// Runs one task per subscription, handing each record to <paramref name="onRecord"/> until <paramref name="stop"/>
    /// is cancelled (leaving the enumeration releases the registration). A failing subscription is reported on
    /// <paramref name="status"/> and counted; the others go on. <paramref name="idle"/> runs whenever a subscription
    /// has handed over everything queued for it (the moment to flush buffered output).
    /// </summary>
    public Task[] PumpSubscriptions(Func<KisRecord, CancellationToken, ValueTask> onRecord, TextWriter status, CancellationToken stop, Action? idle = null) =>
        Subscriptions.Select((spec, index) => Task.Run(async () =>
        {
            try
            {
                await using var records = Source.SubscribeRecordsAsync(spec.Tr, spec.Key, stop).GetAsyncEnumerator(stop);
                while (true)
                {
                    var next = records.MoveNextAsync();
                    if (!next.IsCompleted) idle?.Invoke(); // nothing more queued for this subscription: before it waits
                    if (!await next) break;
                    Volatile.Write(ref _received[index], true);
                    await onRecord(records.Current, stop);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }
            catch (Exception e) when (CliFailures.Describe(e) is { } failure)
            {
                Volatile.Write(ref _received[index], true); // its failure was reported: not "silent"
                Interlocked.Increment(ref _failedSubscriptions);
                if (failure.ExitCode == CliFailures.RunFailed) Volatile.Write(ref _runFailed, 1);
                // A failure of the run (approval key, network) is the same for every subscription: said once.
                var line = failure.ExitCode == CliFailures.RunFailed ? $"kisrt: {failure.Message}" : $"kisrt: {spec}: {failure.Message}";
                bool first;
                lock (_reportGate) first = _reported.Add(line);
                if (first) await status.WriteLineAsync(line);
            }
        })).ToArray();

    /// <summary>
    /// The counters a user must see to know nothing was lost silently: drops, records no registration took (per TR in
    /// the end summary), slow consumers ended, reconnects, decode errors.
    /// </summary>
    /// <param name="outputDecodeErrors">Records the output refused as undecodable (e.g. a bad number for JSON Lines), added
    /// to the client's decode errors.</param>
    public static string LossCounters(KisRealtimeStatistics stats, string separator, bool perTr = false, long outputDecodeErrors = 0)
    {
        var unrouted = perTr && stats.RecordsUnrouted > 0
            ? $"unrouted {stats.RecordsUnrouted} ({string.Join(", ", stats.UnroutedByTr.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key} {kv.Value}"))})"
            : $"unrouted {stats.RecordsUnrouted}";
        var parts = new List<string> { $"dropped {stats.Dropped}", unrouted, $"reconnects {stats.Reconnects}",
            $"decode errors {stats.DecodeErrors + outputDecodeErrors}" };
        if (stats.SlowConsumers > 0) parts.Add($"slow consumers ended {stats.SlowConsumers}");
        // Trades KIS sent that never arrived, found from the cumulative volume (docs/bars.md, "Gap detection").
        parts.Add(stats.Gaps > 0 ? $"gaps {stats.Gaps} (missing volume {stats.MissingVolume:N0})" : "gaps 0");
        if (stats.Overlaps > 0) parts.Add($"overlaps {stats.Overlaps}");
        return string.Join(separator, parts);
    }

    /// <summary>The summary's line naming the largest gaps (TR, key, volume, KST window); null when there were none.</summary>
    public static string? LargestGaps(KisRealtimeStatistics stats)
        => stats.LargestGaps.Count == 0 ? null
            : "largest gaps: " + string.Join("; ", stats.LargestGaps.Select(g =>
                $"{g.TrId} {g.Key} {g.MissingVolume:N0} missed between {g.From:HH:mm:ss} and {g.To:HH:mm:ss} " +
                $"KST{(g.AcrossReconnect ? " (across a reconnect)" : "")}"));

    /// <summary>
    /// Connects the session, or with feed B both through the merge: one that connects is enough to start, the other is
    /// named on the status output (its subscriptions try it again) rather than end the command.
    /// </summary>
    private async Task ConnectAsync(CancellationToken cancellationToken)
    {
        if (Merged is null)
        {
            await Client.ConnectAsync(cancellationToken).ConfigureAwait(false);
            return;
        }
        await Merged.ConnectAsync(cancellationToken).ConfigureAwait(false);
        foreach (var feed in Merged.GetFeedHealth())
            if (feed.ConnectFailure is { } failure)
                await _status.WriteLineAsync($"kisrt: feed {feed.Name} did not connect ({failure}); starting on the other, its subscriptions try it again")
                    .ConfigureAwait(false);
    }

    /// <summary>With feed B: one line per feed (records, first delivered, duplicates, lag, reconnects, own gaps); else null.</summary>
    public string? FeedHealth() => Merged is null ? null : "feeds: " + string.Join("; ", Merged.GetFeedHealth().Select(f => f.ToString()));

    public async ValueTask DisposeAsync()
    {
        if (Merged is not null) await Merged.DisposeAsync().ConfigureAwait(false);
        if (FeedB is not null) await FeedB.DisposeAsync().ConfigureAwait(false);
        await Client.DisposeAsync().ConfigureAwait(false);
        if (_simulator is not null) await _simulator.DisposeAsync().ConfigureAwait(false);
        _loggerFactory.Dispose();
    }
}

/// <summary>
/// The built-in simulator of <c>stream</c>, <c>record</c>, <c>bars</c> and <c>dashboard</c> without credentials. A
/// class of its own, reached only when no server is given: the JIT loads Kis.Realtime.Simulator when it compiles a
/// method that names its types, so <see cref="ClientHost.StartAsync"/> must not.
/// </summary>
internal static class BuiltInSimulator
{
    [MethodImpl(MethodImplOptions.NoInlining)] // inlined, its state machine (simulator types) would be the caller's
    public static async Task<(IAsyncDisposable Simulator, Uri WebSocketUrl, Uri RestUrl, IReadOnlySet<string> ListedCodes)> StartAsync(
        KisEnvironment environment, ConnectionArgs args,
        KisCredential? feedB, TextWriter status, CancellationToken cancellationToken)
    {
        var simOptions = SimulatorOptions.Default with
        {
            Profile = environment == KisEnvironment.Paper ? SimulatorProfile.Paper : SimulatorProfile.Real,
            AcceptAnyHtsId = true,
            // A demo of the data: nobody can place orders into a built-in simulator, so its stock notices are made up
            // (`kisrt sim` is the paper-trading venue, where they report real orders).
            RandomNotices = true,
            Seed = args.SimulatorSeed,
            Pace = SimCommand.ParsePace(args.SimulatorPace, replaying: false),
        };
        // Feed B's key is one more the built-in simulator accepts (its sessions get the same market).
        if (feedB is not null)
            simOptions = simOptions with { Credentials = [.. simOptions.Credentials, new SimulatorCredential(feedB.AppKey, feedB.AppSecret, "simuserb")] };
        var simulator = await KisSimulator.StartAsync(simOptions, cancellationToken).ConfigureAwait(false);
        status.WriteLine("kisrt: no KIS credentials configured (KIS_APP_KEY/KIS_APP_SECRET): streaming from the built-in simulator at " +
            $"{KisSimulator.Display(simulator.WebSocketUrl)}");
        var listed = KisSimulatorInstrument.List(simOptions.Seed, KoreaTime.DateOf(DateTimeOffset.UtcNow), simOptions.Universe)
            .Where(i => i.Kind is "stock" or "elw").Select(i => i.Code).ToHashSet(StringComparer.Ordinal);
        return (simulator, simulator.WebSocketUrl, simulator.RestBaseUrl, listed);
    }
}
