using Kis.Realtime.Gateway;
using Kis.Realtime.Gateway.Internal;
using Microsoft.Extensions.Logging;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>
/// Why the deleted-user watch is off is said once a process for each vhost: one flag a logger factory silenced a second
/// gateway of the process (another vhost) that shared the factory, so its own fix line was never logged.
/// </summary>
public sealed class UserEventsWarningTests
{
    [Fact]
    public async Task Gateways_sharing_a_logger_factory_on_different_vhosts_each_say_their_line_once()
    {
        using var provider = new Client.CapturingLoggerProvider();
        using var factory = new LoggerFactory([provider]);
        // Vhosts unique to this test: the once-a-process record is static, and other tests share the process.
        var vhosts = new[] { "warn-a-" + Guid.NewGuid().ToString("N"), "warn-b-" + Guid.NewGuid().ToString("N") };
        foreach (var vhost in new[] { vhosts[0], vhosts[1], vhosts[0], vhosts[1] })
        {
            var options = KisGatewayOptions.Default with
            {
                LoggerFactory = factory,
                Endpoint = KisGatewayEndpoint.Default with { AmqpUri = new Uri($"amqp://u:p@127.0.0.1/{vhost}") },
            };
            var server = new RequestServer(options, new StreamTopology(options), () => null!, () => null!, factory.CreateLogger<RequestServer>());
            await using (server.ConfigureAwait(true))
            {
                // Another vhost than the event exchange's: decided by name, no broker connection is used.
                await server.WatchDeletedUsersAsync(null!, CancellationToken.None);
            }
        }
        var lines = provider.Lines.ToArray();
        foreach (var vhost in vhosts)
            Assert.Single(lines, l => l.Contains($"Not watching for deleted broker users on vhost {vhost}:", StringComparison.Ordinal));
    }
}
