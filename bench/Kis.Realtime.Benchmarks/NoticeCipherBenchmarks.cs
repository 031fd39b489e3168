using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using Kis.Realtime.Protocol;

namespace Kis.Realtime.Benchmarks;

/// <summary>
/// One notice decrypted (base64 → AES-256-CBC → PKCS7), as a session does for every encrypted frame. Yardstick in the
/// same run: the platform's one-shot <see cref="SymmetricAlgorithm.TryDecryptCbc(ReadOnlySpan{byte}, ReadOnlySpan{byte}, Span{byte}, out int, PaddingMode)"/>
/// on an <see cref="Aes"/> with the key set once — what <see cref="NoticeCipher"/> did before it kept one decryptor
/// per key (the one-shot creates a cipher context per call).
/// </summary>
[MemoryDiagnoser]
public class NoticeCipherBenchmarks
{
    private const string NoticeRecord = "abcd1234^1234567803^0000001666^^02^0^0^111V06^0000000002^007840000^095835^0^2^2^00950^000000000^김한국^삼성전자   F " +
        "2^^^^000000000";
    private const string Key = "abcdefghijklmnopabcdefghijklmnop";
    private const string Iv = "0123456789abcdef";

    private NoticeCipher _cipher = null!;
    private Aes _oneShot = null!;
    private byte[] _iv = null!;
    private byte[] _base64 = null!;
    private byte[] _plain = null!;

    [GlobalSetup]
    public void Setup()
    {
        _cipher = new NoticeCipher(Key, Iv);
        _oneShot = Aes.Create();
        _oneShot.Key = Encoding.UTF8.GetBytes(Key);
        _iv = Encoding.UTF8.GetBytes(Iv);
        _base64 = _cipher.EncryptToBase64(Encoding.UTF8.GetBytes(NoticeRecord));
        _plain = new byte[NoticeCipher.MaxPlaintextLength(_base64.Length)];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _cipher.Dispose();
        _oneShot.Dispose();
    }

    [Benchmark(Baseline = true, Description = "one-shot TryDecryptCbc per notice (before)")]
    public int OneShotPerNotice()
    {
        System.Buffers.Text.Base64.DecodeFromUtf8(_base64, _plain, out _, out var length);
        _oneShot.TryDecryptCbc(_plain.AsSpan(0, length), _iv, _plain, out var written, PaddingMode.PKCS7);
        return written;
    }

    [Benchmark(Description = "NoticeCipher: one decryptor per key")]
    public int NoticeCipherTryDecrypt()
    {
        _cipher.TryDecrypt(_base64, _plain, out var written);
        return written;
    }
}
