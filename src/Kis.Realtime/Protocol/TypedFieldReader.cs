using System.Runtime.CompilerServices;

namespace Kis.Realtime.Protocol;

/// <summary>
/// Reads a record's fields as typed values, remembering the first failure instead of throwing, so a typed view is a
/// straight list of reads followed by one check of <see cref="Error"/>. After a failure every read returns a default.
/// Empty numeric fields read as 0 (KIS leaves some numbers blank where they do not apply).
/// </summary>
public ref struct TypedFieldReader
{
    private FieldReader _fields;
    private DecodeError _error;

    /// <summary>Starts reading one record.</summary>
    public TypedFieldReader(ReadOnlySpan<byte> record)
    {
        _fields = new FieldReader(record);
        _error = default;
    }

    /// <summary>The first failure, or none.</summary>
    public readonly DecodeError Error => _error;

    /// <summary>Fields not read (appended by KIS after the known list), still <c>^</c>-separated; empty when none.</summary>
    public readonly ReadOnlySpan<byte> Extras => _fields.Remaining;

    /// <summary>The next field's raw bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ReadOnlySpan<byte> Raw()
    {
        if (_fields.TryRead(out var field)) return field;
        if (!_error.IsError) _error = new DecodeError(DecodeErrorKind.TooFewFields, FieldIndex: _fields.Index, Detail: _fields.Index);
        return default;
    }

    /// <summary>The next field as text (UTF-8, else cp949; repeated values cached).</summary>
    public string Text() => KisText.Decode(Raw());

    /// <summary>The next field as a decimal, with <paramref name="impliedDecimals"/> implied digits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public decimal Decimal(int impliedDecimals = 0)
    {
        var field = Raw();
        if (field.IsEmpty) return 0;
        if (FieldParsers.TryParseDecimal(field, impliedDecimals, out var value)) return value;
        Fail(DecodeErrorKind.BadNumber);
        return 0;
    }

    /// <summary>The next field as a 64-bit integer.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long Int64()
    {
        var field = Raw();
        if (field.IsEmpty) return 0;
        if (FieldParsers.TryParseInt64(field, out var value)) return value;
        Fail(DecodeErrorKind.BadNumber);
        return 0;
    }

    /// <summary>The next field as a time of day HHMMSS; empty reads as midnight.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TimeOnly Time()
    {
        var field = Raw();
        if (field.IsEmpty) return default;
        if (FieldParsers.TryParseTime(field, out var value)) return value;
        Fail(DecodeErrorKind.BadTime);
        return default;
    }

    /// <summary>The next field as a one-digit code (e.g. a sign code): its digit value, 0 when empty, -1 otherwise.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Digit()
    {
        var field = Raw();
        if (field.IsEmpty) return 0;
        if (field.Length == 1 && (uint)(field[0] - '0') <= 9) return field[0] - '0';
        // Codes like "01"/"02" (order side): read the whole number when it is all digits.
        return FieldParsers.TryParseInt64(field, out var n) && n is >= 0 and < 100 ? (int)n : -1;
    }

    private void Fail(DecodeErrorKind kind)
    {
        if (!_error.IsError) _error = new DecodeError(kind, FieldIndex: _fields.Index - 1);
    }
}
