using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Numerics;
using System.Runtime.Intrinsics;

namespace Kis.Realtime.Protocol;

/// <summary>What a raw server message is.</summary>
[Experimental("KISRT0001")]
public enum MessageKind
{
    /// <summary>Empty or unrecognised.</summary>
    Unknown,
    /// <summary>A data frame: <c>0|TR|NNN|…</c> (plain) or <c>1|TR|NNN|…</c> (encrypted).</summary>
    Data,
    /// <summary>A JSON control message: a subscribe reply or PINGPONG.</summary>
    Control,
}

/// <summary>
/// A data frame split into its header and payload: <c>flag|tr_id|count|payload</c>. A view over the received bytes:
/// nothing is copied.
/// </summary>
[Experimental("KISRT0001")]
public readonly ref struct DataFrame
{
    /// <summary>Creates a frame view.</summary>
    public DataFrame(bool encrypted, TrId trId, int recordCount, ReadOnlySpan<byte> payload)
    {
        Encrypted = encrypted;
        TrId = trId;
        RecordCount = recordCount;
        Payload = payload;
    }

    /// <summary>True when the first character is <c>1</c>: the payload is base64 AES ciphertext.</summary>
    public bool Encrypted { get; }

    /// <summary>The TR id.</summary>
    public TrId TrId { get; }

    /// <summary>Number of records in the payload (the 3-digit header field).</summary>
    public int RecordCount { get; }

    /// <summary>The records (plain) or the ciphertext (encrypted).</summary>
    public ReadOnlySpan<byte> Payload { get; }

    /// <summary>The largest record count accepted in a header (KIS writes three digits; four are tolerated).</summary>
    public const int MaxRecordCount = 9999;

    /// <summary>Classifies a raw message by its first byte.</summary>
    public static MessageKind Classify(ReadOnlySpan<byte> message)
    {
        if (message.IsEmpty) return MessageKind.Unknown;
        return message[0] switch
        {
            (byte)'0' or (byte)'1' => MessageKind.Data,
            (byte)'{' => MessageKind.Control,
            _ => LeadingWhitespaceThenBrace(message) ? MessageKind.Control : MessageKind.Unknown,
        };
    }

    private static bool LeadingWhitespaceThenBrace(ReadOnlySpan<byte> message)
    {
        var trimmed = message.TrimStart(" \t\r\n"u8);
        return !trimmed.IsEmpty && trimmed[0] == (byte)'{';
    }

    /// <summary>
    /// Splits a data frame. The payload is everything after the third <c>|</c>, so a <c>|</c> inside the payload cannot
    /// shift the header fields.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> message, out DataFrame frame, out DecodeError error)
    {
        frame = default;
        if (message.IsEmpty)
        {
            error = new(DecodeErrorKind.Empty);
            return false;
        }

        if (message.Length < 2 || message[0] is not ((byte)'0' or (byte)'1') || message[1] != (byte)'|')
        {
            error = new(message[0] is (byte)'0' or (byte)'1' ? DecodeErrorKind.BadHeader : DecodeErrorKind.UnknownMessage);
            return false;
        }

        var rest = message[2..];
        var bar = rest.IndexOf((byte)'|');
        if (bar < 0 || !TrId.TryParse(rest[..bar], out var trId))
        {
            error = new(DecodeErrorKind.BadHeader);
            return false;
        }

        rest = rest[(bar + 1)..];
        bar = rest.IndexOf((byte)'|');
        if (bar < 0)
        {
            error = new(DecodeErrorKind.BadHeader);
            return false;
        }

        var countText = rest[..bar];
        long count = 0;
        if (countText.IsEmpty)
        {
            error = new(DecodeErrorKind.BadRecordCount, Detail: -1);
            return false;
        }

        foreach (var b in countText)
        {
            uint d = (uint)(b - '0');
            if (d > 9)
            {
                error = new(DecodeErrorKind.BadRecordCount, Detail: -1);
                return false;
            }
            count = Math.Min(count * 10 + d, int.MaxValue); // saturates: the error names the count up to int.MaxValue
        }

        if (count is 0 or > MaxRecordCount)
        {
            // Detail: the count found (0, or too large) so the message can say which.
            error = new(DecodeErrorKind.BadRecordCount, Detail: (int)count);
            return false;
        }

        frame = new DataFrame(message[0] == (byte)'1', trId, (int)count, rest[(bar + 1)..]);
        error = default;
        return true;
    }
}

/// <summary>
/// Cuts a plain payload into its records. KIS concatenates records with the same <c>^</c> that separates fields, so
/// the width of a record is (total fields ÷ record count); a width above the known field count means KIS appended
/// fields, which stay with their record as extras.
/// </summary>
[Experimental("KISRT0001")]
public ref struct RecordSplitter
{
    private ReadOnlySpan<byte> _rest;
    private int _remaining;

    private RecordSplitter(ReadOnlySpan<byte> payload, int count, int width)
    {
        _rest = payload;
        _remaining = count;
        FieldsPerRecord = width;
        Index = -1;
    }

    /// <summary>Fields in each record (known plus appended).</summary>
    public int FieldsPerRecord { get; }

    /// <summary>Zero-based index of the current record.</summary>
    public int Index { get; private set; }

    /// <summary>
    /// Checks the field arithmetic of <paramref name="payload"/>: total fields must be a multiple of
    /// <paramref name="recordCount"/>, and each record must have at least <paramref name="knownFieldCount"/> fields.
    /// </summary>
    public static bool TryCreate(ReadOnlySpan<byte> payload, int recordCount, int knownFieldCount,
        out RecordSplitter splitter, out DecodeError error)
    {
        splitter = default;
        if (recordCount <= 0)
        {
            error = new(DecodeErrorKind.BadRecordCount);
            return false;
        }

        var totalFields = payload.Count((byte)'^') + 1;
        if (totalFields % recordCount != 0)
        {
            error = new(DecodeErrorKind.FieldCountNotDivisible, Detail: totalFields);
            return false;
        }

        var width = totalFields / recordCount;
        if (width < knownFieldCount)
        {
            error = new(DecodeErrorKind.TooFewFields, RecordIndex: 0, Detail: width);
            return false;
        }

        splitter = new RecordSplitter(payload, recordCount, width);
        error = default;
        return true;
    }

    /// <summary>Moves to the next record; false after the last.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryNext(out ReadOnlySpan<byte> record)
    {
        if (_remaining == 0)
        {
            record = default;
            return false;
        }

        Index++;
        if (--_remaining == 0)
        {
            record = _rest; // the last record runs to the end
            _rest = default;
            return true;
        }

        var next = IndexAfterNthSeparator(_rest, FieldsPerRecord);
        record = _rest[..(next - 1)];
        _rest = _rest[next..];
        return true;
    }

    /// <summary>Index just past the <paramref name="n"/>-th <c>^</c> (n ≥ 1), or -1. Vectorised: counts separators 32 bytes at a time.</summary>
    internal static int IndexAfterNthSeparator(ReadOnlySpan<byte> s, int n)
    {
        var i = 0;
        if (Vector256.IsHardwareAccelerated && s.Length >= Vector256<byte>.Count)
        {
            ref var start = ref MemoryMarshal.GetReference(s);
            var caret = Vector256.Create((byte)'^');
            for (; i <= s.Length - Vector256<byte>.Count; i += Vector256<byte>.Count)
            {
                var mask = Vector256.Equals(Vector256.LoadUnsafe(ref start, (nuint)i), caret).ExtractMostSignificantBits();
                var found = BitOperations.PopCount(mask);
                if (found >= n)
                {
                    for (var k = 1; k < n; k++) mask &= mask - 1;
                    return i + BitOperations.TrailingZeroCount(mask) + 1;
                }
                n -= found;
            }
        }

        for (; i < s.Length; i++)
            if (s[i] == (byte)'^' && --n == 0) return i + 1;
        return -1;
    }
}
