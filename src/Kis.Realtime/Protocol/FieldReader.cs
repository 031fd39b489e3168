using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Kis.Realtime.Protocol;

/// <summary>
/// Reads the <c>^</c>-separated fields of one record, left to right, without allocating. Typed views read exactly
/// their known fields; whatever follows (fields KIS appended later) stays in <see cref="Remaining"/>.
/// </summary>
/// <remarks>
/// One of three readers, each for its own use. This one hands out raw field bytes, unparsed and without an error
/// state, to code that treats every field alike (JSON and CSV output, <c>KisRecord</c>'s by-name access, COPY rows,
/// replay filters). <see cref="TypedFieldReader"/> is the typed views' reader (empty numbers read as 0, first failure
/// kept); <c>TradeVolumeFields</c> picks gap detection's four fields by position and parses them strictly.
/// </remarks>
[Experimental("KISRT0001")]
public ref struct FieldReader
{
    private ReadOnlySpan<byte> _rest;
    private bool _exhausted;

    /// <summary>Starts reading <paramref name="record"/>; an empty record holds one empty field.</summary>
    public FieldReader(ReadOnlySpan<byte> record)
    {
        _rest = record;
        _exhausted = false;
        Index = 0;
    }

    /// <summary>Zero-based index of the next field to read.</summary>
    public int Index { get; private set; }

    /// <summary>True when every field has been read.</summary>
    public readonly bool End => _exhausted;

    /// <summary>The unread fields (still <c>^</c>-separated).</summary>
    public readonly ReadOnlySpan<byte> Remaining => _exhausted ? default : _rest;

    /// <summary>Field <paramref name="index"/> (zero-based) of <paramref name="record"/>; empty when the record has fewer fields.</summary>
    public static ReadOnlySpan<byte> FieldAt(ReadOnlySpan<byte> record, int index)
    {
        var fields = new FieldReader(record);
        for (var i = 0; fields.TryRead(out var field); i++)
            if (i == index) return field;
        return default;
    }

    /// <summary>Reads the next field; false when there is none.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryRead(out ReadOnlySpan<byte> field)
    {
        if (_exhausted)
        {
            field = default;
            return false;
        }

        var sep = _rest.IndexOf((byte)'^');
        if (sep < 0)
        {
            field = _rest;
            _rest = default;
            _exhausted = true;
        }
        else
        {
            field = _rest[..sep];
            _rest = _rest[(sep + 1)..];
        }

        Index++;
        return true;
    }
}
