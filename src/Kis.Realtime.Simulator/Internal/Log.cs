using Microsoft.Extensions.Logging;

namespace Kis.Realtime.Simulator.Internal;

/// <summary>Source-generated log messages. Secrets never appear: app keys are masked, approval keys and secrets omitted.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "KIS simulator ({Profile}) listening: WebSocket {WebSocketUrl}, REST {RestUrl}")]
    public static partial void Started(ILogger logger, SimulatorProfile profile, string webSocketUrl, string restUrl);

    [LoggerMessage(2, LogLevel.Information, "Session {SessionId} connected on {Path}")]
    public static partial void SessionConnected(ILogger logger, long sessionId, string path);

    [LoggerMessage(3, LogLevel.Information, "Session {SessionId} ended ({Reason})")]
    public static partial void SessionEnded(ILogger logger, long sessionId, string reason);

    [LoggerMessage(4, LogLevel.Debug, "Session {SessionId} {TrType} {TrId} {TrKey}: {MsgCd}")]
    public static partial void Request(ILogger logger, long sessionId, string trType, string? trId, string? trKey, string msgCd);

    [LoggerMessage(5, LogLevel.Warning, "Session {SessionId} refused: app key {AppKey} already in use (OPSP8996)")]
    public static partial void AppKeyInUse(ILogger logger, long sessionId, string appKey);

    [LoggerMessage(6, LogLevel.Warning, "Session {SessionId} closed: PINGPONG not answered within {Interval}")]
    public static partial void MissedPing(ILogger logger, long sessionId, TimeSpan interval);

    [LoggerMessage(7, LogLevel.Warning, "Session {SessionId} protocol error: {Message}")]
    public static partial void ProtocolError(ILogger logger, long sessionId, string message);

    [LoggerMessage(8, LogLevel.Information, "Fault injected: {Fault} ({Affected} affected)")]
    public static partial void Fault(ILogger logger, string fault, int affected);

    [LoggerMessage(9, LogLevel.Information, "Approval key issued for app key {AppKey}")]
    public static partial void ApprovalIssued(ILogger logger, string appKey);

    [LoggerMessage(10, LogLevel.Warning, "REST {Path} refused ({Code}): {Reason}")]
    public static partial void RestRefused(ILogger logger, string path, string code, string reason);

    [LoggerMessage(11, LogLevel.Warning, "Replay: {Message}")]
    public static partial void Replay(ILogger logger, string message);

    [LoggerMessage(13, LogLevel.Information, "Access token issued for app key {AppKey}")]
    public static partial void AccessTokenIssued(ILogger logger, string appKey);

    [LoggerMessage(14, LogLevel.Information, "Access token revoked for app key {AppKey}")]
    public static partial void AccessTokenRevoked(ILogger logger, string appKey);

    [LoggerMessage(15, LogLevel.Warning,
        "Session {SessionId} subscribed {TrId} {TrKey}: no market lists this code, so no records will come (as from KIS); listed codes include "
        + "{Examples} (`kisrt sim --list` prints them all){Unnamed}")]
    public static partial void UnlistedCode(ILogger logger, long sessionId, string trId, string trKey, string examples, string unnamed);

    [LoggerMessage(12, LogLevel.Error, "Session {SessionId} failed")]
    public static partial void SessionFailed(ILogger logger, long sessionId, Exception exception);
}
