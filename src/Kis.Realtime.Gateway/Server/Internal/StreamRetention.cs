using System.Collections.Concurrent;
using Kis.Realtime.Gateway.Wire;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Kis.Realtime.Gateway.Internal;

/// <summary>
/// Declares the gateway's streams with their retention arguments, tolerating a stream that exists with other ones.
/// RabbitMQ never changes a queue's arguments: declaring a stream again with another <c>x-max-age</c> or
/// <c>x-max-length-bytes</c> is refused (406 PRECONDITION_FAILED) and the channel is closed. Each declaration therefore
/// runs on a channel of its own; a stream refused that way exists, keeps its own retention, and is named here (status,
/// one warning each) instead of failing the gateway. A policy changes the retention of existing streams
/// (docs/gateway.md, "Changing retention").
/// </summary>
internal sealed partial class StreamRetention(ILogger logger)
{
    private readonly ConcurrentDictionary<string, byte> _kept = new();

    /// <summary>Streams that exist with other retention arguments than this gateway's, which they keep.</summary>
    public IReadOnlyList<string> Kept => _kept.Keys.Order(StringComparer.Ordinal).ToList();

    /// <summary>Declares <paramref name="stream"/> with <paramref name="arguments"/>; false when it exists with others (kept as it is).</summary>
    public async Task<bool> DeclareAsync(IConnection connection, string stream, IDictionary<string, object?> arguments, CancellationToken cancellationToken)
    {
        if (await TryDeclareAsync(connection, stream, arguments, cancellationToken).ConfigureAwait(false)) return true;
        if (_kept.TryAdd(stream, 0)) Log.Kept(logger, stream, Describe(arguments));
        return false;
    }

    /// <summary>True when declared (created, or found with the same arguments); false on 406: it exists with others.</summary>
    public static async Task<bool> TryDeclareAsync(IConnection connection, string stream, IDictionary<string, object?> arguments,
        CancellationToken cancellationToken)
    {
        var channel = await connection.OpenChannelAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await channel.QueueDeclareAsync(stream, durable: true, exclusive: false, autoDelete: false, arguments: arguments,
                cancellationToken: cancellationToken).ConfigureAwait(false);
            await channel.CloseAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == Constants.PreconditionFailed)
        {
            return false; // the broker closed the channel
        }
        finally
        {
            channel.Dispose();
        }
    }

    /// <summary>The retention arguments as the command line names them.</summary>
    public static string Describe(IDictionary<string, object?> arguments) =>
        $"x-max-age {arguments["x-max-age"]}, x-max-length-bytes {arguments["x-max-length-bytes"]}, x-stream-max-segment-size-bytes " +
        $"{arguments["x-stream-max-segment-size-bytes"]}";

    private static partial class Log
    {
        [LoggerMessage(70, LogLevel.Warning, "Stream {Stream} exists with other retention than this gateway's ({Arguments}): it keeps its own, as RabbitMQ " +
            "never changes a stream's arguments; change it with a policy (docs/gateway.md, Changing retention)")]
        public static partial void Kept(ILogger logger, string stream, string arguments);
    }

    /// <summary>The streams a run of <paramref name="options"/> would start on that exist with other retention arguments
    /// (<see cref="KisGateway.CheckRetentionAsync"/>): the runs stream and the streams of the last checkpoint's TRs.</summary>
    public static async Task<IReadOnlyList<string>> FindKeptAsync(KisGatewayOptions options, CancellationToken cancellationToken)
    {
        var kept = new StreamRetention(Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        Wire.GatewayCheckpoint? last;
        var journal = new RunJournal(options, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, kept);
        await using (journal.ConfigureAwait(false)) last = await journal.ReadLastAsync(cancellationToken).ConfigureAwait(false);
        var trs = last is null ? [] : last.Claims.Select(c => c.Tr).Concat(last.Keys.Select(k => k.Tr)).Distinct(StringComparer.Ordinal).ToList();
        if (trs.Count == 0) return kept.Kept;
        var connection = await options.Endpoint.CreateFactory("kisrt-gateway-check").CreateConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var arguments = StreamTopology.Arguments(options);
            foreach (var tr in trs)
                await kept.DeclareAsync(connection, options.Endpoint.StreamFor(tr), arguments, cancellationToken).ConfigureAwait(false);
        }
        return kept.Kept;
    }
}
