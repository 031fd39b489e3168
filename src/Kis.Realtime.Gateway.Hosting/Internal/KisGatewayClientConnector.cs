using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Kis.Realtime.Gateway.Internal;

/// <summary>Connects a gateway client when the host starts if its <see cref="KisGatewayClientSettings.ConnectOnStart"/> is set.</summary>
internal sealed class KisGatewayClientConnector(IServiceProvider services, string? name) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = services.GetRequiredService<IOptionsMonitor<KisGatewayClientSettings>>().Get(name ?? Options.DefaultName);
        if (!settings.ConnectOnStart) return;
        var client = name is null ? services.GetRequiredService<KisGatewayClient>() : services.GetRequiredKeyedService<KisGatewayClient>(name);
        await client.ConnectAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
