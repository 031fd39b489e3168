using System.Text;
using Kis.Realtime.Protocol;

namespace Kis.Realtime.Tests.Protocol;

/// <summary>One decryptor per key, reused: every notice still starts from the IV, also after a bad one, on any thread.</summary>
public sealed class NoticeCipherReuseTests
{
    private const string Key = "0123456789abcdef0123456789abcdef";
    private const string Iv = "fedcba9876543210";

    private static string Decrypt(NoticeCipher cipher, byte[] base64)
    {
        var plain = new byte[NoticeCipher.MaxPlaintextLength(base64.Length)];
        Assert.True(cipher.TryDecrypt(base64, plain, out var written));
        return Encoding.UTF8.GetString(plain, 0, written);
    }

    [Fact]
    public void Notices_in_a_row_each_decrypt_from_the_iv_and_a_bad_one_between_them_changes_nothing()
    {
        using var cipher = new NoticeCipher(Key, Iv);
        using var other = new NoticeCipher("ffffffffffffffffffffffffffffffff", Iv);
        var texts = Enumerable.Range(0, 40).Select(i => string.Concat(Enumerable.Repeat($"record {i}^", i % 7 + 1))).ToList();
        foreach (var text in texts)
        {
            Assert.Equal(text, Decrypt(cipher, cipher.EncryptToBase64(Encoding.UTF8.GetBytes(text))));
            // Another key's notice fails as bad padding (or decrypts to garbage, never to the text) …
            var foreign = other.EncryptToBase64(Encoding.UTF8.GetBytes(text));
            var scratch = new byte[NoticeCipher.MaxPlaintextLength(foreign.Length)];
            if (cipher.TryDecrypt(foreign, scratch, out var n)) Assert.NotEqual(text, Encoding.UTF8.GetString(scratch, 0, n));
            Assert.False(cipher.TryDecrypt("QUJD"u8, scratch, out _)); // … and a torn one is refused
        }
        foreach (var text in texts) Assert.Equal(text, Decrypt(cipher, cipher.EncryptToBase64(Encoding.UTF8.GetBytes(text))));
    }

    [Fact]
    public async Task Threads_decrypting_with_one_cipher_each_get_their_own_plaintext()
    {
        using var cipher = new NoticeCipher(Key, Iv);
        var workers = Enumerable.Range(0, 4).Select(t => Task.Run(() =>
        {
            using var encryptor = new NoticeCipher(Key, Iv); // the shared one only decrypts here
            for (var i = 0; i < 500; i++)
            {
                var text = $"thread {t} notice {i}^" + new string('x', i % 50);
                Assert.Equal(text, Decrypt(cipher, encryptor.EncryptToBase64(Encoding.UTF8.GetBytes(text))));
            }
        }));
        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(30));
    }
}
