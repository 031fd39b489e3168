using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Kis.Realtime.Gateway.PostgreSql;

/// <summary>Registers the gateway's PostgreSQL sink in a service collection.</summary>
public static class KisGatewayPostgresServiceCollectionExtensions
{
    /// <summary>
    /// Registers a <see cref="KisPostgresStreamWriter"/> (unless one is registered) and runs it as a hosted service: it
    /// stores the gateway's streams named by <paramref name="options"/> (and every stream it stored before) in PostgreSQL.
    /// The container's <see cref="ILoggerFactory"/> is used when the options name none.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="options">Broker, namespace, database and TRs, e.g.
    /// <c>KisPostgresStreamWriterOptions.Default with { ConnectionString = …, TrIds = ["H0STCNT0"] }</c>.</param>
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
