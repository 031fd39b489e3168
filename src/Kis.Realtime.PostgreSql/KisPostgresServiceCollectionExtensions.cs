using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

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
}
