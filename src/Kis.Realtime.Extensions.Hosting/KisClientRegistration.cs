using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Kis.Realtime;

/// <summary>
/// How a client of any kind is put in a service collection: the client (unnamed, or keyed by its options name), the
/// same instance as <see cref="IKisRealtimeClient"/>, and a hosted service that connects it at host start when its
/// settings say so. <c>AddKisRealtime</c> registers <see cref="KisRealtimeClient"/> with it, and
/// Kis.Realtime.Gateway.Hosting's <c>AddKisGatewayClient</c> its gateway client: one registration rule, so that both
/// kinds resolve, key and connect alike.
/// </summary>
public static class KisClientRegistration
{
    /// <summary>Registers <typeparamref name="TClient"/> (also as <see cref="IKisRealtimeClient"/>); the container disposes it.</summary>
    /// <typeparam name="TClient">The client's type.</typeparam>
    /// <param name="services">The services.</param>
    /// <param name="name">The service key and options name; null for the unnamed client (<see cref="Options.DefaultName"/>).</param>
    /// <param name="create">Builds the client from the container and its options name.</param>
    /// <param name="connectOnStart">Whether the client of that options name connects when the host starts.</param>
    public static IServiceCollection AddClient<TClient>(IServiceCollection services, string? name, Func<IServiceProvider, string, TClient> create,
        Func<IServiceProvider, string, bool> connectOnStart)
        where TClient : class, IKisRealtimeClient
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(create);
        ArgumentNullException.ThrowIfNull(connectOnStart);
        services.AddSingleton<IHostedService>(sp => new Connector<TClient>(sp, name, connectOnStart));
        if (name is null)
        {
            services.TryAddSingleton(sp => create(sp, Options.DefaultName));
            services.TryAddSingleton<IKisRealtimeClient>(sp => sp.GetRequiredService<TClient>());
        }
        else
        {
            services.TryAddKeyedSingleton(name, (sp, _) => create(sp, name));
            services.TryAddKeyedSingleton<IKisRealtimeClient>(name, (sp, key) => sp.GetRequiredKeyedService<TClient>(key));
        }
        return services;
    }

    /// <summary>Connects the client when the host starts if its settings ask for it.</summary>
    private sealed class Connector<TClient>(IServiceProvider services, string? name, Func<IServiceProvider, string, bool> connectOnStart) : IHostedService
        where TClient : class, IKisRealtimeClient
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            if (!connectOnStart(services, name ?? Options.DefaultName)) return;
            var client = name is null ? services.GetRequiredService<TClient>() : services.GetRequiredKeyedService<TClient>(name);
            await client.ConnectAsync(cancellationToken).ConfigureAwait(false);
        }

        // The container disposes the client (graceful release) when the host is disposed.
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
