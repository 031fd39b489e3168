using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using X86Aes = System.Runtime.Intrinsics.X86.Aes;
using System.Runtime.Intrinsics.X86;

namespace Kis.Realtime.Protocol;

/// <summary>
/// AES-256-CBC decryption with PKCS7 unpadding on the CPU's AES instructions (AES-NI), for notices.
/// </summary>
/// <remarks>
/// Why not <see cref="System.Security.Cryptography.Aes"/>: on Linux every <c>TryDecryptCbc</c> call sets up an
/// OpenSSL cipher context, about 1.7 µs for a 240-byte notice, most of the notice budget. With the key schedule
/// computed once, a notice decrypts in a fraction of that, allocates nothing and reports bad padding without an
/// exception. Only decryption is implemented; the result is checked against .NET's AES in the tests.
/// Use <see cref="IsSupported"/>; <see cref="NoticeCipher"/> falls back to .NET's AES elsewhere.
/// </remarks>
internal sealed class AesCbcDecryptor
{
    private const int Rounds = 14; // AES-256
    private readonly Vector128<byte>[] _decryptionKeys = new Vector128<byte>[Rounds + 1];
    private readonly Vector128<byte> _iv;

    public static bool IsSupported => X86Aes.IsSupported && Sse2.IsSupported;

    public AesCbcDecryptor(ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv)
    {
        if (!IsSupported) throw new PlatformNotSupportedException("AES-NI is not available.");
        if (key.Length != 32) throw new ArgumentException("AES-256 needs a 32-byte key.", nameof(key));
        if (iv.Length != 16) throw new ArgumentException("AES-CBC needs a 16-byte IV.", nameof(iv));
        _iv = Vector128.Create(iv);

        Span<Vector128<byte>> enc = stackalloc Vector128<byte>[Rounds + 1];
        enc[0] = Vector128.Create(key[..16]);
        enc[1] = Vector128.Create(key[16..]);
        for (var i = 2; i <= Rounds; i++)
        {
            // Even round keys mix in RotWord/SubWord with the round constant; odd ones SubWord only.
            var assist = (i & 1) == 0
                ? Sse2.Shuffle(KeygenAssist(enc[i - 1], (i / 2)).AsInt32(), 0xFF).AsByte()
                : Sse2.Shuffle(X86Aes.KeygenAssist(enc[i - 1], 0).AsInt32(), 0xAA).AsByte();
            enc[i] = Expand(enc[i - 2], assist);
        }

        // The "equivalent inverse cipher": reversed keys, InvMixColumns on the inner ones.
        _decryptionKeys[0] = enc[Rounds];
        for (var i = 1; i < Rounds; i++) _decryptionKeys[i] = X86Aes.InverseMixColumns(enc[Rounds - i]);
        _decryptionKeys[Rounds] = enc[0];
    }

    private static Vector128<byte> KeygenAssist(Vector128<byte> key, int roundPair) => roundPair switch
    {
        // The instruction takes its round constant as an immediate.
        1 => X86Aes.KeygenAssist(key, 0x01),
        2 => X86Aes.KeygenAssist(key, 0x02),
        3 => X86Aes.KeygenAssist(key, 0x04),
        4 => X86Aes.KeygenAssist(key, 0x08),
        5 => X86Aes.KeygenAssist(key, 0x10),
        6 => X86Aes.KeygenAssist(key, 0x20),
        _ => X86Aes.KeygenAssist(key, 0x40),
    };

    private static Vector128<byte> Expand(Vector128<byte> previous, Vector128<byte> assist)
    {
        var x = previous;
        x = Sse2.Xor(x, Sse2.ShiftLeftLogical128BitLane(x, 4));
        x = Sse2.Xor(x, Sse2.ShiftLeftLogical128BitLane(x, 4));
        x = Sse2.Xor(x, Sse2.ShiftLeftLogical128BitLane(x, 4));
        return Sse2.Xor(x, assist);
    }

    /// <summary>
    /// Decrypts whole blocks and strips PKCS7 padding; false for a bad length or bad padding. In place is allowed
    /// (<paramref name="destination"/> starting where <paramref name="ciphertext"/> starts): each block is loaded
    /// before its plaintext is stored.
    /// </summary>
    public bool TryDecrypt(ReadOnlySpan<byte> ciphertext, Span<byte> destination, out int written)
    {
        written = 0;
        if (ciphertext.IsEmpty || ciphertext.Length % 16 != 0 || destination.Length < ciphertext.Length) return false;

        var keys = _decryptionKeys;
        var k0 = keys[0];
        var k14 = keys[Rounds];
        var previous = _iv;
        ref var src = ref MemoryMarshal.GetReference(ciphertext);
        ref var dst = ref MemoryMarshal.GetReference(destination);
        for (var offset = 0; offset < ciphertext.Length; offset += 16)
        {
            var block = Vector128.LoadUnsafe(ref src, (nuint)offset);
            var x = Sse2.Xor(block, k0);
            for (var r = 1; r < Rounds; r++) x = X86Aes.Decrypt(x, keys[r]);
            x = X86Aes.DecryptLast(x, k14);
            Sse2.Xor(x, previous).StoreUnsafe(ref dst, (nuint)offset);
            previous = block;
        }

        var pad = destination[ciphertext.Length - 1];
        if (pad is 0 or > 16) return false;
        var tail = destination.Slice(ciphertext.Length - pad, pad);
        if (tail.IndexOfAnyExcept(pad) >= 0) return false;
        written = ciphertext.Length - pad;
        return true;
    }
}
