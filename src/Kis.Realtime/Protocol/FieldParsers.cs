using System.Diagnostics.CodeAnalysis;
using System.Buffers.Text;
using System.Runtime.CompilerServices;

namespace Kis.Realtime.Protocol;

/// <summary>
/// Allocation-free parsers for KIS's ASCII field text. KIS numbers are plain: an optional sign, digits, at most one
/// '.', and sometimes leading zeros; anything else is rejected rather than guessed at.
/// </summary>
[Experimental("KISRT0001")]
public static class FieldParsers
{
    private const int MaxFastDigits = 18; // 10^18 < 2^63: no overflow checks needed below this

    /// <summary>
    /// Parses a decimal such as <c>-32.68</c>, <c>0000000002</c> or <c>+1.26</c>. <paramref name="impliedDecimals"/>
    /// shifts the point left (notice prices: <c>007840000</c> with 2 → 78400.00). The scale is kept, so 10575.00 stays
    /// 10575.00. An empty field is not a number: callers decide what empty means.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryParseDecimal(ReadOnlySpan<byte> s, int impliedDecimals, out decimal value)
    {
        value = 0;
        var i = 0;
        var negative = DigitRun.Sign(s, ref i);

        ulong mantissa = 0;
        var digits = DigitRun.Parse(s, ref i, ref mantissa);
        var scale = 0;
        if (i < s.Length && s[i] == (byte)'.')
        {
            i++;
            scale = DigitRun.Parse(s, ref i, ref mantissa);
            if (scale == 0) return false; // "12." is not a KIS number
            digits += scale;
        }

        if (i != s.Length || digits == 0) return false;
        if (digits > MaxFastDigits || scale + impliedDecimals > 28) return TryParseDecimalSlow(s, impliedDecimals, out value);
        value = new decimal((int)(uint)mantissa, (int)(uint)(mantissa >> 32), 0, negative && mantissa != 0, (byte)(scale + impliedDecimals));
        return true;
    }

    private static bool TryParseDecimalSlow(ReadOnlySpan<byte> s, int impliedDecimals, out decimal value)
    {
        value = 0;
        if (s.Contains((byte)'e') || s.Contains((byte)'E')) return false;
        var start = s[0] == (byte)'+' ? 1 : 0;
        if (!Utf8Parser.TryParse(s[start..], out decimal v, out var consumed) || consumed != s.Length - start) return false;
        try
        {
            for (var k = 0; k < impliedDecimals; k++) v /= 10m;
        }
        catch (OverflowException)
        {
            return false;
        }
        value = v;
        return true;
    }

    /// <summary>Parses an integer such as <c>-224036</c> or <c>0000000002</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryParseInt64(ReadOnlySpan<byte> s, out long value)
    {
        value = 0;
        var i = 0;
        var negative = DigitRun.Sign(s, ref i);

        ulong acc = 0;
        var digits = DigitRun.Parse(s, ref i, ref acc);
        if (digits == 0 || i != s.Length) return false;
        if (digits > MaxFastDigits) return TryParseInt64Slow(s, out value);
        value = negative ? -(long)acc : (long)acc;
        return true;
    }

    private static bool TryParseInt64Slow(ReadOnlySpan<byte> s, out long value)
    {
        var start = s[0] == (byte)'+' ? 1 : 0;
        return Utf8Parser.TryParse(s[start..], out value, out var consumed) && consumed == s.Length - start;
    }

    /// <summary>Parses HHMMSS (6 digits, 00:00:00–23:59:59).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryParseTime(ReadOnlySpan<byte> s, out TimeOnly value)
    {
        value = default;
        if (s.Length != 6) return false;
        uint h1 = (uint)(s[0] - '0'), h2 = (uint)(s[1] - '0'), m1 = (uint)(s[2] - '0'),
             m2 = (uint)(s[3] - '0'), s1 = (uint)(s[4] - '0'), s2 = (uint)(s[5] - '0');
        if (h1 > 9 || h2 > 9 || m1 > 9 || m2 > 9 || s1 > 9 || s2 > 9) return false;
        uint hour = h1 * 10 + h2, minute = m1 * 10 + m2, second = s1 * 10 + s2;
        if (hour > 23 || minute > 59 || second > 59) return false;
        value = new TimeOnly((hour * 3600 + minute * 60 + second) * TimeSpan.TicksPerSecond);
        return true;
    }

    /// <summary>
    /// Parses YYYYMMDD. <c>00000000</c> (KIS's "no date") parses as <paramref name="value"/> = null; any other
    /// impossible date fails.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryParseDate(ReadOnlySpan<byte> s, out DateOnly? value)
    {
        value = null;
        if (s.Length != 8) return false;
        var n = 0;
        foreach (var b in s)
        {
            var d = (uint)(b - '0');
            if (d > 9) return false;
            n = n * 10 + (int)d;
        }
        if (n == 0) return true;
        int year = n / 10000, month = n / 100 % 100, day = n % 100;
        if (year < 1 || month is < 1 or > 12 || day < 1 || (day > 28 && day > DateTime.DaysInMonth(year, month))) return false;
        value = new DateOnly(year, month, day);
        return true;
    }
}
