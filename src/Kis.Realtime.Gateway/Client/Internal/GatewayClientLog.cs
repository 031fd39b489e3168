using Microsoft.Extensions.Logging;

namespace Kis.Realtime.Gateway.Internal;

/// <summary>The gateway client's log messages (its logger's category is <see cref="KisGatewayClient"/>'s, whichever part logs).</summary>
internal static partial class GatewayClientLog
{
    [LoggerMessage(39, LogLevel.Warning,
        "Broker {Broker} not reachable ({Reason}), attempt {Attempt}; trying again in {DelaySeconds:0.0} s (logged at attempt 1, 2, 4 …)")]
    public static partial void ConnectRetry(ILogger logger, string broker, string reason, int attempt, double delaySeconds);

    [LoggerMessage(40, LogLevel.Debug, "Gateway request {Op} failed: {Reason}")]
    public static partial void RequestFailed(ILogger logger, string op, string reason);

    [LoggerMessage(48, LogLevel.Warning, "{Gap}")]
    public static partial void Gap(ILogger logger, string gap);

    [LoggerMessage(49, LogLevel.Warning, "A GapDetected handler threw ({Reason}); ignored")]
    public static partial void GapHandlerFailed(ILogger logger, string reason);

    [LoggerMessage(47, LogLevel.Information, "Claimed {TrId} {TrKey} again: the gateway did not hold it (a new run took over, or the lease lapsed)")]
    public static partial void Reclaimed(ILogger logger, string trId, string trKey);

    [LoggerMessage(45, LogLevel.Warning,
        "The gateway no longer holds the claim on {TrId} {TrKey}: its subscriptions end with KisGatewayClaimLostException")]
    public static partial void ClaimLost(ILogger logger, string trId, string trKey);

    [LoggerMessage(44, LogLevel.Information,
        "Subscription {TrId} {TrKey} did not keep up with its TR's shared stream reader: it continues on a reader of its own from offset {Offset}")]
    public static partial void MovedToOwnReader(ILogger logger, string trId, string trKey, long offset);
}
