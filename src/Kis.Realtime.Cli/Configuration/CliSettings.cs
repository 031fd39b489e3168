using Microsoft.Extensions.Configuration;

namespace Kis.Realtime.Cli.Configuration;

/// <summary>
/// The connection settings of <c>kisrt</c>, resolved the .NET way, from the same keys as the library's
/// <c>services.AddKisRealtime(configuration.GetSection("Kis"))</c> (<c>KisRealtimeSettings</c>): one appsettings.json
/// serves both. Precedence, lowest to highest:
/// <c>appsettings.json</c> (section <c>Kis</c>), user secrets, environment variables (<c>KIS_APP_KEY</c>,
/// <c>KIS_APP_SECRET</c>, <c>KIS_HTS_ID</c>, <c>KIS_ENV</c>, <c>KIS_WS_URL</c>, <c>KIS_REST_URL</c>; for <c>dashboard</c>,
/// <c>KISRT_GATEWAY</c> and <c>KISRT_GATEWAY_NAMESPACE</c>, section <c>Gateway</c>; also the library's .NET-style names
/// such as <c>Kis__AppKey</c>, which the <c>KIS_*</c> names beat), command-line options.
/// </summary>
internal sealed record CliSettings
{
    public string? AppKey { get; init; }
    public string? AppSecret { get; init; }
    public string? HtsId { get; init; }
    public KisEnvironment Environment { get; init; } = KisEnvironment.Real;
    public Uri? WebSocketUrl { get; init; }
    public Uri? RestUrl { get; init; }
    /// <summary>A running <c>kisrt gateway</c>'s broker (amqp://…) to read from instead of a KIS session (<c>dashboard</c>).</summary>
    public Uri? Gateway => ParseAmqp(GatewayText);

    /// <summary>
    /// <c>Gateway:Uri</c> as configured: parsed (and refused when malformed) only by the commands that read from a
    /// gateway, so a stale KISRT_GATEWAY does not stop <c>stream</c> or <c>record</c>.
    /// </summary>
    public string? GatewayText { get; init; }
    /// <summary>That gateway's namespace (default kis).</summary>
    public string? GatewayNamespace { get; init; }
    /// <summary>For an amqps:// gateway broker: a PEM file of the private CA that signed its certificate.</summary>
    public string? GatewayCaFile { get; init; }

    /// <summary>True when credentials were given: connect to KIS (or the URLs given) instead of the built-in simulator.</summary>
    public bool HasCredentials => !string.IsNullOrEmpty(AppKey) && !string.IsNullOrEmpty(AppSecret);

    /// <summary>The mapping from environment variables to configuration keys.</summary>
    public static readonly IReadOnlyDictionary<string, string> EnvironmentVariables = new Dictionary<string, string>
    {
        ["KIS_APP_KEY"] = "Kis:AppKey",
        ["KIS_APP_SECRET"] = "Kis:AppSecret",
        ["KIS_HTS_ID"] = "Kis:HtsId",
        ["KIS_ENV"] = "Kis:Environment",
        ["KIS_WS_URL"] = "Kis:WebSocketUrl",
        ["KIS_REST_URL"] = "Kis:RestBaseUrl",
        ["KISRT_GATEWAY"] = "Gateway:Uri",
        ["KISRT_GATEWAY_NAMESPACE"] = "Gateway:Namespace",
        ["KISRT_AMQP_CA"] = "Gateway:CaFile",
    };

    /// <summary>The keys kisrt reads that may also come from .NET-style environment variables (<c>Kis__AppKey</c>).</summary>
    public static readonly IReadOnlyList<string> DotNetEnvironmentKeys =
        ["Kis:AppKey", "Kis:AppSecret", "Kis:HtsId", "Kis:Environment", "Kis:WebSocketUrl", "Kis:RestBaseUrl", "Kis:RestUrl", "Gateway:Uri",
            "Gateway:Namespace", "Gateway:CaFile"];

    /// <summary>Builds the layered configuration. Tests pass their own environment and base directory.</summary>
    public static IConfiguration BuildConfiguration(IReadOnlyDictionary<string, string?> commandLine,
        Func<string, string?>? getEnvironmentVariable = null, string? baseDirectory = null, bool userSecrets = true)
    {
        getEnvironmentVariable ??= System.Environment.GetEnvironmentVariable;
        var builder = new ConfigurationBuilder()
            .SetBasePath(baseDirectory ?? Directory.GetCurrentDirectory())
            .AddJsonFile("appsettings.json", optional: true, reloadOnChange: false);
        if (userSecrets) builder.AddUserSecrets(typeof(CliSettings).Assembly, optional: true, reloadOnChange: false);
        // The library's own environment names (Kis__AppKey, as AddKisRealtime reads them), below kisrt's KIS_* names.
        builder.AddInMemoryCollection(DotNetEnvironmentKeys
            .Select(key => KeyValuePair.Create(key, getEnvironmentVariable(key.Replace(":", "__", StringComparison.Ordinal))))
            .Where(kv => !string.IsNullOrEmpty(kv.Value)));
        builder.AddInMemoryCollection(EnvironmentVariables
            .Select(kv => KeyValuePair.Create(kv.Value, getEnvironmentVariable(kv.Key)))
            .Where(kv => !string.IsNullOrEmpty(kv.Value)));
        builder.AddInMemoryCollection(commandLine.Where(kv => !string.IsNullOrEmpty(kv.Value)));
        try
        {
            return builder.Build();
        }
        catch (InvalidDataException e)
        {
            // A broken appsettings.json (or user-secrets file) is the user's to fix: one line with where it broke, not a
            // stack trace. The parser's message names a line and position, never the file's values.
            var where = e.GetBaseException() is var innermost && innermost != e ? " " + innermost.Message.ReplaceLineEndings(" ") : "";
            throw new CliUsageException($"{Uncapitalised(e.Message)}{where} Fix the JSON or remove the file.");
        }
    }

    private static string Uncapitalised(string message) => message.Length > 0 ? char.ToLowerInvariant(message[0]) + message[1..] : message;

    /// <summary>
    /// <c>--gateway</c> given without a value: the gateway the configuration names (KISRT_GATEWAY, appsettings.json), else the
    /// local broker. Empty, so the command-line layer leaves the configured value in force (see <see cref="WithGatewayWanted"/>).
    /// </summary>
    public const string ConfiguredGateway = "";

    /// <summary>The settings with the local broker as the gateway when <c>--gateway</c> came without a value and nothing configures one.</summary>
    public CliSettings WithGatewayWanted(string? gatewayArgument) =>
        gatewayArgument == ConfiguredGateway && string.IsNullOrEmpty(GatewayText)
            ? this with { GatewayText = Kis.Realtime.Gateway.KisGatewayEndpoint.Default.AmqpUri.ToString() }
            : this;

    /// <summary>Reads the settings; a bad value is a clear error, never a silent default.</summary>
    public static CliSettings From(IConfiguration configuration)
    {
        var section = configuration.GetSection("Kis");
        // kisrt 0.1 read Kis:RestUrl; ignoring it silently would send an old configuration to KIS's own REST URL.
        if (!string.IsNullOrEmpty(section["RestUrl"]))
            throw new CliUsageException("configuration key Kis:RestUrl is now Kis:RestBaseUrl (the library's name for it): rename it.");
        var env = section["Environment"];
        return new CliSettings
        {
            AppKey = section["AppKey"],
            AppSecret = section["AppSecret"],
            // Null when absent, as in the library's options: an empty KIS_HTS_ID is no HTS ID.
            HtsId = string.IsNullOrWhiteSpace(section["HtsId"]) ? null : section["HtsId"],
            Environment = env?.ToLowerInvariant() switch
            {
                null or "" or "real" => KisEnvironment.Real,
                "paper" or "vts" => KisEnvironment.Paper,
                _ => throw new CliUsageException($"{SettingName(configuration, "Kis:Environment", "KIS_ENV / --env")} must be 'real' or 'paper', not '{env}'."),
            },
            WebSocketUrl = ParseUrl(section["WebSocketUrl"], SettingName(configuration, "Kis:WebSocketUrl", "KIS_WS_URL / --ws-url"), "ws"),
            RestUrl = ParseUrl(section["RestBaseUrl"], SettingName(configuration, "Kis:RestBaseUrl", "KIS_REST_URL / --rest-url"), "http"),
            GatewayText = configuration["Gateway:Uri"],
            GatewayNamespace = configuration["Gateway:Namespace"] is { Length: > 0 } ns ? ns : null,
            GatewayCaFile = configuration["Gateway:CaFile"] is { Length: > 0 } ca ? ca : null,
        };
    }

    /// <summary>
    /// The name of a setting as the user wrote it: the JSON file's key when the value in force came from a file
    /// (appsettings.json, user secrets), else the environment variable and option (the later layers).
    /// </summary>
    private static string SettingName(IConfiguration configuration, string key, string variableAndOption)
    {
        if (configuration is not IConfigurationRoot root) return variableAndOption;
        // The last provider that has the key is the one whose value is in force.
        var source = root.Providers.LastOrDefault(p => p.TryGet(key, out _));
        if (source is not Microsoft.Extensions.Configuration.Json.JsonConfigurationProvider { Source.Path: { } path }) return variableAndOption;
        var colon = key.LastIndexOf(':');
        return $"\"{key[(colon + 1)..]}\" in section \"{key[..colon]}\" of " +
            $"{(path == "appsettings.json" ? path : "user secrets (" + Path.GetFileName(path) + ")")}";
    }

    private static Uri? ParseAmqp(string? text)
    {
        if (string.IsNullOrEmpty(text)) return null;
        // The text may hold a password: the error names the setting, not the value.
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("amqp" or "amqps"))
            throw new CliUsageException("KISRT_GATEWAY / --gateway must be a RabbitMQ URI such as amqp://guest:guest@127.0.0.1:5672/ (the gateway's broker).");
        return uri;
    }

    private static Uri? ParseUrl(string? text, string name, string scheme)
    {
        if (string.IsNullOrEmpty(text)) return null;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || !uri.Scheme.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)
            || uri.Scheme.Length > scheme.Length + 1)
            throw new CliUsageException(scheme == "ws"
                ? $"{name} must be an absolute ws:// URL such as ws://127.0.0.1:21000/, not '{text}'."
                : $"{name} must be an absolute http:// or https:// URL, not '{text}'.");
        // KIS's real-time service is plain ws:// (ports 21000/31000) and the client speaks no TLS: refuse now, not after a failed handshake.
        if (uri.Scheme.Equals("wss", StringComparison.OrdinalIgnoreCase))
            throw new CliUsageException($"{name}: KIS's real-time service is plain ws:// and the client does not speak TLS (wss://); use " +
                $"ws://{uri.Authority}{uri.PathAndQuery} or leave it unset for KIS's own URL.");
        return uri;
    }

    /// <summary>Masks secrets: the app key is shown by its first four characters only; the secret never.</summary>
    public override string ToString() =>
        $"CliSettings {{ AppKey = {(AppKey is null ? "(none)" : KisCredential.Mask(AppKey))}, AppSecret = {(AppSecret is null ? "(none)" : "***")}, " +
        $"HtsId = {HtsId}, Environment = {Environment}, WebSocketUrl = {WebSocketUrl}, RestUrl = {RestUrl}, Gateway = {GatewayDisplay} }}";

    private string GatewayDisplay =>
        string.IsNullOrEmpty(GatewayText) ? "(none)"
        : Uri.TryCreate(GatewayText, UriKind.Absolute, out var gateway) ? new Kis.Realtime.Gateway.KisGatewayEndpoint { AmqpUri = gateway }.DisplayUri
        : "(not a URI)";
}

/// <summary>A user error on the command line or in configuration: printed as one line, exit code 2.</summary>
internal sealed class CliUsageException(string message) : Exception(message);
