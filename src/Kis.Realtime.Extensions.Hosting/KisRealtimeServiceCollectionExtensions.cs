using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Kis.Realtime;

/// <summary>Registers Kis.Realtime in a service collection.</summary>
public static class KisRealtimeServiceCollectionExtensions
{
    /// <summary>The name of the <see cref="IHttpClientFactory"/> client used to issue approval keys.</summary>
    public const string HttpClientName = "Kis.Realtime";

    /// <summary>
    /// Registers one <see cref="KisRealtimeClient"/> (also as <see cref="IKisRealtimeClient"/>) built from the
    /// <paramref name="configuration"/> section (keys: <see cref="KisRealtimeSettings"/>), validated when the host
    /// starts, with <see cref="ILoggerFactory"/>, <see cref="TimeProvider"/> and the
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
        var path = (configuration as IConfigurationSection)?.Path ?? "";
        services.AddOptions<KisRealtimeSettings>().Bind(configuration).ValidateOnStart();
        return AddClient(services, path, configure);
    }

    /// <summary>As <see cref="AddKisRealtime(IServiceCollection, IConfiguration, Func{IServiceProvider, KisRealtimeOptions, KisRealtimeOptions})"/>, with settings given in code.</summary>
    public static IServiceCollection AddKisRealtime(this IServiceCollection services, Action<KisRealtimeSettings> configureSettings,
        Func<IServiceProvider, KisRealtimeOptions, KisRealtimeOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configureSettings);
        services.AddOptions<KisRealtimeSettings>().Configure(configureSettings).ValidateOnStart();
        return AddClient(services, "", configure);
    }

    private static IServiceCollection AddClient(IServiceCollection services, string path,
        Func<IServiceProvider, KisRealtimeOptions, KisRealtimeOptions>? configure)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<KisRealtimeSettings>>(new KisRealtimeSettingsValidator(path)));
        // The approval request carries the app secret: never redirected (a 307 would re-post it to another host).
        services.AddHttpClient(HttpClientName).ConfigurePrimaryHttpMessageHandler(Kis.Realtime.Auth.ApprovalKeyProvider.CreateHttpHandler);
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<KisRealtimeSettings>>().Value.ToOptions() with
            {
                LoggerFactory = sp.GetService<ILoggerFactory>(),
                TimeProvider = sp.GetService<TimeProvider>() ?? TimeProvider.System,
                MeterFactory = sp.GetService<System.Diagnostics.Metrics.IMeterFactory>(),
                HttpClient = sp.GetRequiredService<IHttpClientFactory>().CreateClient(HttpClientName),
            };
            if (configure is not null) options = configure(sp, options);
            return new KisRealtimeClient(options);
        });
        services.TryAddSingleton<IKisRealtimeClient>(sp => sp.GetRequiredService<KisRealtimeClient>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, KisRealtimeConnector>());
        return services;
    }
}

/// <summary>Connects the client when the host starts if <see cref="KisRealtimeSettings.ConnectOnStart"/> is set.</summary>
internal sealed class KisRealtimeConnector(IServiceProvider services, IOptions<KisRealtimeSettings> settings) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!settings.Value.ConnectOnStart) return;
        await services.GetRequiredService<KisRealtimeClient>().ConnectAsync(cancellationToken).ConfigureAwait(false);
    }

    // The container disposes the client (graceful release) when the host is disposed.
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
