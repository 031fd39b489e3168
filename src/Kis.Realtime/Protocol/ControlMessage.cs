using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace Kis.Realtime.Protocol;

/// <summary>What a JSON control message is.</summary>
[Experimental("KISRT0001")]
public enum ControlMessageKind
{
    /// <summary>The server's heartbeat: echo the same text back as a text frame.</summary>
    PingPong,
    /// <summary>A reply to a subscribe or unsubscribe request (success or error).</summary>
    Reply,
    /// <summary>Valid JSON of an unknown shape.</summary>
    Other,
}

/// <summary>
/// A parsed JSON control message. Tolerant of what the live server sends: replies without a header, <c>tr_id</c>
/// "(null)", <c>rt_cd</c> "1" or "9". Success is <c>rt_cd == "0"</c>; decide by <see cref="Code"/>, not by text.
/// </summary>
[Experimental("KISRT0001")]
public sealed class ControlMessage
{
    /// <summary>The kind.</summary>
    public ControlMessageKind Kind { get; private init; }

    /// <summary><c>header.tr_id</c>; null when absent or "(null)".</summary>
    public string? TrId { get; private init; }

    /// <summary><c>header.tr_key</c>; null when absent or empty.</summary>
    public string? TrKey { get; private init; }

    /// <summary><c>header.encrypt</c> ("Y"/"N"); informative only: encryption is decided per frame.</summary>
    public string? Encrypt { get; private init; }

    /// <summary><c>header.datetime</c> of a PINGPONG.</summary>
    public string? DateTime { get; private init; }

    /// <summary><c>body.rt_cd</c>: "0" success, "1" or "9" failure.</summary>
    public string? RtCd { get; private init; }

    /// <summary><c>body.msg_cd</c> as received, e.g. OPSP0000.</summary>
    public string? MsgCd { get; private init; }

    /// <summary><c>body.msg1</c>: human text, for display only.</summary>
    public string? Msg1 { get; private init; }

    /// <summary><c>body.output.iv</c> (notice decryption).</summary>
    public string? Iv { get; private init; }

    /// <summary><c>body.output.key</c> (notice decryption). Never printed by <see cref="ToString"/>.</summary>
    public string? Key { get; private init; }

    /// <summary>The typed <c>msg_cd</c>, when it is an OPSP code.</summary>
    public OpspCode? Code => MsgCd is not null && OpspCodes.TryParse(MsgCd, out var c) ? c : null;

    /// <summary>True when <c>rt_cd</c> is "0".</summary>
    public bool IsSuccess => RtCd == "0";

    /// <summary>True when the reply carries a usable notice key and iv.</summary>
    public bool HasCipherKey => !string.IsNullOrEmpty(Key) && !string.IsNullOrEmpty(Iv);

    /// <summary>Parses a control message; false (with no exception) for anything that is not a JSON object.</summary>
    public static bool TryParse(ReadOnlySpan<byte> json, out ControlMessage message)
    {
        message = null!;
        string? trId = null, trKey = null, encrypt = null, dateTime = null, rtCd = null, msgCd = null, msg1 = null, iv = null, key = null;
        bool hasBody = false;
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("header"u8))
                {
                    reader.Read();
                    ReadObject(ref reader, (string name, string? value) =>
                    {
                        switch (name)
                        {
                            case "tr_id": trId = value; break;
                            case "tr_key": trKey = value; break;
                            case "encrypt": encrypt = value; break;
                            case "datetime": dateTime = value; break;
                        }
                    });
                }
                else if (reader.ValueTextEquals("body"u8))
                {
                    reader.Read();
                    hasBody = reader.TokenType == JsonTokenType.StartObject;
                    ReadObject(ref reader, (string name, string? value) =>
                    {
                        switch (name)
                        {
                            case "rt_cd": rtCd = value; break;
                            case "msg_cd": msgCd = value; break;
                            case "msg1": msg1 = value; break;
                            case "output.iv": iv = value; break;
                            case "output.key": key = value; break;
                        }
                    });
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
            if (reader.TokenType != JsonTokenType.EndObject) return false;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // InvalidOperationException: an escaped string that does not transcode; treated like malformed JSON.
            return false;
        }

        if (trId == "(null)") trId = null;
        if (trKey == "") trKey = null;
        var kind = trId == "PINGPONG" ? ControlMessageKind.PingPong
            : hasBody && (rtCd is not null || msgCd is not null) ? ControlMessageKind.Reply
            : ControlMessageKind.Other;
        message = new ControlMessage
        {
            Kind = kind, TrId = trId, TrKey = trKey, Encrypt = encrypt, DateTime = dateTime,
            RtCd = rtCd, MsgCd = msgCd, Msg1 = msg1, Iv = iv, Key = key,
        };
        return true;
    }

    /// <summary>
    /// Reads one object of scalars (and one level of nested "output"), reporting "name" or "parent.name" with its text.
    /// Non-string scalars are reported as their raw text; a non-object value is skipped.
    /// </summary>
    private static void ReadObject(ref Utf8JsonReader reader, Action<string, string?> onValue, string prefix = "")
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = prefix + reader.GetString();
            reader.Read();
            switch (reader.TokenType)
            {
                case JsonTokenType.String:
                    // Unescaped text goes through KisText so a cp949 msg1 decodes instead of throwing.
                    onValue(name, reader.ValueIsEscaped ? reader.GetString() : KisText.DecodeUncached(reader.ValueSpan));
                    break;
                case JsonTokenType.Number:
                case JsonTokenType.True:
                case JsonTokenType.False:
                    onValue(name, System.Text.Encoding.UTF8.GetString(reader.ValueSpan));
                    break;
                case JsonTokenType.Null:
                    onValue(name, null);
                    break;
                case JsonTokenType.StartObject when prefix.Length == 0:
                    ReadObject(ref reader, onValue, name + ".");
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }
    }

    /// <inheritdoc/>
    public override string ToString() => Kind switch
    {
        ControlMessageKind.PingPong => $"PINGPONG {DateTime}",
        // msg1 of OPSP0011 echoes the approval key: masked like every server text the library prints.
        ControlMessageKind.Reply => $"{TrId ?? "(no tr_id)"} {TrKey} rt_cd={RtCd} {MsgCd} {Redaction.ServerText(Msg1)}{(HasCipherKey ? " (key hidden)" : "")}",
        _ => "control message",
    };
}
