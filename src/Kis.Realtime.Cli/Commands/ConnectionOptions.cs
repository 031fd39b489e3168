using System.CommandLine;
using Kis.Realtime.Cli.Configuration;

namespace Kis.Realtime.Cli.Commands;

/// <summary>What <c>stream</c> and <c>record</c> share: subscriptions, credentials and where to connect.</summary>
internal sealed record ConnectionArgs
{
    public IReadOnlyList<string> Subscriptions { get; init; } = [];
    public string? AppKey { get; init; }
    public string? AppSecret { get; init; }
    /// <summary><c>gateway --credentials-file</c>: the app keys the client pools, in place of <see cref="AppKey"/> alone.</summary>
    public IReadOnlyList<KisCredential>? Credentials { get; init; }
    public string? HtsId { get; init; }
    public string? Environment { get; init; }
    public string? WebSocketUrl { get; init; }
    public string? RestUrl { get; init; }
    /// <summary>Built-in simulator pace (records/s per subscription, or demo/flat-out); used only when no credentials are given.</summary>
    public string? SimulatorPace { get; init; }
    public int SimulatorSeed { get; init; } = 1;
    /// <summary><c>dashboard --gateway</c>: the broker of a running <c>kisrt gateway</c> to read from.</summary>
    public string? Gateway { get; init; }
    /// <summary><c>dashboard --namespace</c>: that gateway's namespace.</summary>
    public string? GatewayNamespace { get; init; }
    /// <summary><c>--amqp-ca</c>: the private CA of that gateway's amqps:// broker.</summary>
    public string? GatewayCaFile { get; init; }
    /// <summary>The library's log on standard error from this level up (default warning).</summary>
    public string? LogLevel { get; init; }
    /// <summary><c>--feed-b-app-key</c> (stream, bars): a second session's app key, merged with the first (A/B feeds).</summary>
    public string? FeedBAppKey { get; init; }
    /// <summary><c>--feed-b-app-secret</c>: its secret.</summary>
    public string? FeedBAppSecret { get; init; }

    /// <summary>Secrets masked (the app key, the app secret, a password in the gateway URI): a record's ToString ends up in test output and logs.</summary>
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append($"Subscriptions = [{string.Join(", ", Subscriptions)}], AppKey = {Masked.Key(AppKey)}, AppSecret = {Masked.Secret(AppSecret)}, ");
        builder.Append($"HtsId = {HtsId}, Environment = {Environment}, WebSocketUrl = {WebSocketUrl}, RestUrl = {RestUrl}, ");
        builder.Append($"SimulatorPace = {SimulatorPace}, SimulatorSeed = {SimulatorSeed}, Gateway = {Masked.BrokerUri(Gateway)}, ");
        builder.Append($"GatewayNamespace = {GatewayNamespace}, GatewayCaFile = {GatewayCaFile}, LogLevel = {LogLevel}, ");
        builder.Append($"FeedBAppKey = {Masked.Key(FeedBAppKey)}, FeedBAppSecret = {Masked.Secret(FeedBAppSecret)}, Credentials = {Credentials?.Count}");
        return true;
    }

    /// <summary>The command-line layer of the configuration (highest precedence).</summary>
    public IReadOnlyDictionary<string, string?> ToConfiguration() => new Dictionary<string, string?>
    {
        ["Kis:AppKey"] = AppKey,
        ["Kis:AppSecret"] = AppSecret,
        ["Kis:HtsId"] = HtsId,
        ["Kis:Environment"] = Environment,
        ["Kis:WebSocketUrl"] = WebSocketUrl,
        ["Kis:RestBaseUrl"] = RestUrl,
        ["Gateway:Uri"] = Gateway,
        ["Gateway:Namespace"] = GatewayNamespace,
        ["Gateway:CaFile"] = GatewayCaFile,
    };
}

/// <summary>The System.CommandLine options behind <see cref="ConnectionArgs"/>.</summary>
internal sealed class ConnectionOptions
{
    /// <summary>What <c>--sub</c> subscribes when not given, for stream, record and dashboard.</summary>
    public const string SubscriptionsDefaultFiveServices = "Default: one of each of the five services.";

    /// <summary><c>kisrt gateway</c>: its consumers ask for what they want; <c>--sub</c> only adds keys held all run.</summary>
    public const string SubscriptionsHeldByGateway = "Held for the whole run, whether or not a consumer asks. Default: none (consumers ask for theirs).";

    private readonly Option<string[]> _sub;
    private readonly bool _feedB;

    /// <param name="subscriptionsDefault">The last sentence of <c>--sub</c>'s help: what happens without it.</param>
    /// <param name="feedB">Offer <c>--feed-b-app-key</c>/<c>--feed-b-app-secret</c> (a second session merged with the first).</param>
    public ConnectionOptions(string subscriptionsDefault = SubscriptionsDefaultFiveServices, bool feedB = false)
    {
        _sub = new("--sub")
        {
            Description = "TR:KEY to subscribe, repeatable. TR is a TR id or an alias: " + SubscriptionSpec.AliasHelp + ". " + subscriptionsDefault,
            AllowMultipleArgumentsPerToken = true,
        };
        _feedB = feedB;
    }

    private readonly Option<string?> _feedBAppKey = new("--feed-b-app-key")
    {
        Description = "a second app key (or KIS_APP_KEY_B): feed B, a session of its own to the same server, merged with the first "
                      + "(each trade once, in order)",
    };
    private readonly Option<string?> _feedBAppSecret = new("--feed-b-app-secret")
    {
        Description = "feed B's app secret (or KIS_APP_SECRET_B; prefer the variable)",
    };

    private readonly Option<string?> _appKey = new("--app-key") { Description = "KIS app key (or KIS_APP_KEY)" };
    private readonly Option<string?> _appSecret = new("--app-secret") { Description = "KIS app secret (or KIS_APP_SECRET; prefer the variable or user " +
        "secrets)" };
    private readonly Option<string?> _htsId = new("--hts-id") { Description = "HTS ID for notices (or KIS_HTS_ID)" };
    private readonly Option<string?> _env = new("--env") { Description = "real or paper (or KIS_ENV)" };
    private readonly Option<string?> _wsUrl = new("--ws-url") { Description = "WebSocket URL to connect to instead of KIS's (or KIS_WS_URL)" };
    private readonly Option<string?> _restUrl = new("--rest-url") { Description = "REST base URL for the approval key (or KIS_REST_URL)" };
    private readonly Option<string?> _simPace = new("--sim-pace") { Description = "built-in simulator only: demo (default), flat-out, or records/s per " +
        "subscription" };
    private readonly Option<string?> _logLevel = new("--log-level") { Description = "library log on standard error from this level: trace, debug, " +
        "information, warning (default), error, none" };
    private readonly Option<int> _simSeed = new("--sim-seed") { Description = "built-in simulator only: market seed", DefaultValueFactory = _ => 1 };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { _sub, _appKey, _appSecret, _htsId, _env, _wsUrl, _restUrl, _simPace, _simSeed, _logLevel })
            command.Options.Add(option);
        if (!_feedB) return;
        command.Options.Add(_feedBAppKey);
        command.Options.Add(_feedBAppSecret);
    }

    public ConnectionArgs Read(ParseResult parse) => new()
    {
        Subscriptions = parse.GetValue(_sub) ?? [],
        AppKey = parse.GetValue(_appKey),
        AppSecret = parse.GetValue(_appSecret),
        HtsId = parse.GetValue(_htsId),
        Environment = parse.GetValue(_env),
        WebSocketUrl = parse.GetValue(_wsUrl),
        RestUrl = parse.GetValue(_restUrl),
        SimulatorPace = parse.GetValue(_simPace),
        SimulatorSeed = parse.GetValue(_simSeed),
        LogLevel = parse.GetValue(_logLevel),
        FeedBAppKey = _feedB ? parse.GetValue(_feedBAppKey) : null,
        FeedBAppSecret = _feedB ? parse.GetValue(_feedBAppSecret) : null,
    };
}
