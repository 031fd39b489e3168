using System.Buffers;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Kis.Realtime.Protocol;

/// <summary>
/// AES-256-CBC with PKCS7 padding, keyed by one TR's SUBSCRIBE SUCCESS reply: key = UTF-8 bytes of <c>output.key</c>
/// (32), IV = UTF-8 bytes of <c>output.iv</c> (16). One instance per (session, TR), on the platform's AES with the key
/// set once. Notices come a few a second: the platform's primitive is fast enough and needs no review of its own.
/// Not thread-safe (a session decodes on one receive loop).
/// </summary>
public sealed class NoticeCipher : IDisposable
{
    private readonly Aes _aes;
    private readonly byte[] _iv;

    /// <summary>Creates the cipher from the reply's key and iv text.</summary>
    /// <exception cref="ArgumentException">The key is not 32 bytes or the iv not 16 bytes (values are never echoed).</exception>
    public NoticeCipher(string key, string iv)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(iv);
        var keyBytes = Encoding.UTF8.GetBytes(key);
        _iv = Encoding.UTF8.GetBytes(iv);
        if (keyBytes.Length != 32) throw new ArgumentException($"A KIS notice key is 32 bytes; got {keyBytes.Length}.", nameof(key));
        if (_iv.Length != 16) throw new ArgumentException($"A KIS notice iv is 16 bytes; got {_iv.Length}.", nameof(iv));
        _aes = Aes.Create();
        _aes.Key = keyBytes;
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
        // Base64 straight into the destination, then decrypt in place (same start: allowed): no buffer, no copy.
        if (Base64.DecodeFromUtf8(base64, destination, out _, out var cipherLength) != OperationStatus.Done) return false;
        if (cipherLength == 0 || cipherLength % 16 != 0) return false;
        try
        {
            return _aes.TryDecryptCbc(destination[..cipherLength], _iv, destination, out written, PaddingMode.PKCS7);
        }
        catch (CryptographicException)
        {
            // Bad padding is the one failure .NET reports by exception; a corrupt frame is not exceptional for us.
            written = 0;
            return false;
        }
    }

    /// <summary>Encrypts a plaintext record and returns its base64 text as KIS sends it (used by the simulator and tests).</summary>
    public byte[] EncryptToBase64(ReadOnlySpan<byte> plaintext)
    {
        var cipher = _aes.EncryptCbc(plaintext, _iv, PaddingMode.PKCS7);
        var output = new byte[Base64.GetMaxEncodedToUtf8Length(cipher.Length)];
        Base64.EncodeToUtf8(cipher, output, out _, out var written);
        return written == output.Length ? output : output[..written];
    }

    /// <inheritdoc/>
    public void Dispose() => _aes.Dispose();

    /// <inheritdoc/>
    public override string ToString() => "NoticeCipher(AES-256-CBC, key hidden)";
}

/// <summary>
/// The notice keys of one session, per TR id. KIS issues fresh keys with every SUBSCRIBE SUCCESS, and they die with
/// the session: call <see cref="Clear"/> when a connection is re-established.
/// </summary>
public sealed class NoticeKeyring : IDisposable
{
    private readonly Dictionary<TrId, (string Key, string Iv, NoticeCipher Cipher)> _ciphers = new();
    private readonly Lock _gate = new();

    /// <summary>Stores (or replaces) the key and iv for a TR. Invalid lengths are ignored and reported as false.</summary>
    public bool Set(TrId trId, string key, string iv)
    {
        NoticeCipher cipher;
        try
        {
            cipher = new NoticeCipher(key, iv);
        }
        catch (ArgumentException)
        {
            return false;
        }

        lock (_gate)
        {
            if (_ciphers.TryGetValue(trId, out var old))
            {
                if (old.Key == key && old.Iv == iv)
                {
                    cipher.Dispose();
                    return true;
                }
                old.Cipher.Dispose();
            }
            _ciphers[trId] = (key, iv, cipher);
        }
        return true;
    }

    /// <summary>The cipher for a TR, if its key has been seen.</summary>
    public bool TryGet(TrId trId, out NoticeCipher cipher)
    {
        lock (_gate)
        {
            if (_ciphers.TryGetValue(trId, out var entry))
            {
                cipher = entry.Cipher;
                return true;
            }
        }
        cipher = null!;
        return false;
    }

    /// <summary>Forgets every key (a new session brings new keys).</summary>
    public void Clear()
    {
        lock (_gate)
        {
            foreach (var entry in _ciphers.Values) entry.Cipher.Dispose();
            _ciphers.Clear();
        }
    }

    /// <inheritdoc/>
    public void Dispose() => Clear();
}
