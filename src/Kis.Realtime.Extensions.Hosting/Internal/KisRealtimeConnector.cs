using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Kis.Realtime.Internal;

/// <summary>Connects a client when the host starts if its <see cref="KisRealtimeSettings.ConnectOnStart"/> is set.</summary>
internal sealed class KisRealtimeConnector(IServiceProvider services, string? name) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = services.GetRequiredService<IOptionsMonitor<KisRealtimeSettings>>().Get(name ?? Options.DefaultName);
        if (!settings.ConnectOnStart) return;
        var client = name is null ? services.GetRequiredService<KisRealtimeClient>() : services.GetRequiredKeyedService<KisRealtimeClient>(name);
        await client.ConnectAsync(cancellationToken).ConfigureAwait(false);
    }

    // The container disposes the client (graceful release) when the host is disposed.
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
