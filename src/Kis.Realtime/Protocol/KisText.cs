using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Unicode;

namespace Kis.Realtime.Protocol;

/// <summary>
/// Turns field bytes into text: UTF-8 when the bytes are valid UTF-8, else cp949 (EUC-KR), which is what KIS's
/// Korean names are when they are not UTF-8. Short values repeat all day (codes, ISINs, names), so they come from a
/// small per-thread cache: steady-state decoding of identifiers allocates nothing.
/// </summary>
[Experimental("KISRT0001")]
public static class KisText
{
    private static readonly Encoding Cp949 = CreateCp949();

    /// <summary>The cp949 (EUC-KR, Korean) encoding.</summary>
    public static Encoding Korean => Cp949;

    private static Encoding CreateCp949()
    {
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
        return Encoding.GetEncoding(949);
    }

    /// <summary>Decodes without caching.</summary>
    /// <remarks>
    /// "Valid UTF-8 first" can misread a short cp949 string that happens to be valid UTF-8 (a lead byte C2–DF followed
    /// by a byte 80–BF, e.g. some two-byte names). KIS sends UTF-8; cp949 is the exception, so the rare ambiguity is
    /// resolved in UTF-8's favour.
    /// </remarks>
    public static string DecodeUncached(ReadOnlySpan<byte> bytes)
        => bytes.IsEmpty ? string.Empty : (Utf8.IsValid(bytes) ? Encoding.UTF8 : Cp949).GetString(bytes);

    // Codes ("2", "N", "20") are most of the text fields of market data: one- and two-character ASCII codes come
    // from fixed tables, with no hashing and no thread-local lookup.
    private static readonly string[] OneChar = Enumerable.Range(0, 128).Select(c => ((char)c).ToString()).ToArray();
    private static readonly string[] TwoDigits = Enumerable.Range(0, 100).Select(n => n.ToString("D2",
        System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    /// <summary>Decodes, serving repeated short values from the per-thread cache.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static string Decode(ReadOnlySpan<byte> bytes)
    {
        switch (bytes.Length)
        {
            case 0:
                return string.Empty;
            case 1 when bytes[0] < 0x80:
                return OneChar[bytes[0]];
            case 2 when (uint)(bytes[0] - '0') <= 9 && (uint)(bytes[1] - '0') <= 9:
                return TwoDigits[(bytes[0] - '0') * 10 + (bytes[1] - '0')];
        }
        return bytes.Length <= TextCache.MaxLength ? (TextCache.Current ??= new TextCache()).Get(bytes) : DecodeUncached(bytes);
    }

    /// <summary>
    /// A direct-mapped cache from byte sequences to strings. Not thread-safe by design: one per thread, no locks.
    /// A collision simply replaces the entry, so memory stays bounded.
    /// </summary>
    private sealed class TextCache
    {
        public const int MaxLength = 64;
        private const int Size = 1024; // power of two
        [ThreadStatic] public static TextCache? Current;

        private readonly byte[]?[] _keys = new byte[Size][]; // null for an ASCII value (compared with its characters)
        private readonly string?[] _values = new string[Size];

        public string Get(ReadOnlySpan<byte> bytes)
        {
            var slot = (int)((uint)HashCode(bytes) & (Size - 1));
            if (_values[slot] is { } cached && (_keys[slot] is { } key ? bytes.SequenceEqual(key) : SameAscii(bytes, cached))) return cached;
            var text = DecodeUncached(bytes);
            // An ASCII value is its own key (its characters are its bytes): only other text keeps a copy of its bytes.
            // Values seen once (order numbers) then cost the cache no array of their own.
            _keys[slot] = Ascii.IsValid(bytes) ? null : bytes.ToArray();
            _values[slot] = text;
            return text;
        }

        /// <summary>Whether <paramref name="bytes"/> are <paramref name="ascii"/>'s characters (a byte past ASCII never is).
        /// A plain loop: these values are a few bytes long, where <see cref="Ascii.Equals(ReadOnlySpan{byte}, ReadOnlySpan{char})"/>
        /// measured slower than the byte comparison it replaced.</summary>
        private static bool SameAscii(ReadOnlySpan<byte> bytes, string ascii)
        {
            if (bytes.Length != ascii.Length) return false;
            for (var i = 0; i < bytes.Length; i++)
                if (bytes[i] != ascii[i]) return false;
            return true;
        }

        private static int HashCode(ReadOnlySpan<byte> bytes)
        {
            // FNV-1a: short inputs, no seed needed (the cache only trades speed, never correctness).
            var h = 2166136261u;
            foreach (var b in bytes) h = (h ^ b) * 16777619u;
            return (int)h;
        }
    }
}
