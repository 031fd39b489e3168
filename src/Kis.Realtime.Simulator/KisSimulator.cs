using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Kis.Realtime.Simulator.Hosting;
using Kis.Realtime.Simulator.Internal;
using Kis.Realtime.Simulator.Replay;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Kis.Realtime.Simulator;

/// <summary>
/// A KIS-compatible real-time server on 127.0.0.1: <c>POST /oauth2/Approval</c> on the REST port and the WebSocket
/// protocol (subscribe replies with KIS's OPSP codes and quirks, PINGPONG, data frames of every TR of the library's table,
/// encrypted notices) on a separate WebSocket port, like the real server. Host it in-process with
/// <see cref="StartAsync"/>; dispose to stop.
/// </summary>
public sealed class KisSimulator : IAsyncDisposable
{
    private readonly SimulatorHub _hub;
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2213",
        Justification = "Both apps are disposed in DisposeAsync, in a loop the analyzer does not follow")]
    private WebApplication? _webSocketApp, _restApp;
    private ReplayPlayer? _replay;
    private int _disposed;

    private KisSimulator(SimulatorOptions options)
    {
        Options = options;
        _hub = new SimulatorHub(options);
        Counters = new SimulatorCounters(_hub.Counters);
        Faults = new SimulatorFaults(_hub);
    }

    /// <summary>The WebSocket endpoint, <c>ws://127.0.0.1:&lt;port&gt;</c> (any path works, as at KIS: <c>/</c>, <c>/tryitout</c>, <c>//tryitout</c> …). Print
    /// it with <see cref="Display"/>.</summary>
    public Uri WebSocketUrl { get; private set; } = null!;

    /// <summary>The REST base, <c>http://127.0.0.1:&lt;port&gt;</c> (approval key, access token and the <c>/sim</c> control endpoint; repeated slashes in paths
    /// are tolerated).</summary>
    public Uri RestBaseUrl { get; private set; } = null!;

    /// <summary>The settings it runs with.</summary>
    public SimulatorOptions Options { get; }

    /// <summary>Fault injection.</summary>
    public SimulatorFaults Faults { get; }

    /// <summary>Live sessions (app keys masked).</summary>
    public IReadOnlyList<SimulatorSessionInfo> Sessions => [.. _hub.Sessions.Select(s => s.Snapshot())];

    /// <summary>
    /// Waits until the live sessions satisfy <paramref name="condition"/> (checked now and at every session or
    /// subscription change), e.g. <c>s =&gt; s.Count == 0</c> after a client closed. Lets tests wait without sleeping.
    /// </summary>
    public async Task WaitForSessionsAsync(Func<IReadOnlyList<SimulatorSessionInfo>, bool> condition, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(condition);
        while (true)
        {
            var next = _hub.NextChange;
            if (condition(Sessions)) return;
            await next.WaitAsync(ct).ConfigureAwait(false);
        }
    }

    /// <summary>The market clock now (KST): in demo mode the simulated trading day, in live mode the wall clock.</summary>
    public DateTime MarketTime => _hub.Market.Clock.Now();

    /// <summary>
    /// Where the paper venue's state is kept and what this start continued from, one line for a console: in memory only;
    /// the <see cref="SimulatorOptions.StateFile"/> and "new"; or the file with the accounts, open orders and market time
    /// it continued from.
    /// </summary>
    public string StateDescription
    {
        get
        {
            if (_hub.StateFile is not { } file) return "in memory only: a restart starts a new day (kisrt sim: --no-state)";
            if (_hub.RestoredState is not { } saved) return $"{file.Path} (new: a new day; kept across restarts)";
            var open = saved.Accounts.Sum(a => a.Orders.Count(o => o.Remaining > 0 && !o.Closed));
            var resumed = _hub.Market.Clock.Mode == MarketClockMode.Demo && !_hub.Market.Clock.IsScenario
                ? Market.MarketClock.NextDemoMorningIfClosed(saved.MarketTime) : saved.MarketTime;
            var next = resumed == saved.MarketTime ? "" : $"; that day had closed: the next trading day from {resumed:yyyy-MM-dd HH:mm} KST";
            return $"{file.Path} (continued: {saved.Accounts.Length} account(s), {open} open order(s), "
                   + $"market time {saved.MarketTime:yyyy-MM-dd HH:mm:ss} KST{next})";
        }
    }

    /// <summary>The shared state (tests look at live sessions' internals).</summary>
    internal SimulatorHub Hub => _hub;

    /// <summary>Running totals.</summary>
    public SimulatorCounters Counters { get; }

    /// <summary>
    /// Every instrument (TR and key) anyone subscribed to this run, with the records it made and how many its slowest
    /// subscriber has not sent yet: the simulator's own count, which a whole-market run's consumers are checked against.
    /// </summary>
    public IReadOnlyList<SimulatorInstrumentCount> Instruments =>
        [.. _hub.Market.Instruments.Select(i => new SimulatorInstrumentCount(i.Tr.Id, i.Key, i.RecordsMade, i.RecordsUnsent))
            .OrderBy(c => c.TrId, StringComparer.Ordinal).ThenBy(c => c.Key, StringComparer.Ordinal)];

    /// <summary>Completes when the replay file has been served (immediately when there is none).</summary>
    public Task ReplayCompletion => _replay?.Completion ?? Task.CompletedTask;

    /// <summary>The stepped replay's gate (null: not stepping); for tests.</summary>
    internal ReplayStepGate? StepGate => _replay?.Gate;

    /// <summary>Starts both listeners and returns once they accept connections.</summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    /// <exception cref="IOException">A port could not be bound.</exception>
    /// <exception cref="KisSimulatorStateException">The <see cref="SimulatorOptions.StateFile"/> cannot be used.</exception>
    public static async Task<KisSimulator> StartAsync(SimulatorOptions options, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (options.ReplayFile is not null && !File.Exists(options.ReplayFile))
            throw new FileNotFoundException("The replay file does not exist.", options.ReplayFile);
        var sim = new KisSimulator(options);
        try
        {
            await sim.StartCoreAsync(ct).ConfigureAwait(false);
            return sim;
        }
        catch
        {
            await sim.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task StartCoreAsync(CancellationToken ct)
    {
        Market.SimulatedMarket.WarmUp(Options);
        _webSocketApp = CreateApp(Options.WebSocketPort);
        _webSocketApp.Run(ctx => WebSocketEndpoint.HandleAsync(ctx, _hub));
        _restApp = CreateApp(Options.RestPort);
        // KIS ignores duplicate slashes: a base URL ending in '/' gives "//oauth2/tokenP". Normalise before routing.
        _restApp.Use((ctx, next) =>
        {
            ctx.Request.Path = NormalizePath(ctx.Request.Path);
            // Every answer carries the server's clock, as KIS's do: here the market's (a demo day's, a scenario's), on
            // which orders are stamped, so a client reconciles on the clock of the venue and not of the machine.
            ctx.Response.OnStarting(() =>
            {
                ctx.Response.Headers.Date = new DateTimeOffset(_hub.Market.Clock.Now(), KoreaTime.Offset).ToString("r", CultureInfo.InvariantCulture);
                return Task.CompletedTask;
            });
            return next(ctx);
        });
        _restApp.UseRouting();
        RestEndpoints.Map(_restApp, _hub, this);
        ReplayStepEndpoint.Map(_restApp, _hub, () => _replay?.Gate);

        await _webSocketApp.StartAsync(ct).ConfigureAwait(false);
        WebSocketUrl = new Uri($"ws://127.0.0.1:{BoundPort(_webSocketApp)}");
        await _restApp.StartAsync(ct).ConfigureAwait(false);
        RestBaseUrl = new Uri($"http://127.0.0.1:{BoundPort(_restApp)}");

        if (Options.ReplayFile is not null)
        {
            _replay = new ReplayPlayer(_hub, Options.ReplayFile);
            _replay.Start();
        }
        Log.Started(_hub.Logger, Options.Profile, Display(WebSocketUrl), Display(RestBaseUrl));
    }

    /// <summary>Collapses repeated slashes and drops a trailing one ("//oauth2//tokenP/" → "/oauth2/tokenP").</summary>
    internal static PathString NormalizePath(PathString path)
    {
        var p = path.Value;
        if (string.IsNullOrEmpty(p) || (!p.Contains("//", StringComparison.Ordinal) && (p.Length == 1 || p[^1] != '/'))) return path;
        var sb = new System.Text.StringBuilder(p.Length);
        foreach (var c in p)
            if (c != '/' || sb.Length == 0 || sb[^1] != '/') sb.Append(c);
        if (sb.Length > 1 && sb[^1] == '/') sb.Length--;
        return new PathString(sb.ToString());
    }

    /// <summary>A base URL as the simulator prints it: scheme, host and port, without a trailing slash (so that
    /// <c>{url}/oauth2/tokenP</c> and <c>{url}/tryitout</c>, as KIS's samples build them, have one slash).</summary>
    public static string Display(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        return url.GetLeftPart(UriPartial.Authority);
    }

    private WebApplication CreateApp(int port)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(KisSimulator).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
            Args = [],
        });
        // The host's own logging stays quiet; the simulator logs through Options.LoggerFactory.
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, port);
            k.AddServerHeader = false;
            // A flat-out benchmark client or a stalled test client must not be cut by Kestrel's data-rate guards.
            k.Limits.MinRequestBodyDataRate = null;
            k.Limits.MinResponseDataRate = null;
        });
        return builder.Build();
    }

    private static int BoundPort(WebApplication app)
    {
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        return new Uri(addresses.First()).Port;
    }

    /// <summary>Issues an approval key as <c>POST /oauth2/Approval</c> would (convenience for tests and tools).</summary>
    /// <exception cref="InvalidOperationException">The credentials are not accepted.</exception>
    public async Task<string> IssueApprovalKeyAsync(string? appKey = null, string? appSecret = null, CancellationToken ct = default)
    {
        // Loopback only: never route through a proxy configured in the environment.
        using var handler = new HttpClientHandler { UseProxy = false };
        using var http = new HttpClient(handler) { BaseAddress = RestBaseUrl };
        using var response = await http.PostAsJsonAsync("/oauth2/Approval", new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["appkey"] = appKey ?? SimulatorOptions.DefaultAppKey,
            ["secretkey"] = appSecret ?? SimulatorOptions.DefaultAppSecret,
        }, Hosting.SimulatorJson.Kis.DictionaryStringString, ct).ConfigureAwait(false);
        var body = await response.Content.ReadFromJsonAsync(Hosting.SimulatorJson.Kis.DictionaryStringString, ct).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode || body is null || !body.TryGetValue("approval_key", out var key))
            throw new InvalidOperationException($"Approval refused: HTTP {(int)response.StatusCode} {body?.GetValueOrDefault("error_code")}");
        return key;
    }

    /// <summary>Stops the listeners and ends every session.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _hub.Driver?.Dispose();
        // Sessions first: a replay waiting on a stalled session's queue is released when that session ends.
        foreach (var s in _hub.Sessions) _ = s.AbortAsync();
        if (_replay is not null) await _replay.DisposeAsync().ConfigureAwait(false);
        foreach (var app in new[] { _webSocketApp, _restApp })
        {
            if (app is null) continue;
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await app.StopAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (InvalidOperationException)
            {
                // never started
            }
            await app.DisposeAsync().ConfigureAwait(false);
        }
        _hub.StateFile?.Dispose(); // the venue's state written a last time, once no call can change it
    }

    /// <inheritdoc/>
    public override string ToString() => $"KisSimulator({Options.Profile}, {WebSocketUrl}, {RestBaseUrl})";
}
