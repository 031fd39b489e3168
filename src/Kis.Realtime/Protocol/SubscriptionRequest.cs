using System.Buffers;
using System.Text.Json;

namespace Kis.Realtime.Protocol;

/// <summary>Registers or releases a real-time feed (<c>tr_type</c>).</summary>
internal enum RequestType
{
    /// <summary><c>tr_type</c> "1": register.</summary>
    Subscribe = 1,
    /// <summary><c>tr_type</c> "2": release.</summary>
    Unsubscribe = 2,
}

/// <summary>Writes the JSON text frame a client sends to register or release a TR key (the session's alone).</summary>
internal static class SubscriptionRequest
{
    /// <summary>Writes <c>{"header":{approval_key,custtype,tr_type,content-type},"body":{"input":{tr_id,tr_key}}}</c>.</summary>
    public static void Write(IBufferWriter<byte> output, string approvalKey, CustomerType customerType, RequestType type,
        string trId, string trKey)
    {
        using var json = new Utf8JsonWriter(output);
        json.WriteStartObject();
        json.WriteStartObject("header");
        json.WriteString("approval_key", approvalKey);
        json.WriteString("custtype", customerType == CustomerType.Corporate ? "B" : "P");
        json.WriteString("tr_type", type == RequestType.Subscribe ? "1" : "2");
        json.WriteString("content-type", "utf-8");
        json.WriteEndObject();
        json.WriteStartObject("body");
        json.WriteStartObject("input");
        json.WriteString("tr_id", trId);
        json.WriteString("tr_key", trKey);
        json.WriteEndObject();
        json.WriteEndObject();
        json.WriteEndObject();
    }

    /// <summary>The request as UTF-8 bytes.</summary>
    public static byte[] ToBytes(string approvalKey, CustomerType customerType, RequestType type, string trId, string trKey)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        Write(buffer, approvalKey, customerType, type, trId, trKey);
        return buffer.WrittenSpan.ToArray();
    }
}
