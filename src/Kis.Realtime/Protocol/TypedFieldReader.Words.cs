using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Kis.Realtime.Protocol;

// The word path: field ends from the separator bitmap, and the numbers the inline readers leave (empty, signed,
// 9–16 digits), eight bytes at a time before the byte loops.
internal ref partial struct TypedFieldReader
{
    /// <summary>Index of the first <c>^</c> at or after <paramref name="pos"/> (≤ the length), or the record's length.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int FieldEnd(int pos)
    {
        var offset = pos - _windowStart;
        if ((uint)offset < Window)
        {
            var ahead = _separators >> offset;
            if (ahead != 0) return pos + System.Numerics.BitOperations.TrailingZeroCount(ahead);
            if (_windowStart + Window >= _record.Length) return _record.Length; // the window reaches the end
        }
        return FieldEndInNewWindow(pos);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int FieldEndInNewWindow(int pos)
    {
        var s = _record;
        if (pos >= s.Length) return s.Length; // an empty last field (no window: a shift by 64 would be a shift by 0)
        ref var origin = ref MemoryMarshal.GetReference(s);
        if (pos + Window <= s.Length) _separators = DigitWord.Separators64(ref Unsafe.Add(ref origin, pos));
        else if (s.Length >= Window) _separators = DigitWord.Separators64(ref Unsafe.Add(ref origin, s.Length - Window)) >> (pos - (s.Length - Window));
        else
        {
            Span<byte> tail = stackalloc byte[Window]; // zeroed: no separators past the end
            s[pos..].CopyTo(tail);
            _separators = DigitWord.Separators64(ref MemoryMarshal.GetReference(tail));
        }
        _windowStart = pos;
        if (_separators != 0) return pos + System.Numerics.BitOperations.TrailingZeroCount(_separators);
        if (pos + Window >= s.Length) return s.Length;
        var sep = s[(pos + Window)..].IndexOf((byte)'^'); // a field longer than the window
        return sep < 0 ? s.Length : pos + Window + sep;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private decimal DecimalByWords(int impliedDecimals)
    {
        if (!TryNumberByWords(maxScale: 28 - impliedDecimals, out var mantissa, out var scale, out var negative)) return DecimalByBytes(impliedDecimals);
        if (scale < 0) return 0; // empty: a plain 0, implied digits or not
        return new decimal((int)(uint)mantissa, (int)(uint)(mantissa >> 32), 0, negative && mantissa != 0, (byte)(scale + impliedDecimals));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private long Int64ByWords() =>
        TryNumberByWords(maxScale: 0, out var mantissa, out _, out var negative)
            ? negative ? -(long)mantissa : (long)mantissa
            : Int64ByBytes();

    /// <summary>
    /// Reads the next field by words if it is empty, 1–8 bytes of digits with an optional sign and (up to
    /// <paramref name="maxScale"/> digits after it) one point, or 9–16 digits alone: its digits as a number (at most
    /// 16 digits), the digits after the point (-1 for an empty field), and the sign. False, with nothing read, for any
    /// other field.
    /// </summary>
    private bool TryNumberByWords(int maxScale, out ulong mantissa, out int scale, out bool negative)
    {
        (mantissa, scale, negative) = (0, 0, false);
        var s = _record;
        var p = _pos;
        if (p > s.Length || !DigitWord.Supported || s.Length < 8 || maxScale < 0) return false;
        var end = FieldEnd(p);
        var length = end - p;
        if (length > 8)
        {
            if (length > 16 || !DigitsOnly(s, p, length, out mantissa)) return false;
        }
        else if (length == 0)
        {
            scale = -1;
        }
        else
        {
            var digits = DigitWord.Load(s, p, length);
            var marks = DigitWord.NonDigits(digits);
            if ((marks & 0x80) != 0 && length > 1 && s[p] is (byte)'-' or (byte)'+')
            {
                negative = s[p] == (byte)'-';
                digits &= ~0xFFUL; // the sign reads as a leading zero
                marks &= ~0x80UL;
            }
            if (DigitWord.TryRemovePoint(s.Slice(p, length), ref digits, marks, out scale))
            {
                if (scale > maxScale) return false;
                (length, marks) = (length - 1, 0);
            }
            if (marks != 0) return false;
            mantissa = DigitWord.Value(digits, length);
        }
        _pos = end + 1;
        return true;
    }

    /// <summary>A field of 9–16 digits (no sign, no point) as a number.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool DigitsOnly(ReadOnlySpan<byte> s, int p, int length, out ulong value)
    {
        var headLength = length - 8;
        var head = DigitWord.Load(s, p, headLength);
        var tail = DigitWord.Load(s, p + headLength, 8);
        value = DigitWord.Value(head, headLength) * 100_000_000 + DigitWord.Value(tail, 8);
        return (DigitWord.NonDigits(head) | DigitWord.NonDigits(tail)) == 0;
    }
}
