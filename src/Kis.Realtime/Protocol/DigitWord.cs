using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Kis.Realtime.Protocol;

/// <summary>
/// Eight bytes of a field at a time: a field whose end is already known (<see cref="TypedFieldReader"/> finds every
/// separator of 64 bytes in one vector compare) is checked and converted without a loop per digit, so the cost no
/// longer depends on where each field happens to end. (Searching for the end eight bytes at a time was measured
/// slower than the plain loop of <see cref="DigitRun"/>: the end must be known first.)
/// </summary>
/// <remarks>
/// A word holds the field's bytes in memory order, first byte lowest (little-endian loads only; other machines take
/// the byte loops). "Digit values" are each byte XOR '0': 0–9 for a digit, above 9 for anything else.
/// </remarks>
internal static class DigitWord
{
    private const ulong Zeros = 0x3030303030303030;
    private const ulong HighBits = 0x8080808080808080;

    /// <summary>Whether words can be read here (a little-endian machine).</summary>
    public static bool Supported => BitConverter.IsLittleEndian;

    /// <summary>
    /// The <paramref name="length"/> bytes (1–8) of <paramref name="s"/> from <paramref name="start"/> as digit values,
    /// the bytes above them zero; <paramref name="s"/> must be at least 8 bytes long and the bytes must lie inside it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Load(ReadOnlySpan<byte> s, int start, int length)
    {
        ref var origin = ref MemoryMarshal.GetReference(s);
        ulong word;
        // Near the end: the last eight bytes, shifted so that the field's come first.
        if (start + 8 <= s.Length) word = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref origin, start));
        else word = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref origin, s.Length - 8)) >> (8 * (start + 8 - s.Length));
        return (word ^ Zeros) & (ulong.MaxValue >> (64 - 8 * length));
    }

    /// <summary>A high bit set in each byte of <paramref name="digits"/> that is not a digit (bytes after the first such may be marked too).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong NonDigits(ulong digits) => ((digits + 0x7676767676767676) | digits) & HighBits;

    /// <summary>The number whose <paramref name="length"/> (1–8) digit values are <paramref name="digits"/>, first digit lowest.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Value(ulong digits, int length)
    {
        // Move the digits to the top: the zero bytes below them read as leading zeros.
        var v = digits << (64 - 8 * length);
        v = v * 10 + (v >> 8); // pairs
        v = (((v & 0x000000FF000000FF) * (100 + (1000000UL << 32))) + (((v >> 16) & 0x000000FF000000FF) * (1 + (10000UL << 32)))) >> 32;
        return (uint)v;
    }

    /// <summary>Removes byte <paramref name="index"/> of <paramref name="word"/>: the bytes above it move down one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong RemoveByte(ulong word, int index)
    {
        var below = (1UL << (8 * index)) - 1; // index ≤ 7
        return (word & below) | ((word >> 8) & ~below);
    }

    /// <summary>
    /// When the one byte of <paramref name="field"/> marked in <paramref name="marks"/> is a point with a digit after
    /// it: removes it from <paramref name="digits"/> and gives the digits after it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryRemovePoint(ReadOnlySpan<byte> field, ref ulong digits, ulong marks, out int scale)
    {
        scale = 0;
        if (marks == 0 || (marks & (marks - 1)) != 0) return false;
        var point = FirstMarked(marks);
        if (point >= field.Length - 1 || field[point] != (byte)'.') return false;
        digits = RemoveByte(digits, point);
        scale = field.Length - 1 - point;
        return true;
    }

    /// <summary>Index of the byte whose high bit is the lowest set in <paramref name="marks"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int FirstMarked(ulong marks) => BitOperations.TrailingZeroCount(marks) >> 3;

    /// <summary>Bit i set where byte i of the 64 from <paramref name="at"/> is <c>^</c>; 64 bytes must be readable there.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Separators64(ref byte at)
    {
        if (Vector256.IsHardwareAccelerated)
        {
            var caret = Vector256.Create((byte)'^');
            ulong low = Vector256.Equals(Vector256.LoadUnsafe(ref at), caret).ExtractMostSignificantBits();
            ulong high = Vector256.Equals(Vector256.LoadUnsafe(ref at, 32), caret).ExtractMostSignificantBits();
            return low | (high << 32);
        }
        var c = Vector128.Create((byte)'^');
        ulong m0 = Vector128.Equals(Vector128.LoadUnsafe(ref at), c).ExtractMostSignificantBits();
        ulong m1 = Vector128.Equals(Vector128.LoadUnsafe(ref at, 16), c).ExtractMostSignificantBits();
        ulong m2 = Vector128.Equals(Vector128.LoadUnsafe(ref at, 32), c).ExtractMostSignificantBits();
        ulong m3 = Vector128.Equals(Vector128.LoadUnsafe(ref at, 48), c).ExtractMostSignificantBits();
        return m0 | (m1 << 16) | (m2 << 32) | (m3 << 48);
    }
}
