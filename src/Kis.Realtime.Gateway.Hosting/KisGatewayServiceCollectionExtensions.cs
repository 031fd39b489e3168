using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Kis.Realtime.Gateway;

/// <summary>Registers a <see cref="KisGatewayClient"/>, or a client of either kind chosen by configuration, or the gateway itself.</summary>
public static class KisGatewayServiceCollectionExtensions
{
    /// <summary>The configuration key choosing the source of <see cref="AddKisRealtimeClient"/>: <c>Direct</c> (default) or <c>Gateway</c>.</summary>
    public const string SourceKey = "Source";

    /// <summary>The sub-section holding the gateway client's settings for <see cref="AddKisRealtimeClient"/>.</summary>
    public const string GatewaySection = "Gateway";

    /// <summary>
    /// Registers one <see cref="KisGatewayClient"/> (also as <see cref="IKisRealtimeClient"/>) built from the
    /// <paramref name="configuration"/> section (keys: <see cref="KisGatewayClientSettings"/>), with the container's
    /// <see cref="ILoggerFactory"/> and <see cref="TimeProvider"/>. The container disposes it.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configuration">The section, e.g. <c>configuration.GetSection("Kis:Gateway")</c>.</param>
    /// <param name="configure">Changes to the options after binding.</param>
    public static IServiceCollection AddKisGatewayClient(this IServiceCollection services, IConfiguration configuration,
        Func<IServiceProvider, KisGatewayClientOptions, KisGatewayClientOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<KisGatewayClientSettings>().Bind(configuration);
        return AddClient(services, null, configure);
    }

    /// <summary>
    /// As <see cref="AddKisGatewayClient(IServiceCollection, IConfiguration, Func{IServiceProvider, KisGatewayClientOptions, KisGatewayClientOptions})"/>,
    /// keyed by <paramref name="name"/> (<c>[FromKeyedServices("name")]</c>; settings are the named options).</summary>
    public static IServiceCollection AddKisGatewayClient(this IServiceCollection services, string name, IConfiguration configuration,
        Func<IServiceProvider, KisGatewayClientOptions, KisGatewayClientOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<KisGatewayClientSettings>(name).Bind(configuration);
        return AddClient(services, name, configure);
    }

    /// <summary>
    /// Registers the <see cref="IKisRealtimeClient"/> the section's <c>Source</c> names: <c>Direct</c> (or unset) — a
    /// <see cref="KisRealtimeClient"/> from the section itself (<c>AddKisRealtime</c>); <c>Gateway</c> — a
    /// <see cref="KisGatewayClient"/> from its <c>Gateway</c> sub-section. The application's code is the same for both.
    /// With <paramref name="name"/>, the client is keyed.
    /// <code>
    /// "Kis": { "Source": "Gateway", "Gateway": { "AmqpUri": "amqp://mq:5672/" } }
    /// </code>
    /// </summary>
    /// <exception cref="ArgumentException"><c>Source</c> is neither <c>Direct</c> nor <c>Gateway</c>.</exception>
    public static IServiceCollection AddKisRealtimeClient(this IServiceCollection services, IConfiguration configuration, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        var source = configuration[SourceKey];
        var path = (configuration as IConfigurationSection)?.Path;
        var key = string.IsNullOrEmpty(path) ? SourceKey : $"{path}:{SourceKey}";
        if (string.IsNullOrEmpty(source) || source.Equals("Direct", StringComparison.OrdinalIgnoreCase))
            return name is null ? services.AddKisRealtime(configuration) : services.AddKisRealtime(name, configuration);
        if (source.Equals("Gateway", StringComparison.OrdinalIgnoreCase))
        {
            var gateway = configuration.GetSection(GatewaySection);
            return name is null ? services.AddKisGatewayClient(gateway) : services.AddKisGatewayClient(name, gateway);
        }
        throw new ArgumentException($"{key} must be Direct or Gateway, not '{source}'.", nameof(configuration));
    }

    /// <summary>
    /// Registers the gateway itself as a hosted <see cref="KisGatewayService"/> (also resolvable, for its role and
    /// status), with its hot-standby election: run the same application twice and the second waits, holding no KIS
    /// session, until the first goes. The options get the container's <see cref="ILoggerFactory"/> and
    /// <see cref="TimeProvider"/> unless they set their own.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="options">The gateway's options (KIS credentials in <see cref="KisGatewayOptions.Client"/>, the broker in
    /// <see cref="KisGatewayOptions.Endpoint"/>).</param>
    public static IServiceCollection AddKisGateway(this IServiceCollection services, Func<IServiceProvider, KisGatewayOptions> options)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        services.TryAddSingleton(sp =>
        {
            var configured = options(sp);
            return new KisGatewayService(configured with
            {
                LoggerFactory = configured.LoggerFactory ?? sp.GetService<ILoggerFactory>(),
                TimeProvider = configured.TimeProvider == TimeProvider.System ? sp.GetService<TimeProvider>() ?? TimeProvider.System : configured.TimeProvider,
            });
        });
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<KisGatewayService>());
        return services;
    }

    private static IServiceCollection AddClient(IServiceCollection services, string? name,
        Func<IServiceProvider, KisGatewayClientOptions, KisGatewayClientOptions>? configure)
    {
        // The registration rule of AddKisRealtime: both kinds of client resolve, key and connect at start alike.
        return KisClientRegistration.AddClient(services, name, (sp, optionsName) => Create(sp, optionsName, configure),
            (sp, optionsName) => sp.GetRequiredService<IOptionsMonitor<KisGatewayClientSettings>>().Get(optionsName).ConnectOnStart);
    }

    private static KisGatewayClient Create(IServiceProvider sp, string optionsName,
        Func<IServiceProvider, KisGatewayClientOptions, KisGatewayClientOptions>? configure)
    {
        var options = sp.GetRequiredService<IOptionsMonitor<KisGatewayClientSettings>>().Get(optionsName).ToOptions() with
        {
            LoggerFactory = sp.GetService<ILoggerFactory>(),
            TimeProvider = sp.GetService<TimeProvider>() ?? TimeProvider.System,
        };
        if (configure is not null) options = configure(sp, options);
        return new KisGatewayClient(options);
    }
}
