namespace Kis.Realtime.Gateway;

/// <summary>
/// The broker refused this gateway's credentials at start: authentication (a wrong or rotated password, an unknown user)
/// or access to the virtual host. Retrying with the same credentials cannot help; <c>kisrt gateway</c> exits 4.
/// </summary>
public sealed class KisBrokerRefusedException : KisException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What the broker said, naming the user and the virtual host (never the password).</param>
    /// <param name="inner">The cause.</param>
    public KisBrokerRefusedException(string message, Exception? inner = null) : base(message, inner: inner)
    {
    }

    /// <summary>
    /// The refusal <paramref name="fault"/> carries, anywhere among its inner exceptions (a wrong password, no access to the
    /// vhost: 530 NOT_ALLOWED, a permission: 403 ACCESS_REFUSED), said as the broker said it, naming the user and the vhost
    /// of <paramref name="endpoint"/> (never the password); null for any other fault. For callers of a client that reports
    /// a refusal as <see cref="KisConnectionException"/> (<c>kisrt gateway status</c>).
    /// </summary>
    public static KisBrokerRefusedException? From(Exception fault, KisGatewayEndpoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(fault);
        ArgumentNullException.ThrowIfNull(endpoint);
        if (fault is KisBrokerRefusedException refused) return refused;
        return Wire.BrokerFault.IsRefusal(fault)
            ? new KisBrokerRefusedException($"RabbitMQ at {endpoint.DisplayUri}: {endpoint.DescribeFault(fault)}", fault)
            : null;
    }
}
