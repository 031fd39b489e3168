using System.Diagnostics.CodeAnalysis;
using System.Text;
using RabbitMQ.Client;

#pragma warning disable CS1591 // Plumbing (KISRT0001) for the sibling packages: the type's summary says what it is for.
namespace Kis.Realtime.Gateway.Wire;

/// <summary>
/// The message format, for consumers in any language. Records go to stream <c>{ns}.{TR}</c> (published to topic
/// exchange <c>{ns}.records</c>, bound with <c>{TR}.#</c>). A message is in one of two formats, told apart by the
/// <c>format</c> header; both are in the streams and every consumer reads both.
/// <para><b>One key</b> (no <c>format</c> header; the only format before it existed): 1 … N records of one (TR, key)
/// with consecutive sequence numbers, routing key <c>{TR}.{key}</c>. The body is the records, each its plain
/// <c>^</c>-separated KIS fields exactly as KIS sent them (notices decrypted), separated by <c>\n</c> (a record
/// containing <c>\n</c> always travels alone, in this format). Headers: <c>tr_id</c>, <c>tr_key</c> (strings),
/// <c>received_at</c> (long, Unix microseconds UTC, when the gateway received the first record's frame),
/// <c>received_offsets</c> (string of N decimal numbers separated by commas, e.g. <c>0,0,0,412,412</c>: record i was
/// received at <c>received_at</c> plus the i-th number of microseconds, signed, as a step back of the gateway's clock can
/// make one negative; absent when every record of the message came in one KIS frame, as a one-record message always
/// does), <c>seq</c> (long, the first record's sequence; record i of the message has <c>seq + i</c>; 1, 2, 3 … per
/// (TR, key) within one gateway run: gaps are losses), <c>count</c> (int, N; absent when N = 1, so a one-record message
/// is the record alone), <c>run</c> (string, the gateway run; a new run restarts <c>seq</c>), <c>session</c> (int, the
/// gateway's KIS session). Run announcements (<c>kind</c>) are always in this format.</para>
/// <para><b>Keys</b> (<c>format</c> = <c>keys</c>): 2 … N records of one TR and several keys (or of one key with a
/// gap), routing key <c>{TR}</c>. Body, <c>tr_id</c>, <c>run</c>, <c>count</c>, <c>received_at</c> and
/// <c>received_offsets</c> as above; no <c>tr_key</c> and no <c>seq</c> (a consumer of the one-key format skips it
/// instead of misreading it); per record, in the order of the body: <c>keys</c> (string, N keys separated by commas; a
/// key containing a comma travels in the one-key format), <c>seqs</c> (string, N decimal sequences separated by commas:
/// record i's own <c>seq</c> of its key), <c>session</c> (int, the first record's session) and <c>sessions</c> (string, N
/// session numbers separated by commas; absent when every record has <c>session</c>). Records of one key stay in the
/// order of their sequences within and across messages. The gateway puts what waits for a TR together, lingering up to
/// <see cref="KisGatewayOptions.PublishLinger"/> for more; a message that holds consecutive records of one key only goes
/// in the one-key format.</para>
/// A message may be published twice after a broker failure (unconfirmed messages are sent again, the same records in
/// the same messages): (run, tr_key, seq) identifies each record. A stream offset names a message, not a record.
/// </summary>
[Experimental("KISRT0001")]
public static class GatewayWire
{
    /// <summary>Header: the TR id.</summary>
    public const string TrIdHeader = "tr_id";
    /// <summary>Header: the key.</summary>
    public const string TrKeyHeader = "tr_key";
    /// <summary>Header: Unix microseconds (UTC) when the gateway received the frame.</summary>
    public const string ReceivedAtHeader = "received_at";
    /// <summary>Header: per record of a message, microseconds after <see cref="ReceivedAtHeader"/> it was received
    /// (text: N decimal numbers separated by commas); absent when all records were received together.</summary>
    public const string ReceivedOffsetsHeader = "received_offsets";
    /// <summary>Header: sequence number per (TR, key) within one run, from 1.</summary>
    public const string SequenceHeader = "seq";
    /// <summary>Header: the number of records in the message (int), absent for one record.</summary>
    public const string CountHeader = "count";
    /// <summary>The separator between the records of one message body.</summary>
    public const byte RecordSeparator = (byte)'\n';
    /// <summary>Header: the gateway run id.</summary>
    public const string RunHeader = "run";
    /// <summary>
    /// Header: present on a message that is not records. <see cref="RunAnnouncementKind"/>: a run announcement of one key
    /// (<c>seq</c> 0, a JSON body: <c>run</c>, <c>started_at</c>, <c>previous_run</c>, <c>previous_seq</c>,
    /// <c>previous_received_at</c>, <c>previous_checkpoint_at</c>), published by a run that follows another before the
    /// key's first record. Consumers skip such messages as records.
    /// </summary>
    public const string KindHeader = "kind";
    /// <summary>The <see cref="KindHeader"/> of a run announcement.</summary>
    public const string RunAnnouncementKind = "run";
    /// <summary>Header: the KIS session (index of the gateway's app key).</summary>
    public const string SessionHeader = "session";
    /// <summary>Header: the message's format, absent for the one-key format (<see cref="KeysFormat"/>: records of several keys).</summary>
    public const string FormatHeader = "format";
    /// <summary>The <see cref="FormatHeader"/> of a message whose records carry their own key and sequence.</summary>
    public const string KeysFormat = "keys";
    /// <summary>Header of the keys format: N keys separated by commas, record by record.</summary>
    public const string KeysHeader = "keys";
    /// <summary>Header of the keys format: N sequences separated by commas, record by record.</summary>
    public const string SequencesHeader = "seqs";
    /// <summary>Header of the keys format: N sessions separated by commas; absent when all are <see cref="SessionHeader"/>.</summary>
    public const string SessionsHeader = "sessions";
    /// <summary>The separator of the per-record lists (<c>keys</c>, <c>seqs</c>, <c>sessions</c>, <c>received_offsets</c>).</summary>
    public const char ListSeparator = ',';

    /// <summary>Whether a message is in the keys format (its records carry their own key and sequence).</summary>
    public static bool IsKeysFormat(IReadOnlyBasicProperties properties) => Text(properties, FormatHeader) == KeysFormat;

    /// <summary>
    /// The <c>keys</c> of a keys-format message of <paramref name="count"/> records, or null when absent or not what the
    /// format says (another number of entries, an empty or too long key).
    /// </summary>
    public static string[]? Keys(IReadOnlyBasicProperties properties, int count, int maxKeyLength = 64)
    {
        if (Text(properties, KeysHeader) is not { } text) return null;
        var keys = text.Split(ListSeparator);
        if (keys.Length != count) return null;
        foreach (var key in keys)
            if (key.Length == 0 || key.Length > maxKeyLength) return null;
        return keys;
    }

    /// <summary>Writes a per-record list header: the entries separated by commas, numbers in the invariant culture (a
    /// reader anywhere parses them; the current one may write a negative offset with U+2212).</summary>
    internal static string FormatList<T>(IEnumerable<T> entries)
        => string.Join(ListSeparator, entries.Select(e => Convert.ToString(e, System.Globalization.CultureInfo.InvariantCulture)));

    /// <summary>The number of records a message carries (its <c>count</c> header; 1 when absent).</summary>
    public static int RecordCount(IReadOnlyBasicProperties properties) =>
        Number(properties, CountHeader) is { } count && count > 1 ? (int)Math.Min(count, int.MaxValue) : 1;

    /// <summary>
    /// The <c>received_offsets</c> of a message of <paramref name="count"/> records, or null when absent or not what the
    /// format says (another number of entries, not whole numbers: a foreign publisher), in which case every record has
    /// the message's <c>received_at</c>.
    /// </summary>
    public static long[]? ReceivedOffsets(IReadOnlyBasicProperties properties, int count) =>
        count < 2 ? null : Numbers(properties, ReceivedOffsetsHeader, count);

    /// <summary>A header of exactly <paramref name="count"/> decimal numbers separated by commas; null when absent or not that.</summary>
    public static long[]? Numbers(IReadOnlyBasicProperties properties, string header, int count)
    {
        if (count < 1 || properties.Headers?.TryGetValue(header, out var value) != true) return null;
        ReadOnlySpan<byte> text = value switch
        {
            byte[] bytes => bytes,
            string s => Encoding.UTF8.GetBytes(s),
            _ => default,
        };
        // Entries first, array after: a hostile count (int.MaxValue) must not size the array.
        if (text.Count((byte)',') + 1 != count) return null;
        var offsets = new long[count];
        for (var i = 0; i < count; i++)
        {
            var end = text.IndexOf((byte)',');
            var entry = end < 0 ? text : text[..end];
            if (!System.Buffers.Text.Utf8Parser.TryParse(entry, out long offset, out var used) || used != entry.Length) return null;
            offsets[i] = offset;
            if ((end < 0) != (i == count - 1)) return null; // fewer or more entries than records
            if (end >= 0) text = text[(end + 1)..];
        }
        return offsets;
    }

    /// <summary>Writes <c>received_offsets</c>: the offsets as decimal numbers separated by commas.</summary>
    internal static string FormatReceivedOffsets(long[] offsets) => FormatList(offsets);

    /// <summary>The record of a message body that starts at <paramref name="start"/> (the last one is the rest of the
    /// body, so a stray separator in it cannot split it); <paramref name="start"/> moves past it and its separator.</summary>
    public static ReadOnlyMemory<byte> NextRecord(ReadOnlyMemory<byte> body, ref int start, bool last)
    {
        var rest = body[start..];
        var end = last ? -1 : rest.Span.IndexOf(RecordSeparator);
        if (end < 0)
        {
            start = body.Length;
            return rest;
        }
        start += end + 1;
        return rest[..end];
    }

    internal static string RoutingKey(string trId, string key) => trId + "." + key;

    internal static long ToUnixMicroseconds(DateTimeOffset time) => (time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;

    public static DateTimeOffset FromUnixMicroseconds(long micros) => DateTimeOffset.UnixEpoch.AddTicks(micros * 10);

    /// <summary>A header as text (RabbitMQ.Client hands long strings over as bytes).</summary>
    public static string? Text(IReadOnlyBasicProperties properties, string name) =>
        properties.Headers is { } headers && headers.TryGetValue(name, out var value) ? value switch
        {
            byte[] bytes => Encoding.UTF8.GetString(bytes),
            string s => s,
            _ => null,
        } : null;

    public static long? Number(IReadOnlyBasicProperties properties, string name) =>
        properties.Headers is { } headers && headers.TryGetValue(name, out var value) ? AsLong(value) : null;

    private static long? AsLong(object? value) => value switch
    {
        long l => l,
        int i => i,
        short s => s,
        byte b => b,
        _ => null,
    };
}
