using Kis.Realtime.Recording;
using Kis.Realtime.Replay;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Kis.Realtime.PostgreSql;

/// <summary>Registers the PostgreSQL history, and a replay client over it, in a service collection.</summary>
public static class KisPostgresServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="KisPostgresHistory"/> (also as <see cref="KisRecordingSource"/>) and a
    /// <see cref="KisReplayClient"/> over it, also as <see cref="IKisRealtimeClient"/> and <see cref="IKisRawMessageSource"/>
    /// (unless one is already registered).
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="history">Where to read, e.g. <c>KisPostgresHistoryOptions.Default with { ConnectionString = … }</c>.</param>
    /// <param name="replay">Speed and window; null: as fast as possible.</param>
    /// <exception cref="ArgumentException">An option is missing or out of range.</exception>
    public static IServiceCollection AddKisPostgresHistory(this IServiceCollection services, KisPostgresHistoryOptions history, KisReplayOptions? replay = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(history);
        services.TryAddSingleton(new KisPostgresHistory(history));
        services.TryAddSingleton<KisRecordingSource>(sp => sp.GetRequiredService<KisPostgresHistory>());
        return services.AddKisReplay(replay);
    }

    /// <summary>
    /// Registers a <see cref="KisPostgresStreamWriter"/> (unless one is registered) and runs it as a hosted service: it
    /// stores the gateway's streams named by <paramref name="options"/> (and every stream it stored before) in PostgreSQL.
    /// The container's <see cref="ILoggerFactory"/> is used when the options name none.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="options">Broker, namespace, database and TRs, e.g. <c>KisPostgresStreamWriterOptions.Default with { ConnectionString = …, TrIds = ["H0STCNT0"] }</c>.</param>
    /// <exception cref="ArgumentException">An option is missing or out of range.</exception>
    public static IServiceCollection AddKisPostgresStreamWriter(this IServiceCollection services, KisPostgresStreamWriterOptions options)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        services.TryAddSingleton(sp => new KisPostgresStreamWriter(options.LoggerFactory is null && sp.GetService<ILoggerFactory>() is { } loggers
            ? options with { LoggerFactory = loggers }
            : options));
        services.AddHostedService(sp => sp.GetRequiredService<KisPostgresStreamWriter>());
        return services;
    }
}
