using Microsoft.Extensions.Logging;

namespace Kis.Realtime.Gateway.Internal;

/// <summary>The stream readers' log messages (on the client's logger).</summary>
internal static partial class StreamReaderLog
{
    [LoggerMessage(41, LogLevel.Warning, "Stream reader {TrId} ({Stream}) lost the broker ({Reason}) after offset {Offset}; reconnecting")]
    public static partial void Lost(ILogger logger, string trId, string stream, string reason, long offset);

    [LoggerMessage(42, LogLevel.Information, "Stream reader {TrId} ({Stream}) resumed from offset {Offset}")]
    public static partial void Resumed(ILogger logger, string trId, string stream, long offset);

    [LoggerMessage(46, LogLevel.Warning, "Stream reader {TrId} key {TrKey}: seq went back to {Sequence} within a run, further than a resend can: " +
        "delivered, count restarted (a record the gateway did not publish reached the stream? {Resets} so far, logged at 1, 2, 4 …)")]
    public static partial void SequenceWentBack(ILogger logger, string trId, string trKey, long sequence, long resets);

    [LoggerMessage(64, LogLevel.Debug, "Stream reader {TrId} ({Stream}): this broker node holds no replica of the stream yet; trying again")]
    public static partial void ReplicaNotYetStarted(ILogger logger, string trId, string stream);

    [LoggerMessage(65, LogLevel.Warning, "Stream reader {TrId} ({Stream}) found the stream created again (offset {Offset} no longer "
        + "holds what it took there): reading it from its first record. What was published while it was missing never reached the "
        + "broker: GapDetected reports the trades")]
    public static partial void StartedOver(ILogger logger, string trId, string stream, long offset);

    [LoggerMessage(43, LogLevel.Debug, "Stream reader {TrId} ({Stream}): reconnect failed ({Reason})")]
    public static partial void RetryFailed(ILogger logger, string trId, string stream, string reason);
}
