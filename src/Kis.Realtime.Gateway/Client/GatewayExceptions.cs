namespace Kis.Realtime.Gateway;

/// <summary>
/// The gateway (not KIS) refused a request of this consumer: <see cref="Reason"/> says why (<c>unauthenticated</c>: no
/// broker user-id; <c>forbidden</c>: a reserved or another identity's; <c>quota</c>: the user holds
/// <see cref="KisGatewayOptions.MaxClaimsPerUser"/> claims; <c>rate</c>: too many requests per second;
/// <c>too_large</c>, <c>invalid</c>, <c>not_held</c>; <c>busy</c>: too many subscribes wait for KIS, ask again). See
/// docs/gateway-security.md.
/// </summary>
public sealed class KisGatewayRefusedException : KisSubscriptionException
{
    /// <summary>Creates the exception.</summary>
    public KisGatewayRefusedException(string trId, string trKey, string reason, string? message)
        : base(trId, trKey, $"The gateway refused {trId} {trKey}: {reason}{(message is null ? "" : ": " + message)}") => Reason = reason;

    /// <summary>The gateway's error kind (the reply's <c>error</c>).</summary>
    public string Reason { get; }
}

/// <summary>
/// A subscription's claim at the gateway is gone: a renewal found it no longer held (it lapsed while renewals did not
/// arrive, the gateway restarted, or it was released). The gateway may have released the KIS registration meanwhile, so records may be missing: the enumeration
/// ends rather than going on "live" with nothing coming. Subscribe again to continue (and replay from the stream to fill the gap).
/// </summary>
public sealed class KisGatewayClaimLostException : KisSubscriptionException
{
    /// <summary>Creates the exception.</summary>
    public KisGatewayClaimLostException(string trId, string trKey, string message) : base(trId, trKey, message)
    {
    }
}
