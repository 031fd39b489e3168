using System.Globalization;

namespace Kis.Realtime.Protocol;

/// <summary>Why a message or record could not be decoded. Each is an error for that frame only, never for the session.</summary>
public enum DecodeErrorKind
{
    /// <summary>No error.</summary>
    None = 0,
    /// <summary>The message is empty.</summary>
    Empty,
    /// <summary>The message is neither a data frame (<c>0|…</c>, <c>1|…</c>) nor JSON.</summary>
    UnknownMessage,
    /// <summary>The <c>flag|tr_id|count|</c> header is malformed.</summary>
    BadHeader,
    /// <summary>The record count is not a number, is 0, or is larger than <see cref="DataFrame.MaxRecordCount"/> (<see cref="DecodeError.Detail"/>: -1, 0 or
    /// the count).</summary>
    BadRecordCount,
    /// <summary>The field count is not a multiple of the record count.</summary>
    FieldCountNotDivisible,
    /// <summary>A record has fewer fields than the TR's known field list.</summary>
    TooFewFields,
    /// <summary>The TR id is not in the TR table.</summary>
    UnknownTr,
    /// <summary>A numeric field is not a number.</summary>
    BadNumber,
    /// <summary>A time field is not HHMMSS.</summary>
    BadTime,
    /// <summary>An encrypted frame arrived for a TR with no key yet (no SUBSCRIBE SUCCESS seen in this session).</summary>
    NoDecryptionKey,
    /// <summary>The ciphertext is not base64 or does not decrypt (wrong key, bad padding).</summary>
    DecryptionFailed,
    /// <summary>A JSON control message could not be parsed.</summary>
    BadControlMessage,
    /// <summary>A date field is not YYYYMMDD.</summary>
    BadDate,
}

/// <summary>A decode failure with where it happened. A value type: failing costs no allocation and no exception.</summary>
/// <param name="Kind">What went wrong.</param>
/// <param name="RecordIndex">Zero-based record within the frame, or -1.</param>
/// <param name="FieldIndex">Zero-based field within the record, or -1.</param>
/// <param name="Detail">For counts: the count found (fields per record, total fields …), else 0.</param>
public readonly record struct DecodeError(DecodeErrorKind Kind, int RecordIndex = -1, int FieldIndex = -1, int Detail = 0)
{
    /// <summary>No error.</summary>
    public static DecodeError None => default;

    /// <summary>True when this is an error.</summary>
    public bool IsError => Kind != DecodeErrorKind.None;

    /// <summary>A one-line English description naming the field where known.</summary>
    public string Describe(TrDefinition? tr = null)
    {
        var field = FieldIndex >= 0 && tr is not null && FieldIndex < tr.Fields.Count
            ? $" field {FieldIndex + 1} ({tr.Fields[FieldIndex].Name})"
            : FieldIndex >= 0 ? $" field {FieldIndex + 1}" : "";
        var record = RecordIndex >= 0 ? $" in record {RecordIndex + 1}" : "";
        var trText = tr is null ? "" : $" {tr.Id}";
        return Kind switch
        {
            DecodeErrorKind.Empty => "empty message",
            DecodeErrorKind.UnknownMessage => "not a KIS data frame or JSON control message",
            DecodeErrorKind.BadHeader => "malformed frame header (expected 0|TR_ID|NNN|payload or 1|TR_ID|NNN|payload)",
            DecodeErrorKind.BadRecordCount => Detail switch
            {
                < 0 => "record count in the frame header is not a number",
                0 => "record count in the frame header is 0 (a frame has at least one record)",
                int.MaxValue => $"record count in the frame header is larger than {DataFrame.MaxRecordCount}",
                _ => $"record count {Detail} in the frame header is larger than {DataFrame.MaxRecordCount}",
            },
            DecodeErrorKind.FieldCountNotDivisible => $"{trText} frame has {Detail} fields, not a multiple of its record count".TrimStart(),
            DecodeErrorKind.TooFewFields
                => ($"{trText} record {Math.Max(RecordIndex, 0) + 1} has {Detail} fields, fewer than the " +
                    $"{tr?.Fields.Count.ToString(CultureInfo.InvariantCulture) ?? "known"} known").TrimStart(),
            DecodeErrorKind.UnknownTr => "unknown TR id",
            DecodeErrorKind.BadNumber => $"{trText}{field}{record} is not a number".TrimStart(),
            DecodeErrorKind.BadTime => $"{trText}{field}{record} is not a time HHMMSS".TrimStart(),
            DecodeErrorKind.BadDate => $"{trText}{field}{record} is not a date YYYYMMDD".TrimStart(),
            DecodeErrorKind.NoDecryptionKey => $"encrypted{trText} frame but no key: no SUBSCRIBE SUCCESS reply for it was seen",
            DecodeErrorKind.DecryptionFailed => $"encrypted{trText} frame does not decrypt (not base64, wrong key or bad padding)",
            DecodeErrorKind.BadControlMessage => "malformed JSON control message",
            _ => Kind.ToString(),
        };
    }
}
