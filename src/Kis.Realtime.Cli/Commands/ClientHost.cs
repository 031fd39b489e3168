using Kis.Realtime.Cli.Configuration;
using Kis.Realtime.Protocol;
using Kis.Realtime.Simulator;
using Microsoft.Extensions.Logging;

namespace Kis.Realtime.Cli.Commands;

/// <summary>
/// Resolves settings and subscriptions, starts the built-in simulator when no credentials are configured, and
/// creates the client. Shared by <c>stream</c> and <c>record</c>.
/// </summary>
internal sealed class ClientHost : IAsyncDisposable
{
    private ClientHost(KisRealtimeClient client, KisSimulator? simulator, CliSettings settings, IReadOnlyList<SubscriptionSpec> subscriptions)
    {
        Client = client;
        Simulator = simulator;
        Settings = settings;
        Subscriptions = subscriptions;
    }

    public KisRealtimeClient Client { get; }
    public KisSimulator? Simulator { get; }
    public CliSettings Settings { get; }
    public IReadOnlyList<SubscriptionSpec> Subscriptions { get; }

    /// <summary>Environment lookup and configuration folder; tests replace them.</summary>
    public sealed record Environment(Func<string, string?> GetVariable, string? ConfigurationDirectory, bool UserSecrets)
    {
        public static Environment Process { get; } = new(System.Environment.GetEnvironmentVariable, null, true);
    }

    public static async Task<ClientHost> StartAsync(ConnectionArgs args, Environment environment, TextWriter status,
        KisFullMode fullMode, ILoggerFactory? loggerFactory, CancellationToken cancellationToken)
    {
        var configuration = CliSettings.BuildConfiguration(args.ToConfiguration(), environment.GetVariable,
            environment.ConfigurationDirectory, environment.UserSecrets);
        var settings = CliSettings.From(configuration);
        var envFlag = settings.Environment;

        KisSimulator? simulator = null;
        if (!settings.HasCredentials)
        {
            if (settings.WebSocketUrl is null)
            {
                // No account: the built-in simulator stands in for KIS, accepting any HTS ID for notices.
                var simOptions = SimulatorOptions.Default with
                {
                    Profile = envFlag == KisEnvironments.Paper ? SimulatorProfile.Paper : SimulatorProfile.Real,
                    AcceptAnyHtsId = true,
                    Seed = args.SimulatorSeed,
                    Pace = SimCommand.ParsePace(args.SimulatorPace, replaying: false),
                };
                simulator = await KisSimulator.StartAsync(simOptions, cancellationToken).ConfigureAwait(false);
                settings = settings with { WebSocketUrl = simulator.WebSocketUrl, RestUrl = simulator.RestBaseUrl };
                status.WriteLine($"kisrt: no KIS credentials configured (KIS_APP_KEY/KIS_APP_SECRET): streaming from the built-in simulator at {simulator.WebSocketUrl}");
            }
            else
            {
                status.WriteLine($"kisrt: no KIS credentials configured: using the simulator's default credentials against {settings.WebSocketUrl}");
            }
            settings = settings with
            {
                AppKey = SimulatorOptions.DefaultAppKey,
                AppSecret = SimulatorOptions.DefaultAppSecret,
                HtsId = settings.HtsId ?? SimulatorOptions.DefaultHtsId,
            };
        }

        try
        {
            var specs = ParseSubscriptions(args.Subscriptions, settings);
            var options = KisRealtimeOptions.Default with
            {
                Credentials = [new KisCredential(settings.AppKey!, settings.AppSecret!)],
                HtsId = settings.HtsId,
                Environment = envFlag == KisEnvironments.Paper ? KisEnvironment.Paper : KisEnvironment.Real,
                WebSocketUrl = settings.WebSocketUrl,
                RestBaseUrl = settings.RestUrl,
                // A dropped connection is retried within a second; backoff grows only if retries keep failing.
                ReconnectMinDelay = TimeSpan.FromMilliseconds(500),
                RetryOnInitialConnect = false,
                FullMode = fullMode,
                LoggerFactory = loggerFactory,
            };
            var client = new KisRealtimeClient(options);
            return new ClientHost(client, simulator, settings, specs);
        }
        catch
        {
            if (simulator is not null) await simulator.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static List<SubscriptionSpec> ParseSubscriptions(IReadOnlyList<string> texts, CliSettings settings)
    {
        if (texts.Count == 0)
            texts = settings.Environment == KisEnvironments.Paper
                ? [$"notice:{settings.HtsId}"] // the paper server offers only the notice TR
                : SubscriptionSpec.DemoSet(settings.HtsId ?? "");
        var specs = new List<SubscriptionSpec>();
        foreach (var text in texts)
        {
            if (!SubscriptionSpec.TryParse(text, settings.HtsId, settings.Environment, out var spec, out var error))
                throw new CliUsageException(error);
            if (!spec.Tr.Environments.HasFlag(settings.Environment))
                throw new CliUsageException($"--sub {text}: {spec.Tr.Id} is not offered on the {settings.Environment.ToString().ToLowerInvariant()} server.");
            if (!specs.Contains(spec)) specs.Add(spec);
        }
        return specs;
    }

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync().ConfigureAwait(false);
        if (Simulator is not null) await Simulator.DisposeAsync().ConfigureAwait(false);
    }
}
