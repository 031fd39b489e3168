using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Kis.Realtime;

/// <summary>Registers a <c>kisrt record</c> folder, and a replay client over it, in a service collection.</summary>
public static class KisRecordingServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="KisRecordingFolder"/> over <paramref name="directory"/> (also as <see cref="KisRecordingSource"/>)
    /// and a <see cref="KisReplayClient"/> over it, also as <see cref="IKisRealtimeClient"/> and
    /// <see cref="IKisRawMessageSource"/> (unless one is already registered): code written against
    /// <see cref="IKisRealtimeClient"/> then runs over the recording unchanged.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="directory">The folder given to <c>kisrt record --out</c>.</param>
    /// <param name="options">Speed and window, e.g. <c>KisReplayOptions.Default with { Speed = 10 }</c>; null: as fast as possible.</param>
    public static IServiceCollection AddKisRecording(this IServiceCollection services, string directory, KisReplayOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrEmpty(directory);
        (options ?? KisReplayOptions.Default).Validate();
        services.TryAddSingleton(new KisRecordingFolder(directory));
        services.TryAddSingleton<KisRecordingSource>(sp => sp.GetRequiredService<KisRecordingFolder>());
        return services.AddKisReplay(options);
    }
}
