using System.Diagnostics.CodeAnalysis;
using System.Buffers.Binary;
using System.Text;

namespace Kis.Realtime.Protocol;

/// <summary>
/// A KIS TR id (e.g. <c>H0UPCNT0</c>). Every TR id is exactly 8 ASCII bytes, so it is held as one
/// <see cref="ulong"/>: comparing and switching on it costs one integer compare instead of a string compare.
/// </summary>
[Experimental("KISRT0001")]
public readonly record struct TrId(ulong Value)
{
    /// <summary>Length of every KIS TR id in bytes.</summary>
    public const int Length = 8;

    /// <summary>True when this is not the default (empty) value.</summary>
    public bool IsValid => Value != 0;

    /// <summary>Reads a TR id from 8 ASCII bytes; returns false for any other length or a non-printable byte.</summary>
    public static bool TryParse(ReadOnlySpan<byte> ascii, out TrId trId)
    {
        trId = default;
        if (ascii.Length != Length) return false;
        foreach (var b in ascii)
            if (b is < 0x21 or > 0x7E || b == (byte)'|' || b == (byte)'^') return false;
        trId = new TrId(BinaryPrimitives.ReadUInt64LittleEndian(ascii));
        return true;
    }

    /// <summary>Parses a TR id from text.</summary>
    /// <exception cref="ArgumentException">The text is not 8 printable ASCII characters.</exception>
    public static TrId Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        Span<byte> buf = stackalloc byte[Length];
        if (text.Length != Length || Encoding.ASCII.GetBytes(text, buf) != Length || !TryParse(buf, out var id))
            throw new ArgumentException($"A KIS TR id is exactly {Length} ASCII characters; got '{text}'.", nameof(text));
        return id;
    }

    /// <summary>Writes the 8 ASCII bytes of this id.</summary>
    public void CopyTo(Span<byte> destination) => BinaryPrimitives.WriteUInt64LittleEndian(destination, Value);

    /// <inheritdoc/>
    public override string ToString()
    {
        if (Value == 0) return string.Empty;
        Span<byte> buf = stackalloc byte[Length];
        CopyTo(buf);
        return Encoding.ASCII.GetString(buf);
    }
}
