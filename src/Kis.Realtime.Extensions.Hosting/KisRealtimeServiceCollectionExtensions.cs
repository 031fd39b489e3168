using Kis.Realtime.Internal;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Kis.Realtime;

/// <summary>Registers Kis.Realtime in a service collection.</summary>
public static class KisRealtimeServiceCollectionExtensions
{
    /// <summary>
    /// The name of the <see cref="IHttpClientFactory"/> client whose handler chain issues approval keys. Its primary
    /// handler follows no redirects; one configured to follow them is refused when the client is created.
    /// </summary>
    public const string HttpClientName = "Kis.Realtime";

    /// <summary>
    /// Registers one <see cref="KisRealtimeClient"/> (also as <see cref="IKisRealtimeClient"/>) built from the
    /// <paramref name="configuration"/> section (keys: <see cref="KisRealtimeSettings"/>), validated when the host
    /// starts, with <see cref="ILoggerFactory"/>, <see cref="TimeProvider"/> and the handler of the
    /// <see cref="IHttpClientFactory"/> client <see cref="HttpClientName"/> taken from the container. The container
    /// disposes the client (releasing every registration). With <c>ConnectOnStart</c>, the host connects at start.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configuration">The section, e.g. <c>configuration.GetSection("Kis")</c>.</param>
    /// <param name="configure">Changes to the options after binding, e.g. <c>(sp, o) => o with { SubscriptionCapacity = 100 }</c>.</param>
    public static IServiceCollection AddKisRealtime(this IServiceCollection services, IConfiguration configuration,
        Func<IServiceProvider, KisRealtimeOptions, KisRealtimeOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<KisRealtimeSettings>().Bind(configuration).ValidateOnStart();
        return AddClient(services, null, PathOf(configuration), configure);
    }

    /// <summary>As <see cref="AddKisRealtime(IServiceCollection, IConfiguration, Func{IServiceProvider, KisRealtimeOptions, KisRealtimeOptions})"/>, with
    /// settings given in code.</summary>
    public static IServiceCollection AddKisRealtime(this IServiceCollection services, Action<KisRealtimeSettings> configureSettings,
        Func<IServiceProvider, KisRealtimeOptions, KisRealtimeOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configureSettings);
        services.AddOptions<KisRealtimeSettings>().Configure(configureSettings).ValidateOnStart();
        return AddClient(services, null, "", configure);
    }

    /// <summary>
    /// Registers a keyed <see cref="KisRealtimeClient"/> (also a keyed <see cref="IKisRealtimeClient"/>) named
    /// <paramref name="name"/>, for an application with more than one (e.g. a real and a paper account): inject it
    /// with <c>[FromKeyedServices("name")]</c> or <c>GetRequiredKeyedService&lt;IKisRealtimeClient&gt;("name")</c>.
    /// Its settings are the named options <paramref name="name"/>, validated at host start like the unnamed client's.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="name">The service key and options name.</param>
    /// <param name="configuration">The section, e.g. <c>configuration.GetSection("Kis:Paper")</c>.</param>
    /// <param name="configure">Changes to the options after binding.</param>
    public static IServiceCollection AddKisRealtime(this IServiceCollection services, string name, IConfiguration configuration,
        Func<IServiceProvider, KisRealtimeOptions, KisRealtimeOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<KisRealtimeSettings>(name).Bind(configuration).ValidateOnStart();
        return AddClient(services, name, PathOf(configuration), configure);
    }

    private static string PathOf(IConfiguration configuration) => (configuration as IConfigurationSection)?.Path ?? "";

    private static IServiceCollection AddClient(IServiceCollection services, string? name, string path,
        Func<IServiceProvider, KisRealtimeOptions, KisRealtimeOptions>? configure)
    {
        services.AddSingleton<IValidateOptions<KisRealtimeSettings>>(new KisRealtimeSettingsValidator(name ?? Options.DefaultName, path));
        // The approval request carries the app secret: never redirected (a 307 would re-post it to another host).
        services.AddHttpClient(HttpClientName).ConfigurePrimaryHttpMessageHandler(Kis.Realtime.Internal.BoundedHttp.CreateHandler);
        return KisClientRegistration.AddClient(services, name, (sp, optionsName) => Create(sp, optionsName, configure),
            (sp, optionsName) => sp.GetRequiredService<IOptionsMonitor<KisRealtimeSettings>>().Get(optionsName).ConnectOnStart);
    }

    private static KisRealtimeClient Create(IServiceProvider sp, string optionsName, Func<IServiceProvider, KisRealtimeOptions, KisRealtimeOptions>? configure)
    {
        var options = sp.GetRequiredService<IOptionsMonitor<KisRealtimeSettings>>().Get(optionsName).ToOptions() with
        {
            LoggerFactory = sp.GetService<ILoggerFactory>(),
            TimeProvider = sp.GetService<TimeProvider>() ?? TimeProvider.System,
            MeterFactory = sp.GetService<System.Diagnostics.Metrics.IMeterFactory>(),
            // The named client's handler chain (its primary handler follows no redirects; the options refuse one that does).
            HttpHandler = sp.GetRequiredService<IHttpMessageHandlerFactory>().CreateHandler(HttpClientName),
        };
        if (configure is not null) options = configure(sp, options);
        return new KisRealtimeClient(options);
    }
}
