using System.Text;
using RabbitMQ.Client;

namespace Kis.Realtime.Gateway;

/// <summary>
/// The message format, for consumers in any language. Each record is one AMQP message on stream <c>{ns}.{TR}</c>
/// (published to topic exchange <c>{ns}.records</c> with routing key <c>{TR}.{key}</c>); the body is the record's
/// plain <c>^</c>-separated KIS fields exactly as KIS sent them (notices decrypted). Headers:
/// <c>tr_id</c>, <c>tr_key</c> (strings), <c>received_at</c> (long, Unix microseconds UTC, when the gateway received
/// the frame), <c>seq</c> (long, 1, 2, 3 … per (TR, key) within one gateway run: gaps are losses), <c>run</c> (string,
/// the gateway run; a new run restarts <c>seq</c>), <c>session</c> (int, the gateway's KIS session).
/// A record may be published twice after a broker failure (unconfirmed records are sent again): (run, tr_key, seq)
/// identifies it.
/// </summary>
public static class GatewayWire
{
    /// <summary>Header: the TR id.</summary>
    public const string TrIdHeader = "tr_id";
    /// <summary>Header: the key.</summary>
    public const string TrKeyHeader = "tr_key";
    /// <summary>Header: Unix microseconds (UTC) when the gateway received the frame.</summary>
    public const string ReceivedAtHeader = "received_at";
    /// <summary>Header: sequence number per (TR, key) within one run, from 1.</summary>
    public const string SequenceHeader = "seq";
    /// <summary>Header: the gateway run id.</summary>
    public const string RunHeader = "run";
    /// <summary>Header: the KIS session (index of the gateway's app key).</summary>
    public const string SessionHeader = "session";

    internal static string RoutingKey(string trId, string key) => trId + "." + key;

    internal static long ToUnixMicroseconds(DateTimeOffset time) => (time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;

    internal static DateTimeOffset FromUnixMicroseconds(long micros) => DateTimeOffset.UnixEpoch.AddTicks(micros * 10);

    /// <summary>A header as text (RabbitMQ.Client hands long strings over as bytes).</summary>
    internal static string? Text(IReadOnlyBasicProperties properties, string name) =>
        properties.Headers is { } headers && headers.TryGetValue(name, out var value) ? value switch
        {
            byte[] bytes => Encoding.UTF8.GetString(bytes),
            string s => s,
            _ => null,
        } : null;

    /// <summary>True when a text header equals <paramref name="expected"/> (no string made for the comparison).</summary>
    internal static bool TextEquals(IReadOnlyBasicProperties properties, string name, byte[] expected) =>
        properties.Headers is { } headers && headers.TryGetValue(name, out var value) && value switch
        {
            byte[] bytes => bytes.AsSpan().SequenceEqual(expected),
            string s => Encoding.UTF8.GetBytes(s).AsSpan().SequenceEqual(expected),
            _ => false,
        };

    internal static long? Number(IReadOnlyBasicProperties properties, string name) =>
        properties.Headers is { } headers && headers.TryGetValue(name, out var value) ? value switch
        {
            long l => l,
            int i => i,
            short s => s,
            byte b => b,
            _ => null,
        } : null;
}
