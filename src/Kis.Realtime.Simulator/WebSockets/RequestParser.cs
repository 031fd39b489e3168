using System.Globalization;
using System.Text.Json;

namespace Kis.Realtime.Simulator.WebSockets;

/// <summary>A subscribe/unsubscribe request that passed the JSON checks (IsSubscribe: tr_type "1"; false for "2").</summary>
internal sealed record ParsedRequest(string? ApprovalKey, string CustType, bool IsSubscribe, string? TrId, string TrKey)
{
    /// <summary>The approval key masked: a record's ToString ends up in test output and logs.</summary>
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        var invariant = CultureInfo.InvariantCulture; // the same text on every machine
        builder.Append(invariant, $"ApprovalKey = {(ApprovalKey is null ? "" : KisCredential.Mask(ApprovalKey))}, ");
        builder.Append(invariant, $"CustType = {CustType}, IsSubscribe = {IsSubscribe}, ");
        builder.Append(invariant, $"TrId = {TrId}, TrKey = {TrKey}");
        return true;
    }
}

/// <summary>
/// The JSON checks of a client request, in the server's order (docs/kis-protocol.md §3): invalid JSON (9999), no header
/// (9998), no body (9992), no input (9991), no tr_key (9990), tr_key not text (8993), bad tr_type (8997), no custtype
/// (9997), bad custtype (8998). Approval key, TR and key checks follow in the session, which knows the server state.
/// </summary>
internal static class RequestParser
{
    /// <summary>True when the message is a PINGPONG echo (header.tr_id == "PINGPONG").</summary>
    public static bool IsPingPong(ReadOnlySpan<byte> message)
        => message.IndexOf("\"PINGPONG\""u8) >= 0 && ControlMessage.TryParse(message, out var m) && m.Kind == ControlMessageKind.PingPong;

    public static bool TryParse(ReadOnlyMemory<byte> message, out ParsedRequest request, out OpspCode error)
    {
        request = null!;
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(message);
        }
        catch (JsonException)
        {
            error = OpspCode.JsonInvalidFormat;
            return false;
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                error = OpspCode.JsonInvalidFormat;
                return false;
            }
            if (!root.TryGetProperty("header", out var header) || header.ValueKind != JsonValueKind.Object)
            {
                error = OpspCode.JsonHeaderNotFound;
                return false;
            }
            if (!root.TryGetProperty("body", out var body) || body.ValueKind != JsonValueKind.Object)
            {
                error = OpspCode.JsonBodyNotFound;
                return false;
            }
            if (!body.TryGetProperty("input", out var input) || input.ValueKind != JsonValueKind.Object)
            {
                error = OpspCode.JsonInputNotFound;
                return false;
            }
            if (!input.TryGetProperty("tr_key", out var trKeyElement))
            {
                error = OpspCode.JsonTrKeyNotFound;
                return false;
            }
            if (trKeyElement.ValueKind != JsonValueKind.String)
            {
                error = OpspCode.JsonInvalidTrKey;
                return false;
            }
            var trType = Text(header, "tr_type");
            if (trType is not ("1" or "2"))
            {
                error = OpspCode.JsonInvalidTrType;
                return false;
            }
            var custType = Text(header, "custtype");
            if (custType is null)
            {
                error = OpspCode.JsonCustTypeNotFound;
                return false;
            }
            if (custType is not ("P" or "B"))
            {
                error = OpspCode.JsonInvalidCustType;
                return false;
            }

            request = new ParsedRequest(Text(header, "approval_key"), custType,
                trType == "1", Text(input, "tr_id"), trKeyElement.GetString()!);
            error = default;
            return true;
        }
    }

    private static string? Text(JsonElement obj, string name)
        => obj.TryGetProperty(name, out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;
}
