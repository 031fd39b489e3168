using System.Diagnostics.CodeAnalysis;
using System.Text.Encodings.Web;
using System.Text.Json;
using Kis.Realtime.Protocol;

namespace Kis.Realtime.Formatting;

/// <summary>
/// Writes a record as the JSON object <c>kisrt decode</c> and <c>kisrt stream --format jsonl</c> print:
/// <c>{"tr_id":…,["tr_key":…,"received_at":…,]"fields":{name:value…}[,"extra":[…]]}</c>. Numeric fields (types d
/// and n) are JSON numbers with exactly the parsed value (implied decimals applied, scale kept, no exponent); an empty
/// numeric field is null; every other field is the decoded text as received.
/// </summary>
[Experimental("KISRT0001")]
public static class RecordJson
{
    // Field names pre-encoded once per TR: writing a property name is then a copy, not an escape check + transcode.
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<TrDefinition, JsonEncodedText[]> EncodedNames = new();

    private static JsonEncodedText[] NamesOf(TrDefinition tr) => EncodedNames.GetValue(tr,
        static t => t.Fields.Select(f => JsonEncodedText.Encode(f.Name, WriterOptions.Encoder)).ToArray());

    /// <summary>Writer options: Korean text stays readable instead of \uXXXX escapes.</summary>
    public static JsonWriterOptions WriterOptions { get; } = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = false };

    /// <summary>
    /// Checks that every known field of <paramref name="record"/> reads as its type, so a frame can be validated in
    /// full before any of it is written.
    /// </summary>
    public static bool TryValidate(TrDefinition tr, ReadOnlySpan<byte> record, out DecodeError error)
    {
        var reader = new FieldReader(record);
        for (var i = 0; i < tr.Fields.Count; i++)
        {
            if (!reader.TryRead(out var field))
            {
                error = new DecodeError(DecodeErrorKind.TooFewFields, FieldIndex: i, Detail: i);
                return false;
            }

            var def = tr.Fields[i];
            if (field.IsEmpty) continue;
            var ok = def.Type switch
            {
                FieldType.Decimal => FieldParsers.TryParseDecimal(field, def.ImpliedDecimals, out _),
                FieldType.Integer => def.ImpliedDecimals == 0 ? FieldParsers.TryParseInt64(field, out _) : FieldParsers.TryParseDecimal(field,
                    def.ImpliedDecimals, out _),
                FieldType.Time => FieldParsers.TryParseTime(field, out _),
                FieldType.Date => FieldParsers.TryParseDate(field, out _),
                _ => true,
            };
            if (!ok)
            {
                error = new DecodeError(def.Type switch
                {
                    FieldType.Time => DecodeErrorKind.BadTime,
                    FieldType.Date => DecodeErrorKind.BadDate,
                    _ => DecodeErrorKind.BadNumber,
                }, FieldIndex: i);
                return false;
            }
        }

        error = default;
        return true;
    }

    /// <summary>Writes one record object. Call <see cref="TryValidate"/> first: invalid numbers are written as null.</summary>
    public static void Write(Utf8JsonWriter json, TrDefinition tr, ReadOnlySpan<byte> record, string? trKey = null, DateTimeOffset? receivedAt = null)
    {
        json.WriteStartObject();
        json.WriteString("tr_id"u8, tr.Id);
        if (trKey is not null) json.WriteString("tr_key"u8, trKey);
        if (receivedAt is { } at)
        {
            Span<byte> stamp = stackalloc byte[40];
            System.Buffers.Text.Utf8Formatter.TryFormat(at.UtcDateTime, stamp, out var length, 'O'); // …fffffffZ
            json.WriteString("received_at"u8, stamp[..length]);
        }
        json.WriteStartObject("fields"u8);
        var reader = new FieldReader(record);
        var names = NamesOf(tr);
        for (var i = 0; i < tr.Fields.Count && reader.TryRead(out var field); i++)
        {
            var def = tr.Fields[i];
            json.WritePropertyName(names[i]);
            if (def.IsNumeric)
            {
                if (def.ImpliedDecimals == 0 && IsCanonicalJsonNumber(field)) json.WriteRawValue(field, skipInputValidation: true);
                else if (!field.IsEmpty && FieldParsers.TryParseDecimal(field, def.ImpliedDecimals, out var number)) json.WriteNumberValue(number);
                else json.WriteNullValue();
            }
            else if (System.Text.Unicode.Utf8.IsValid(field))
            {
                json.WriteStringValue(field); // already UTF-8: no string in between
            }
            else
            {
                json.WriteStringValue(KisText.Decode(field)); // cp949
            }
        }
        json.WriteEndObject();

        if (!reader.End)
        {
            json.WriteStartArray("extra"u8);
            while (reader.TryRead(out var extra)) json.WriteStringValue(KisText.Decode(extra));
            json.WriteEndArray();
        }
        json.WriteEndObject();
    }

    /// <summary>
    /// True when the field's text already is the JSON spelling of its value (no '+', no leading zeros, no "-0"),
    /// so it can be copied as is: most KIS numbers are, and copying is far cheaper than formatting a decimal.
    /// </summary>
    internal static bool IsCanonicalJsonNumber(ReadOnlySpan<byte> s)
    {
        var i = 0;
        if (s.Length > 0 && s[0] == (byte)'-') i = 1;
        if (i >= s.Length) return false;
        if (s[i] == (byte)'0')
        {
            if (i == 1) return false; // "-0…": the parsed value drops the sign
            i++;
            if (i == s.Length) return true; // "0"
            if (s[i] != (byte)'.') return false; // leading zero
        }
        else
        {
            if ((uint)(s[i] - '1') > 8) return false;
            while (i < s.Length && (uint)(s[i] - '0') <= 9) i++;
            if (i == s.Length) return true;
            if (s[i] != (byte)'.') return false;
        }

        i++; // past '.'
        if (i == s.Length) return false;
        while (i < s.Length && (uint)(s[i] - '0') <= 9) i++;
        return i == s.Length;
    }
}
