using System.CommandLine;
using Kis.Realtime.Cli.Configuration;
using Kis.Realtime.Gateway;

namespace Kis.Realtime.Cli.Commands;

/// <summary>
/// What the commands that read from a running gateway (<c>dashboard</c>, <c>bars</c>) share: its endpoint from the
/// settings, a consumer id of their own, and a first status request that fails with one line when it is not there.
/// </summary>
internal static class GatewayConnection
{
    public static KisGatewayEndpoint Endpoint(CliSettings settings) => WithCa(
        KisGatewayEndpoint.Default with { AmqpUri = settings.Gateway!, Namespace = settings.GatewayNamespace ?? KisGatewayEndpoint.Default.Namespace },
        settings.GatewayCaFile);

    /// <summary>The option every command reading from or running a gateway takes: a private CA for an amqps:// broker.</summary>
    public static Option<string?> CaOption() => new("--amqp-ca")
    {
        Description = "for amqps://: a PEM file of the CA that signed the broker's certificate, trusted instead of the system's store (or KISRT_AMQP_CA)",
    };

    /// <summary><paramref name="caFile"/> (a PEM file) as the only CA trusted for the broker; refused for amqp:// or a missing file.</summary>
    public static KisGatewayEndpoint WithCa(KisGatewayEndpoint endpoint, string? caFile)
    {
        if (string.IsNullOrEmpty(caFile)) return endpoint;
        if (endpoint.AmqpUri.Scheme != "amqps") throw new CliUsageException("--amqp-ca: the broker URI is not amqps://.");
        if (!File.Exists(caFile)) throw new CliUsageException($"--amqp-ca: no file {caFile}.");
        return endpoint with { CaCertificateFile = caFile };
    }

    /// <summary>A consumer id no other process uses (machine, process, a random suffix).</summary>
    public static string ConsumerId(string command) =>
        $"kisrt-{command}-{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}";

    /// <summary>
    /// The gateway's status: fails here, once, with one line, when the broker or the gateway is not there (as a direct
    /// session's first connect). On any failure the client and its logger factory are disposed.
    /// </summary>
    public static async Task<GatewayStatus> FirstStatusAsync(KisGatewayClient client, IDisposable loggerFactory, CancellationToken cancellationToken)
    {
        try
        {
            return await client.GetStatusAsync(cancellationToken);
        }
        catch (Exception e)
        {
            await client.DisposeAsync();
            loggerFactory.Dispose();
            if (e is KisConnectionException connection)
                throw new CliRunException($"could not reach the gateway: {connection.Reason}. Check that `kisrt gateway` is running and --gateway / KISRT_GATEWAY and --namespace / KISRT_GATEWAY_NAMESPACE name its broker and namespace.", e);
            throw;
        }
    }
}
