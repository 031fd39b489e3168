using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Logging;

#pragma warning disable CS1591 // Plumbing (KISRT0001) for the sibling packages: the type's summary says what it is for.
namespace Kis.Realtime.Session;

/// <summary>Source-generated log messages. App keys appear masked; secrets and approval keys never appear.</summary>
[Experimental("KISRT0001")]
public static partial class Log
{
    [LoggerMessage(2001, LogLevel.Information, "Session {Session} ({AppKey}): {Previous} -> {Current} {Reason}")]
    public static partial void StateChanged(ILogger logger, int session, string appKey, KisConnectionState previous, KisConnectionState current,
        string? reason);

    [LoggerMessage(2002, LogLevel.Warning, "Session {Session}: connecting to {Url} failed: {Error}")]
    public static partial void ConnectFailed(ILogger logger, int session, Uri url, string error);

    /// <summary>A first connection that failed and is thrown to the caller: the exception is the report, this line a trace.</summary>
    [LoggerMessage(2022, LogLevel.Warning, "A raw message reader fell behind: {Total} messages dropped so far (RawMessageCapacity)")]
    public static partial void RawMessagesDropped(ILogger logger, long total);

    [LoggerMessage(2021, LogLevel.Debug, "Session {Session}: connecting to {Url} failed (reported to the caller): {Error}")]
    public static partial void ConnectFailedThrown(ILogger logger, int session, Uri url, string error);

    [LoggerMessage(2003, LogLevel.Warning, "Session {Session}: connection lost ({Reason})")]
    public static partial void ConnectionLost(ILogger logger, int session, string reason);

    [LoggerMessage(2004, LogLevel.Warning, "Session {Session}: nothing received for {Seconds:0.0} s; treating the connection as dead")]
    public static partial void Stalled(ILogger logger, int session, double seconds);

    [LoggerMessage(2005, LogLevel.Debug, "Decode error (the frame or record is skipped): {Error}")]
    public static partial void DecodeError(ILogger logger, string error);

    [LoggerMessage(2006, LogLevel.Information, "Session {Session}: registered {TrId} {TrKey} ({MsgCd})")]
    public static partial void Registered(ILogger logger, int session, string trId, string trKey, string? msgCd);

    [LoggerMessage(2007, LogLevel.Warning, "Session {Session}: KIS refused {TrId} {TrKey}: {MsgCd} {Msg}")]
    public static partial void Refused(ILogger logger, int session, string trId, string trKey, string? msgCd, string? msg);

    [LoggerMessage(2008, LogLevel.Information, "Session {Session}: released {TrId} {TrKey} ({MsgCd})")]
    public static partial void Released(ILogger logger, int session, string trId, string trKey, string? msgCd);

    [LoggerMessage(2009, LogLevel.Warning, "Session {Session}: approval key rejected (OPSP0011); issuing a new one once")]
    public static partial void ApprovalRejected(ILogger logger, int session);

    [LoggerMessage(2010, LogLevel.Error, "Session {Session}: app key {AppKey} is in use by another session (OPSP8996); retrying in {Seconds:0} s")]
    public static partial void AppKeyInUse(ILogger logger, int session, string appKey, double seconds);

    [LoggerMessage(2011, LogLevel.Debug, "Session {Session}: reply matched no pending request: {Reply}")]
    public static partial void UnmatchedReply(ILogger logger, int session, string reply);

    [LoggerMessage(2012, LogLevel.Error, "A {Handler} handler threw")]
    public static partial void HandlerFailed(ILogger logger, string handler, Exception exception);

    [LoggerMessage(2013, LogLevel.Warning, "Session {Session}: request {TrId} {TrKey} failed: {Error}")]
    public static partial void RequestFailed(ILogger logger, int session, string trId, string trKey, string error);

    [LoggerMessage(2014, LogLevel.Information, "Session {Session}: resubscribing {Count} registration(s)")]
    public static partial void Resubscribing(ILogger logger, int session, int count);

    [LoggerMessage(2015, LogLevel.Warning, "{Count} record(s) of {TrId} matched no registration ({Total} so far); they are counted in Statistics.UnroutedByTr")]
    public static partial void Unrouted(ILogger logger, string trId, long count, long total);

    [LoggerMessage(2016, LogLevel.Warning,
        "Session {Session}: the consumer of {TrId} {TrKey} held the session for {Seconds:0.#} s (Wait mode); it was ended so the others go on")]
    public static partial void SlowConsumer(ILogger logger, int session, string trId, string trKey, double seconds);

    [LoggerMessage(2017, LogLevel.Warning,
        "Session {Session}: re-subscribing {TrId} {TrKey} after a reconnect was refused ({MsgCd} {Msg}); retrying in {Seconds:0.#} s")]
    public static partial void ResubscribeRefused(ILogger logger, int session, string trId, string trKey, string? msgCd, string? msg, double seconds);

    [LoggerMessage(2018, LogLevel.Warning,
        "Session {Session}: {Attempts} connection attempts in the last minute reach the budget; next attempt in {Seconds:0.#} s")]
    public static partial void ConnectBudgetExhausted(ILogger logger, int session, int attempts, double seconds);

    [LoggerMessage(2019, LogLevel.Warning, "Session {Session}: the approval key could not be issued ({Error}); retrying in {Seconds:0.#} s")]
    public static partial void ApprovalUnavailable(ILogger logger, int session, string error, double seconds);

    [LoggerMessage(2020, LogLevel.Warning,
        "Session {Session}: release of {TrId} {TrKey} got no reply; it stays counted until the server confirms or the connection ends")]
    public static partial void ReleaseUnconfirmed(ILogger logger, int session, string trId, string trKey);
}
