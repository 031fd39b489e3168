using Kis.Realtime.Gateway.Internal;
using Kis.Realtime.Gateway.Wire;

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
            return await StreamRetention.FindKeptAsync(options, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception raw) when (!cancellationToken.IsCancellationRequested && BrokerFault.Unasked(raw, cancellationToken) is var e
                                    && BrokerFault.IsBrokerFault(e))
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
}
