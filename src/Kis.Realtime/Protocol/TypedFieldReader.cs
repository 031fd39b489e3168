using System.Runtime.CompilerServices;

namespace Kis.Realtime.Protocol;

/// <summary>
/// Reads a record's fields as typed values, remembering the first failure instead of throwing, so a typed view is a
/// straight list of reads followed by one check of <see cref="Error"/>. A read that fails returns a default; the reads after it go on.
/// Empty numeric fields read as 0 (KIS leaves some numbers blank where they do not apply).
/// </summary>
/// <remarks>
/// The separators of 64 bytes are found by one vector compare and kept as a bitmap, so a field's end is a bit count
/// away; a number of up to 16 bytes is then checked and converted eight bytes at a time (<see cref="DigitWord"/>), not
/// digit by digit. Whatever that path does not take (signs with more, long or odd fields) falls to the byte loops,
/// which decide everything exactly as before: the word path only ever agrees with them, faster.
/// Why not <see cref="FieldReader"/>: that one gives raw bytes to code that prints or stores every field alike; this
/// one parses, and is what the views generated from tools/trs/views.json call. Gap detection (<c>TradeVolumeFields</c>)
/// reads four fields by position and must refuse an empty volume, which this reader takes as 0.
/// </remarks>
internal ref partial struct TypedFieldReader
{
    private const int Window = 64;
    private readonly ReadOnlySpan<byte> _record;
    private int _pos;        // start of the next field; _record.Length + 1 once the last field is consumed
    private DecodeErrorKind _errorKind;
    private int _errorField; // field index of the first error, computed only when it happens
    private ulong _separators; // bit i: _record[_windowStart + i] is '^'
    private int _windowStart;  // where the bitmap starts (far before 0 until it is first filled)

    /// <summary>Starts reading one record.</summary>
    public TypedFieldReader(ReadOnlySpan<byte> record)
    {
        _record = record;
        _pos = 0;
        _errorKind = DecodeErrorKind.None;
        _errorField = -1;
        _separators = 0;
        _windowStart = -2 * Window;
    }

    /// <summary>The first failure, or none.</summary>
    public readonly DecodeError Error => _errorKind == DecodeErrorKind.None
        ? default
        : new DecodeError(_errorKind, FieldIndex: _errorField, Detail: _errorKind == DecodeErrorKind.TooFewFields ? _errorField : 0);

    /// <summary>Fields not read (appended by KIS after the known list), still <c>^</c>-separated; empty when none.</summary>
    public readonly ReadOnlySpan<byte> Extras => _pos <= _record.Length ? _record[_pos..] : default;

    /// <summary>The next field's raw bytes.</summary>
    public ReadOnlySpan<byte> Raw()
    {
        var pos = _pos;
        if (pos > _record.Length)
        {
            TooFew();
            return default;
        }

        var end = FieldEnd(pos);
        _pos = end + 1; // past the last field: _record.Length + 1
        return _record[pos..end];
    }

    /// <summary>The next field as text (UTF-8, else cp949; repeated values cached).</summary>
    public string Text() => KisText.Decode(Raw());

    /// <summary>The next field as a decimal, with <paramref name="impliedDecimals"/> implied digits; empty reads as 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public decimal Decimal(int impliedDecimals = 0)
    {
        // Inline, the common fields: 1–8 bytes of digits, with or without a point. The rest is a call.
        var s = _record;
        var p = _pos;
        if (p < s.Length && DigitWord.Supported && s.Length >= 8 && impliedDecimals == 0)
        {
            var end = FieldEnd(p);
            var length = end - p;
            if ((uint)(length - 1) < 8)
            {
                var digits = DigitWord.Load(s, p, length);
                var marks = DigitWord.NonDigits(digits);
                if (marks == 0)
                {
                    _pos = end + 1;
                    return new decimal((int)DigitWord.Value(digits, length), 0, 0, false, 0); // (this constructor inlines, decimal(uint) is a call)
                }
                var point = DigitWord.FirstMarked(marks);
                if ((marks & (marks - 1)) == 0 && point < length - 1 && s[p + point] == (byte)'.')
                {
                    // DigitWord.TryRemovePoint's test, unrolled here: its slice measured 2-3 % slower inline.
                    _pos = end + 1;
                    return new decimal((int)DigitWord.Value(DigitWord.RemoveByte(digits, point), length - 1), 0, 0, false, (byte)(length - 1 - point));
                }
            }
        }
        return DecimalByWords(impliedDecimals);
    }

    // The byte loop: every field the word path leaves.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private decimal DecimalByBytes(int impliedDecimals)
    {
        var s = _record;
        var p = _pos;
        if (p > s.Length)
        {
            TooFew();
            return 0;
        }

        var start = p;
        var negative = DigitRun.Sign(s, ref p);

        ulong mantissa = 0;
        var digits = DigitRun.Parse(s, ref p, ref mantissa);
        var scale = 0;
        if (p < s.Length && s[p] == (byte)'.')
        {
            p++;
            scale = DigitRun.Parse(s, ref p, ref mantissa);
            digits += scale;
            if (scale == 0) return SlowDecimal(start, impliedDecimals); // "12." : let the strict parser reject it
        }

        if ((p < s.Length && s[p] != (byte)'^') || digits > 18 || scale + impliedDecimals > 28)
            return SlowDecimal(start, impliedDecimals);
        if (digits == 0)
        {
            if (p != start) return SlowDecimal(start, impliedDecimals); // a lone sign
            _pos = p + 1;
            return 0; // empty field
        }

        _pos = p + 1;
        return new decimal((int)(uint)mantissa, (int)(uint)(mantissa >> 32), 0, negative && mantissa != 0, (byte)(scale + impliedDecimals));
    }

    private decimal SlowDecimal(int start, int impliedDecimals)
    {
        _pos = start;
        var field = Raw();
        if (FieldParsers.TryParseDecimal(field, impliedDecimals, out var value)) return value;
        Fail(DecodeErrorKind.BadNumber, start);
        return 0;
    }

    /// <summary>The next field as a 64-bit integer; empty reads as 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long Int64()
    {
        // Inline, the common fields: 1–8 digits. The rest is a call.
        var s = _record;
        var p = _pos;
        if (p < s.Length && DigitWord.Supported && s.Length >= 8)
        {
            var end = FieldEnd(p);
            var length = end - p;
            if ((uint)(length - 1) < 8)
            {
                var digits = DigitWord.Load(s, p, length);
                if (DigitWord.NonDigits(digits) == 0)
                {
                    _pos = end + 1;
                    return (long)DigitWord.Value(digits, length);
                }
            }
        }
        return Int64ByWords();
    }

    // The byte loop: every field the word path leaves.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private long Int64ByBytes()
    {
        var s = _record;
        var p = _pos;
        if (p > s.Length)
        {
            TooFew();
            return 0;
        }

        var start = p;
        var negative = DigitRun.Sign(s, ref p);

        ulong acc = 0;
        var digits = DigitRun.Parse(s, ref p, ref acc);
        if ((p < s.Length && s[p] != (byte)'^') || digits > 18 || (digits == 0 && p != start))
            return SlowInt64(start);
        _pos = p + 1;
        return negative ? -(long)acc : (long)acc;
    }

    private long SlowInt64(int start)
    {
        _pos = start;
        var field = Raw();
        if (FieldParsers.TryParseInt64(field, out var value)) return value;
        Fail(DecodeErrorKind.BadNumber, start);
        return 0;
    }

    /// <summary>The next field as a time of day HHMMSS; empty reads as midnight.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TimeOnly Time()
    {
        var s = _record;
        var p = _pos;
        // Fast path: exactly six bytes followed by a separator or the end.
        if (p + 6 <= s.Length && (p + 6 == s.Length || s[p + 6] == (byte)'^')
            && FieldParsers.TryParseTime(s.Slice(p, 6), out var fast))
        {
            _pos = p + 7;
            return fast;
        }

        var start = _pos;
        var field = Raw();
        if (field.IsEmpty) return default;
        if (FieldParsers.TryParseTime(field, out var value)) return value;
        Fail(DecodeErrorKind.BadTime, start);
        return default;
    }

    /// <summary>The next field as a date YYYYMMDD; empty or <c>00000000</c> reads as null.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public DateOnly? Date()
    {
        var s = _record;
        var p = _pos;
        // Fast path: exactly eight bytes followed by a separator or the end.
        if (p + 8 <= s.Length && (p + 8 == s.Length || s[p + 8] == (byte)'^')
            && FieldParsers.TryParseDate(s.Slice(p, 8), out var fast))
        {
            _pos = p + 9;
            return fast;
        }

        var start = _pos;
        var field = Raw();
        if (field.IsEmpty) return null;
        if (FieldParsers.TryParseDate(field, out var value)) return value;
        Fail(DecodeErrorKind.BadDate, start);
        return null;
    }

    /// <summary>The next field's first byte as a code character ('Y', 'N', '1' …), or '\0' when empty.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public char Char()
    {
        var s = _record;
        var p = _pos;
        // Fast path: one byte followed by a separator or the end.
        if (p < s.Length && s[p] != (byte)'^' && (p + 1 == s.Length || s[p + 1] == (byte)'^'))
        {
            _pos = p + 2;
            return (char)s[p];
        }
        var field = Raw();
        return field.IsEmpty ? '\0' : (char)field[0];
    }

    /// <summary>Skips the next field.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Skip() => Raw();

    /// <summary>The next field as a small code number (sign codes "2", sides "01"): its value, 0 when empty, -1 otherwise.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Digit()
    {
        var s = _record;
        var p = _pos;
        // Fast path: one digit followed by a separator or the end.
        if (p < s.Length && (p + 1 == s.Length || s[p + 1] == (byte)'^'))
        {
            var digit = (uint)(s[p] - '0');
            if (digit <= 9)
            {
                _pos = p + 2;
                return (int)digit;
            }
        }

        var field = Raw();
        if (field.Length == 1)
        {
            var d = (uint)(field[0] - '0');
            return d <= 9 ? (int)d : -1;
        }
        if (field.IsEmpty) return 0;
        return FieldParsers.TryParseInt64(field, out var n) && n is >= 0 and < 100 ? (int)n : -1;
    }

    private void TooFew()
    {
        // Every field was consumed: the missing one's index is the number of fields.
        if (_errorKind == DecodeErrorKind.None) Record(DecodeErrorKind.TooFewFields, _record.Count((byte)'^') + 1);
    }

    private void Fail(DecodeErrorKind kind, int fieldStart)
    {
        // The index is counted only now: tracking it on every read costs the hot path for the rare failure.
        if (_errorKind == DecodeErrorKind.None) Record(kind, _record[..fieldStart].Count((byte)'^'));
    }

    private void Record(DecodeErrorKind kind, int fieldIndex)
    {
        _errorKind = kind;
        _errorField = fieldIndex;
    }
}
