using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Kis.Realtime;

/// <summary>Registers a <see cref="KisReplayClient"/> over the registered <see cref="KisRecordingSource"/>.</summary>
public static class KisReplayServiceCollectionExtensions
{
    /// <summary>
    /// Registers one <see cref="KisReplayClient"/> over the container's <see cref="KisRecordingSource"/>, also as
    /// <see cref="IKisRealtimeClient"/> and <see cref="IKisRawMessageSource"/> (each unless already registered). The
    /// container disposes it.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="options">Speed and window; null: as fast as possible.</param>
    public static IServiceCollection AddKisReplay(this IServiceCollection services, KisReplayOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        options ??= KisReplayOptions.Default;
        options.Validate();
        services.TryAddSingleton(sp => new KisReplayClient(sp.GetRequiredService<KisRecordingSource>(), options));
        services.TryAddSingleton<IKisRealtimeClient>(sp => sp.GetRequiredService<KisReplayClient>());
        services.TryAddSingleton<IKisRawMessageSource>(sp => sp.GetRequiredService<KisReplayClient>());
        return services;
    }
}
