using System.Diagnostics.CodeAnalysis;
using System.Buffers;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

// One cipher for both ends: the client decrypts notices, the simulator encrypts them (through InternalsVisibleTo, so
// neither package exposes it as API).
namespace Kis.Realtime.Protocol;

/// <summary>
/// AES-256-CBC with PKCS7 padding, keyed by one TR's SUBSCRIBE SUCCESS reply: key = UTF-8 bytes of <c>output.key</c>
/// (32), IV = UTF-8 bytes of <c>output.iv</c> (16). One instance per (session, TR), on the platform's AES with the key
/// set once, and one decryptor per instance: the platform's one-shot
/// <see cref="SymmetricAlgorithm.TryDecryptCbc(ReadOnlySpan{byte}, ReadOnlySpan{byte}, Span{byte}, out int, PaddingMode)"/>
/// creates a cipher context (and key schedule) per call, which was ~6 % of the CPU of a stream with notices.
/// Thread-safe: the decryptor carries CBC state between its calls, so decryptions take turns on it. Internal: the frame decoder decrypts for users.
/// The platform's AES is created at the first decryption, not with the key: KIS's reply to every subscription carries
/// a key, and creating AES loads OpenSSL (about 5 MiB resident) into a process that may never receive a notice.
/// </summary>
[Experimental("KISRT0001")]
public sealed class NoticeCipher : IDisposable
{
    private readonly byte[] _key;
    private readonly byte[] _iv;
    private readonly Lock _gate = new(); // owns the AES objects below: created once, and the decryptor's CBC state is per call
    private Aes? _aes; // under _gate
    private ICryptoTransform? _decryptor; // under _gate; no padding: PKCS7 is checked here (no exception per bad frame)
    private bool _disposed; // under _gate

    /// <summary>Creates the cipher from the reply's key and iv text.</summary>
    /// <exception cref="ArgumentException">The key is not 32 bytes or the iv not 16 bytes (values are never echoed).</exception>
    public NoticeCipher(string key, string iv)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(iv);
        _key = Encoding.UTF8.GetBytes(key);
        _iv = Encoding.UTF8.GetBytes(iv);
        if (_key.Length != 32) throw new ArgumentException($"A KIS notice key is 32 bytes; got {_key.Length}.", nameof(key));
        if (_iv.Length != 16) throw new ArgumentException($"A KIS notice iv is 16 bytes; got {_iv.Length}.", nameof(iv));
    }

    /// <summary>The platform's AES with the key set, created on first use. Under <see cref="_gate"/>.</summary>
    private Aes PlatformAes()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_aes is not null) return _aes;
        var aes = Aes.Create();
        aes.Key = _key;
        aes.Padding = PaddingMode.None; // the decryptor's; EncryptToBase64 names PKCS7 itself
        _decryptor = aes.CreateDecryptor(_key, _iv);
        return _aes = aes;
    }

    /// <summary>Largest plaintext a base64 payload of this length can hold.</summary>
    public static int MaxPlaintextLength(int base64Length) => Base64.GetMaxDecodedFromUtf8Length(base64Length);

    /// <summary>
    /// Decrypts a base64 payload into <paramref name="destination"/> (at least <see cref="MaxPlaintextLength"/> bytes).
    /// False for bad base64, a length that is not whole blocks, or bad padding (a wrong key shows as bad padding).
    /// </summary>
    public bool TryDecrypt(ReadOnlySpan<byte> base64, Span<byte> destination, out int written)
    {
        written = 0;
        // The decryptor works on arrays: base64 into a pooled one, decrypted in place there, the plaintext copied out.
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(16, MaxPlaintextLength(base64.Length)));
        try
        {
            if (Base64.DecodeFromUtf8(base64, buffer, out _, out var cipherLength) != OperationStatus.Done) return false;
            if (cipherLength == 0 || cipherLength % 16 != 0) return false;
            lock (_gate)
            {
                PlatformAes();
                _decryptor!.TransformBlock(buffer, 0, cipherLength, buffer, 0);
                _decryptor.TransformFinalBlock(buffer, 0, 0); // ends the message: the next starts from the IV again
            }
            var padding = buffer[cipherLength - 1];
            if (padding is 0 or > 16) return false; // a wrong key shows as bad padding
            var plain = cipherLength - padding;
            for (var i = plain; i < cipherLength; i++)
                if (buffer[i] != padding) return false;
            if (plain > destination.Length) return false;
            buffer.AsSpan(0, plain).CopyTo(destination);
            written = plain;
            return true;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer, clearArray: true); // a notice's plaintext is an account's orders
        }
    }

    /// <summary>Encrypts a plaintext record and returns its base64 text as KIS sends it (the simulator's side).</summary>
    public byte[] EncryptToBase64(ReadOnlySpan<byte> plaintext)
    {
        byte[] cipher;
        lock (_gate) cipher = PlatformAes().EncryptCbc(plaintext, _iv, PaddingMode.PKCS7);
        var output = new byte[Base64.GetMaxEncodedToUtf8Length(cipher.Length)];
        Base64.EncodeToUtf8(cipher, output, out _, out var written);
        return written == output.Length ? output : output[..written];
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _decryptor?.Dispose();
            _aes?.Dispose();
            Array.Clear(_key); // not CryptographicOperations: that would load the crypto assembly on every reconnect
        }
    }

    /// <inheritdoc/>
    public override string ToString() => "NoticeCipher(AES-256-CBC, key hidden)";
}
