using Kis.Realtime.Protocol;

namespace Kis.Realtime;

/// <summary>
/// The server refused a subscribe or unsubscribe request (<c>rt_cd</c> not "0"): <see cref="Code"/> is the typed
/// OPSP code, <see cref="MsgCd"/> (also <see cref="KisException.ErrorCode"/>) the <c>msg_cd</c> as received.
/// </summary>
public class KisSubscriptionException : KisException
{
    /// <summary>Creates the exception.</summary>
    public KisSubscriptionException(string trId, string trKey, OpspCode? code, string? msgCd, string? serverMessage)
        : base($"KIS refused {trId} {trKey}: {msgCd ?? "(no msg_cd)"} {serverMessage}".TrimEnd(), msgCd)
    {
        TrId = trId;
        TrKey = trKey;
        Code = code;
        MsgCd = msgCd;
        ServerMessage = serverMessage;
    }

    /// <summary>Creates the exception for a local refusal.</summary>
    protected KisSubscriptionException(string trId, string trKey, string message) : base(message)
    {
        TrId = trId;
        TrKey = trKey;
    }

    /// <summary>The TR id of the request.</summary>
    public string TrId { get; }

    /// <summary>The key of the request.</summary>
    public string TrKey { get; }

    /// <summary>The typed <c>msg_cd</c>, when it is an OPSP code.</summary>
    public OpspCode? Code { get; }

    /// <summary>The <c>msg_cd</c> as received.</summary>
    public string? MsgCd { get; }

    /// <summary>The server's <c>msg1</c> text (display only).</summary>
    public string? ServerMessage { get; }
}

/// <summary>
/// Refused locally, before sending: every session already holds <see cref="KisRealtimeOptions.MaxRegistrationsPerSession"/>
/// registrations (KIS allows 41 per app key). Add credentials to go beyond.
/// </summary>
public sealed class KisSubscriptionLimitException : KisSubscriptionException
{
    internal KisSubscriptionLimitException(string trId, string trKey, int limit, int sessions)
        : base(trId, trKey, $"Cannot subscribe {trId} {trKey}: all {sessions} session(s) hold {limit} registrations, KIS's limit per app key. Add another " +
            "credential to KisRealtimeOptions.Credentials.")
    {
        LimitPerSession = limit;
        Sessions = sessions;
    }

    /// <summary>The per-session limit.</summary>
    public int LimitPerSession { get; }

    /// <summary>The number of sessions (app keys) available.</summary>
    public int Sessions { get; }
}
