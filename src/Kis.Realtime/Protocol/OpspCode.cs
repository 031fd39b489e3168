using System.Diagnostics.CodeAnalysis;
namespace Kis.Realtime.Protocol;

/// <summary>
/// The <c>msg_cd</c> codes of KIS's WebSocket control replies (<c>OPSPnnnn</c>); the numeric value is nnnn.
/// Decide on these, never on <c>msg1</c>, whose wording varies.
/// </summary>
public enum OpspCode
{
    /// <summary>OPSP0000 SUBSCRIBE SUCCESS.</summary>
    SubscribeSuccess = 0,
    /// <summary>OPSP0001 UNSUBSCRIBE SUCCESS.</summary>
    UnsubscribeSuccess = 1,
    /// <summary>OPSP0002 ALREADY IN SUBSCRIBE: already registered; a client treats it as success.</summary>
    AlreadySubscribed = 2,
    /// <summary>OPSP0003 UNSUBSCRIBE ERROR(not found!): the key was not registered.</summary>
    UnsubscribeNotFound = 3,
    /// <summary>OPSP0007 SUBSCRIBE INTERNAL ERROR: server-side, retry later.</summary>
    SubscribeInternalError = 7,
    /// <summary>OPSP0008 MAX SUBSCRIBE OVER: the session already holds 41 registrations.</summary>
    MaxSubscribeOver = 8,
    /// <summary>OPSP0009 SUBSCRIBE ERROR : mci send failed: server-side, retry later.</summary>
    MciSendFailed = 9,
    /// <summary>OPSP0010 SUBSCRIBE WARNING : invalid appkey.</summary>
    InvalidAppKeyWarning = 10,
    /// <summary>OPSP0011 invalid approval: the approval key is expired or unknown; reissue it once.</summary>
    InvalidApproval = 11,
    /// <summary>OPSP0017 ERROR : htsid가잘못되었습니다: wrong HTS ID on a notice TR.</summary>
    InvalidHtsId = 17,
    /// <summary>OPSP8991 SUBSCRIBE ERROR : invalid tr_id.</summary>
    InvalidTrId = 8991,
    /// <summary>OPSP8992 SUBSCRIBE ERROR : invalid tr_key.</summary>
    InvalidTrKey = 8992,
    /// <summary>OPSP8993 JSON PARSING ERROR : invalid tr_key.</summary>
    JsonInvalidTrKey = 8993,
    /// <summary>OPSP8994 JSON PARSING ERROR : personalseckey not found.</summary>
    JsonPersonalSecKeyNotFound = 8994,
    /// <summary>OPSP8995 JSON PARSING ERROR : appsecret not found.</summary>
    JsonAppSecretNotFound = 8995,
    /// <summary>OPSP8996 ALREADY IN USE appkey: another live session holds this app key.</summary>
    AppKeyInUse = 8996,
    /// <summary>OPSP8997 JSON PARSING ERROR : invalid tr_type.</summary>
    JsonInvalidTrType = 8997,
    /// <summary>OPSP8998 JSON PARSING ERROR : invalid custtype.</summary>
    JsonInvalidCustType = 8998,
    /// <summary>OPSP8999 resource not available (ALLOC_CALL_PARAM): server-side.</summary>
    ResourceNotAvailable = 8999,
    /// <summary>OPSP9990 JSON PARSING ERROR : tr_key not found.</summary>
    JsonTrKeyNotFound = 9990,
    /// <summary>OPSP9991 JSON PARSING ERROR : input not found.</summary>
    JsonInputNotFound = 9991,
    /// <summary>OPSP9992 JSON PARSING ERROR : body not found.</summary>
    JsonBodyNotFound = 9992,
    /// <summary>OPSP9993 JSON PARSING ERROR : internal error.</summary>
    JsonInternalError = 9993,
    /// <summary>OPSP9994 JSON PARSING ERROR : INVALID appkey.</summary>
    JsonInvalidAppKey = 9994,
    /// <summary>OPSP9995 JSON PARSING ERROR : resource not available.</summary>
    JsonResourceNotAvailable = 9995,
    /// <summary>OPSP9996 JSON PARSING ERROR : appkey.</summary>
    JsonAppKey = 9996,
    /// <summary>OPSP9997 JSON PARSING ERROR : custtype not found.</summary>
    JsonCustTypeNotFound = 9997,
    /// <summary>OPSP9998 JSON PARSING ERROR : header not found.</summary>
    JsonHeaderNotFound = 9998,
    /// <summary>OPSP9999 JSON PARSING ERROR : invalid json format.</summary>
    JsonInvalidFormat = 9999,
}

/// <summary>Text forms and client-side meaning of <see cref="OpspCode"/>.</summary>
[Experimental("KISRT0001")]
public static class OpspCodes
{
    private static readonly Dictionary<OpspCode, string> Messages = new()
    {
        [OpspCode.SubscribeSuccess] = "SUBSCRIBE SUCCESS",
        [OpspCode.UnsubscribeSuccess] = "UNSUBSCRIBE SUCCESS",
        [OpspCode.AlreadySubscribed] = "ALREADY IN SUBSCRIBE",
        [OpspCode.UnsubscribeNotFound] = "UNSUBSCRIBE ERROR(not found!)",
        [OpspCode.SubscribeInternalError] = "SUBSCRIBE INTERNAL ERROR",
        [OpspCode.MaxSubscribeOver] = "MAX SUBSCRIBE OVER",
        [OpspCode.MciSendFailed] = "SUBSCRIBE ERROR : mci send failed",
        [OpspCode.InvalidAppKeyWarning] = "SUBSCRIBE WARNING : invalid appkey",
        [OpspCode.InvalidApproval] = "invalid approval : NOT FOUND",
        [OpspCode.InvalidHtsId] = "ERROR : htsid가잘못되었습니다",
        [OpspCode.InvalidTrId] = "SUBSCRIBE ERROR : invalid tr_id",
        [OpspCode.InvalidTrKey] = "SUBSCRIBE ERROR : invalid tr_key",
        [OpspCode.JsonInvalidTrKey] = "JSON PARSING ERROR : invalid tr_key",
        [OpspCode.JsonPersonalSecKeyNotFound] = "JSON PARSING ERROR : personalseckey not found",
        [OpspCode.JsonAppSecretNotFound] = "JSON PARSING ERROR : appsecret not found",
        [OpspCode.AppKeyInUse] = "ALREADY IN USE appkey",
        [OpspCode.JsonInvalidTrType] = "JSON PARSING ERROR : invalid tr_type",
        [OpspCode.JsonInvalidCustType] = "JSON PARSING ERROR : invalid custtype",
        [OpspCode.ResourceNotAvailable] = "resource not available (ALLOC_CALL_PARAM)",
        [OpspCode.JsonTrKeyNotFound] = "JSON PARSING ERROR : tr_key not found",
        [OpspCode.JsonInputNotFound] = "JSON PARSING ERROR : input not found",
        [OpspCode.JsonBodyNotFound] = "JSON PARSING ERROR : body not found",
        [OpspCode.JsonInternalError] = "JSON PARSING ERROR : internal error",
        [OpspCode.JsonInvalidAppKey] = "JSON PARSING ERROR : INVALID appkey",
        [OpspCode.JsonResourceNotAvailable] = "JSON PARSING ERROR : resource not available",
        [OpspCode.JsonAppKey] = "JSON PARSING ERROR : appkey",
        [OpspCode.JsonCustTypeNotFound] = "JSON PARSING ERROR : custtype not found",
        [OpspCode.JsonHeaderNotFound] = "JSON PARSING ERROR : header not found",
        [OpspCode.JsonInvalidFormat] = "JSON PARSING ERROR : invalid json format",
    };

    /// <summary>Every code in KIS's list.</summary>
    public static IReadOnlyCollection<OpspCode> All => Messages.Keys;

    /// <summary>The wire form, e.g. <c>OPSP8996</c>.</summary>
    public static string ToMsgCd(this OpspCode code) => $"OPSP{(int)code:D4}";

    /// <summary>The server's usual <c>msg1</c> text for the code (for simulators and diagnostics only).</summary>
    public static string DefaultMessage(this OpspCode code) => Messages.TryGetValue(code, out var m) ? m : code.ToMsgCd();

    /// <summary>Parses <c>OPSPnnnn</c>; false for anything else (the raw text stays available to the caller).</summary>
    public static bool TryParse(ReadOnlySpan<char> msgCd, out OpspCode code)
    {
        code = default;
        if (msgCd.Length != 8 || !msgCd.StartsWith("OPSP", StringComparison.Ordinal)) return false;
        if (!int.TryParse(msgCd[4..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n)) return false;
        code = (OpspCode)n;
        return true;
    }

    /// <summary>True when the server may accept the same request later (server-side trouble, not the request).</summary>
    public static bool IsTransient(this OpspCode code) => code is OpspCode.SubscribeInternalError or OpspCode.MciSendFailed
        or OpspCode.ResourceNotAvailable or OpspCode.JsonResourceNotAvailable or OpspCode.JsonInternalError;
}
