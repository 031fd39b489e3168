using Kis.Realtime.Gateway.Internal;
using Kis.Realtime.Gateway.Wire;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kis.Realtime.Gateway;

public sealed partial class KisGateway
{
    /// <summary>
    /// The streams a run of <paramref name="options"/> would start on that exist with other retention arguments
    /// (<see cref="KisGatewayOptions.StreamMaxAge"/>, <see cref="KisGatewayOptions.StreamMaxLengthBytes"/>,
    /// <see cref="KisGatewayOptions.StreamMaxSegmentSizeBytes"/>) than those options: the runs stream and the streams of
    /// the TRs the last run's checkpoint names. RabbitMQ never changes a stream's arguments, so such a run would keep
    /// their old retention: <c>kisrt gateway</c> refuses to start on them, before it joins the election. Streams that do
    /// not exist yet are created, as the run would create them.
    /// </summary>
    /// <returns>The streams of other retention, in order; empty when every one matches.</returns>
    /// <exception cref="KisConnectionException">The broker cannot be reached, or failed under the check.</exception>
    /// <exception cref="KisBrokerRefusedException">The broker refused the user (credentials, the vhost, a permission).</exception>
    public static async Task<IReadOnlyList<string>> CheckRetentionAsync(KisGatewayOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        try
        {
            return await FindRetentionKeptAsync(options, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (BrokerFault.IsBrokerFault(e) && !cancellationToken.IsCancellationRequested)
        {
            throw BrokerStartFailure(options.Endpoint, e, "");
        }
    }

    /// <summary>
    /// The exception for a start that failed at the broker: <see cref="KisBrokerRefusedException"/> when the broker refused the
    /// user (credentials, the vhost, a permission: a person must fix them), else <see cref="KisConnectionException"/> saying
    /// what the broker or network said.
    /// </summary>
    internal static Exception BrokerStartFailure(KisGatewayEndpoint endpoint, Exception e, string hint)
    {
        if (KisBrokerRefusedException.From(e, endpoint) is { } refused) return refused;
        return new KisConnectionException(new Uri(endpoint.DisplayUri), endpoint.DescribeFault(e) + hint, e);
    }

    private static async Task<IReadOnlyList<string>> FindRetentionKeptAsync(KisGatewayOptions options, CancellationToken cancellationToken)
    {
        var kept = new StreamRetention(NullLogger.Instance);
        GatewayCheckpoint? last;
        var journal = new RunJournal(options, NullLogger.Instance, kept);
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
