using System.Runtime.CompilerServices;

namespace Kis.Realtime.Protocol;

/// <summary>The sign and digit loops shared by the number parsers.</summary>
/// <remarks>
/// The typed reader's fallback (and <see cref="FieldParsers"/>' only path). Searching for a field's end eight bytes at a
/// time was measured about 1.8× slower than this loop; the reader's faster path (<see cref="DigitWord"/>) knows the end
/// first, from its separator bitmap. Keep this loop plain.
/// </remarks>
internal static class DigitRun
{
    /// <summary>
    /// Consumes the digits at <paramref name="p"/>, appending them to <paramref name="acc"/> (acc = acc·10ⁿ + run).
    /// Returns n. Runs longer than 19 digits overflow <paramref name="acc"/>; callers check the count.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Parse(ReadOnlySpan<byte> s, ref int p, ref ulong acc)
    {
        var start = p;
        var i = p;
        var value = acc;
        while (i < s.Length)
        {
            var d = (uint)(s[i] - '0');
            if (d > 9) break;
            value = value * 10 + d;
            i++;
        }
        acc = value;
        p = i;
        return i - start;
    }

    /// <summary>Consumes an optional leading '+' or '-' at <paramref name="p"/>; true for '-'.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Sign(ReadOnlySpan<byte> s, ref int p)
    {
        if (p >= s.Length) return false;
        var c = s[p];
        if (c != (byte)'-' && c != (byte)'+') return false;
        p++;
        return c == (byte)'-';
    }
}
