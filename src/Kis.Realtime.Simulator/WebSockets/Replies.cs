using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Kis.Realtime.Simulator.WebSockets;

/// <summary>How much header a reply carries: the live server sends all three shapes (docs/kis-protocol.md §3).</summary>
internal enum ReplyHeader
{
    /// <summary>No header at all (OPSP0011 invalid approval, OPSP0003).</summary>
    None,
    /// <summary><c>{"tr_id":"(null)"}</c> only (OPSP0017).</summary>
    NullTrIdOnly,
    /// <summary><c>{"tr_id":"(null)","tr_key":"","encrypt":"N"}</c> (OPSP8996, JSON parsing errors).</summary>
    NullTrId,
    /// <summary>The request's tr_id and tr_key.</summary>
    Full,
}

/// <summary>Writes the server's JSON replies and PINGPONG exactly in KIS's shapes.</summary>
internal static class Replies
{
    // Korean msg1 text goes out as UTF-8, not \uXXXX escapes, as KIS sends it.
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static byte[] Build(ReplyHeader header, string? trId, string? trKey, bool encrypted, string rtCd, OpspCode code,
        string? msg1 = null, string? iv = null, string? key = null)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer, WriterOptions))
        {
            json.WriteStartObject();
            switch (header)
            {
                case ReplyHeader.Full:
                    json.WriteStartObject("header");
                    json.WriteString("tr_id", trId);
                    json.WriteString("tr_key", trKey);
                    json.WriteString("encrypt", encrypted ? "Y" : "N");
                    json.WriteEndObject();
                    break;
                case ReplyHeader.NullTrId:
                    json.WriteStartObject("header");
                    json.WriteString("tr_id", "(null)");
                    json.WriteString("tr_key", "");
                    json.WriteString("encrypt", "N");
                    json.WriteEndObject();
                    break;
                case ReplyHeader.NullTrIdOnly:
                    json.WriteStartObject("header");
                    json.WriteString("tr_id", "(null)");
                    json.WriteEndObject();
                    break;
            }
            json.WriteStartObject("body");
            json.WriteString("rt_cd", rtCd);
            json.WriteString("msg_cd", code.ToMsgCd());
            json.WriteString("msg1", msg1 ?? code.DefaultMessage());
            if (iv is not null && key is not null)
            {
                json.WriteStartObject("output");
                json.WriteString("iv", iv);
                json.WriteString("key", key);
                json.WriteEndObject();
            }
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary><c>{"header":{"tr_id":"PINGPONG","datetime":"yyyyMMddHHmmss"}}</c> with KST time.</summary>
    public static byte[] PingPong(DateTimeOffset utcNow)
    {
        var kst = utcNow.ToOffset(KoreaTime.Offset);
        return System.Text.Encoding.ASCII.GetBytes(
            $"{{\"header\":{{\"tr_id\":\"PINGPONG\",\"datetime\":\"{kst.ToString("yyyyMMddHHmmss", System.Globalization.CultureInfo.InvariantCulture)}\"}}}}");
    }
}
