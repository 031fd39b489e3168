using System.CommandLine;
using Kis.Realtime.Cli.Configuration;
using Kis.Realtime.Gateway;
using Microsoft.Extensions.Logging;

namespace Kis.Realtime.Cli.Commands;

/// <summary>
/// What the commands that read from a running gateway (<c>dashboard</c>, <c>bars</c>) share: its endpoint from the
/// settings, a consumer id of their own, the client built and its first status request, which fails with one line when
/// it is not there; and the refusal of options that choose a KIS session when the source has its own.
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
    /// Refuses the options that choose a KIS session when the source is not one (a gateway, a recording): they would
    /// otherwise be silently ignored.
    /// </summary>
    public static void RefuseSessionOptions(ConnectionArgs args, string source, string reason)
    {
        foreach (var (given, name) in new[] { (args.WebSocketUrl, "--ws-url"), (args.RestUrl, "--rest-url"), (args.SimulatorPace, "--sim-pace"),
                     (args.AppKey, "--app-key"), (args.AppSecret, "--app-secret"), (args.FeedBAppKey, "--feed-b-app-key"),
                     (args.FeedBAppSecret, "--feed-b-app-secret") })
        {
            if (!string.IsNullOrEmpty(given)) throw new CliUsageException($"{name} does not apply with {source}: {reason}.");
        }
    }

    /// <summary>
    /// A client of the settings' gateway for <paramref name="command"/> (its own consumer id, 5-second requests, logging
    /// to <paramref name="status"/>), and the gateway's first status. On failure nothing is left to dispose.
    /// </summary>
    public static async Task<(KisGatewayClient Client, GatewayStatus Status, ILoggerFactory LoggerFactory)> ConnectAsync(ConnectionArgs args,
        CliSettings settings, string command, TextWriter status, Func<KisGatewayClientOptions, KisGatewayClientOptions> tune,
        CancellationToken cancellationToken)
    {
        var endpoint = Endpoint(settings); // may refuse the options: before anything to dispose exists
        var loggerFactory = Hosting.StderrLoggerProvider.CreateFactory(status, Hosting.StderrLoggerProvider.ParseLevel(args.LogLevel));
        KisGatewayClient client;
        try
        {
            client = new KisGatewayClient(tune(KisGatewayClientOptions.Default with
            {
                Endpoint = endpoint,
                ConsumerId = ConsumerId(command),
                RequestTimeout = TimeSpan.FromSeconds(5),
                LoggerFactory = loggerFactory,
            }));
        }
        catch
        {
            loggerFactory.Dispose(); // nobody else holds it yet
            throw;
        }
        return (client, await FirstStatusAsync(client, loggerFactory, cancellationToken), loggerFactory);
    }

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
                throw new CliRunException($"could not reach the gateway: {connection.Reason}. Check that `kisrt gateway` is running and --gateway / " +
                    "KISRT_GATEWAY and --namespace / KISRT_GATEWAY_NAMESPACE name its broker and namespace.", e);
            throw;
        }
    }
}
