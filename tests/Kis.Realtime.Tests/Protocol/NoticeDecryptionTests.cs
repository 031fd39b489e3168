using System.Text;
using Kis.Realtime.Protocol;
using static Kis.Realtime.Tests.Protocol.DocumentedFrames;

namespace Kis.Realtime.Tests.Protocol;

public class NoticeDecryptionTests
{
    private static (FrameDecoder Decoder, ControlMessage Reply) DecoderWithKey(string trId = "H0IFCNI0")
    {
        var decoder = new FrameDecoder();
        Assert.True(ControlMessage.TryParse(Utf8(SuccessReply(trId, "abcd1234")), out var reply));
        Assert.True(decoder.Learn(reply));
        return (decoder, reply);
    }

    [Fact]
    public void An_encrypted_notice_decrypts_with_the_key_from_the_subscribe_reply()
    {
        var decoder = DecoderWithKey().Decoder;
        using var scope = decoder;
        var message = $"1|H0IFCNI0|001|{EncryptIndependently(NoticeRecord)}";
        Assert.True(DataFrame.TryParse(Utf8(message), out var frame, out _));
        Assert.True(frame.Encrypted);
        Assert.True(decoder.TryOpen(frame, out var tr, out var records, out var error), error.Describe());
        Assert.True(records.TryNext(out var record));
        Assert.Equal(NoticeRecord, Encoding.UTF8.GetString(record));
        Assert.True(FuturesOptionsNotice.TryDecode(tr, record, out var notice, out _));
        Assert.Equal(78400.00m, notice.FillPrice);
        Assert.False(records.TryNext(out _));
    }

    [Fact]
    public void Multi_record_encrypted_notices_decode_every_record()
    {
        var decoder = DecoderWithKey("H0IFCNI9").Decoder;
        using var scope = decoder;
        var message = $"1|H0IFCNI9|003|{EncryptIndependently(Repeat(NoticeRecord, 3))}";
        Assert.True(DataFrame.TryParse(Utf8(message), out var frame, out _));
        Assert.True(decoder.TryOpen(frame, out _, out var records, out var error), error.Describe());
        var n = 0;
        while (records.TryNext(out _)) n++;
        Assert.Equal(3, n);
    }

    [Fact]
    public void The_frame_flag_decides_encryption_not_the_reply()
    {
        // A plain frame of a notice TR decodes without any key.
        using var decoder = new FrameDecoder();
        Assert.True(DataFrame.TryParse(Utf8($"0|H0IFCNI0|001|{NoticeRecord}"), out var frame, out _));
        Assert.True(decoder.TryOpen(frame, out _, out _, out var error), error.Describe());
    }

    [Fact]
    public void Without_a_key_an_encrypted_frame_is_a_typed_error()
    {
        using var decoder = new FrameDecoder();
        Assert.True(DataFrame.TryParse(Utf8($"1|H0IFCNI0|001|{EncryptIndependently(NoticeRecord)}"), out var frame, out _));
        Assert.False(decoder.TryOpen(frame, out _, out _, out var error));
        Assert.Equal(DecodeErrorKind.NoDecryptionKey, error.Kind);
    }

    [Theory]
    [InlineData("not base64 at all!")]
    [InlineData("QUJD")] // valid base64, 3 bytes: not whole AES blocks
    public void Undecryptable_payloads_are_typed_errors(string payload)
    {
        var decoder = DecoderWithKey().Decoder;
        using var scope = decoder;
        Assert.True(DataFrame.TryParse(Utf8($"1|H0IFCNI0|001|{payload}"), out var frame, out _));
        Assert.False(decoder.TryOpen(frame, out _, out _, out var error));
        Assert.Equal(DecodeErrorKind.DecryptionFailed, error.Kind);
    }

    [Fact]
    public void A_wrong_key_is_a_typed_error_not_an_exception()
    {
        var decoder = DecoderWithKey().Decoder;
        using var scope = decoder;
        var wrong = EncryptIndependently(NoticeRecord, key: "ZZZZefghijklmnopabcdefghijklmnop");
        Assert.True(DataFrame.TryParse(Utf8($"1|H0IFCNI0|001|{wrong}"), out var frame, out _));
        // A wrong key almost always fails the padding check; if the padding happens to pass, the fields are garbage.
        if (decoder.TryOpen(frame, out var tr, out var records, out var error))
            Assert.True(!records.TryNext(out var r) || !FuturesOptionsNotice.TryDecode(tr, r, out _, out _));
        else
            Assert.Equal(DecodeErrorKind.DecryptionFailed, error.Kind);
    }

    [Fact]
    public void Keys_are_per_tr_and_cleared_on_reset()
    {
        var decoder = DecoderWithKey("H0IFCNI0").Decoder;
        using var scope = decoder;
        Assert.True(decoder.Keys.TryGet(KisTrs.FuturesOptionsNotices.TrId, out _));
        Assert.False(decoder.Keys.TryGet(KisTrs.FuturesOptionsNoticesPaper.TrId, out _));
        decoder.Reset();
        Assert.False(decoder.Keys.TryGet(KisTrs.FuturesOptionsNotices.TrId, out _));
    }

    [Fact]
    public void The_library_cipher_round_trips_with_an_independent_aes()
    {
        using var cipher = new NoticeCipher(Key, Iv);
        var ours = Encoding.ASCII.GetString(cipher.EncryptToBase64(Utf8(NoticeRecord)));
        Assert.Equal(EncryptIndependently(NoticeRecord), ours);
        Assert.Throws<ArgumentException>(() => new NoticeCipher("short", Iv));
        Assert.DoesNotContain(Key, cipher.ToString());
    }
}

public class NoticeCipherTests
{
    [Fact]
    public void Decrypts_notices_and_rejects_garbage_without_exceptions()
    {
        using var cipher = new NoticeCipher(DocumentedFrames.Key, DocumentedFrames.Iv);
        var destination = new byte[1024];
        var payload = DocumentedFrames.Utf8(DocumentedFrames.EncryptIndependently(DocumentedFrames.Repeat(DocumentedFrames.NoticeRecord, 3)));
        Assert.True(cipher.TryDecrypt(payload, destination, out var written));
        Assert.Equal(DocumentedFrames.Repeat(DocumentedFrames.NoticeRecord, 3), Encoding.UTF8.GetString(destination, 0, written));

        var wrongKey = DocumentedFrames.Utf8(DocumentedFrames.EncryptIndependently(DocumentedFrames.NoticeRecord, key: "ZZZZefghijklmnopabcdefghijklmnop"));
        var random = new Random(3);
        var rejected = 0;
        for (var i = 0; i < 200; i++)
        {
            var garbage = new byte[16 * random.Next(1, 6)];
            random.NextBytes(garbage);
            if (!cipher.TryDecrypt(DocumentedFrames.Utf8(Convert.ToBase64String(garbage)), destination, out _)) rejected++;
        }
        Assert.True(rejected > 150); // random blocks almost never end in valid PKCS7 padding
        Assert.False(cipher.TryDecrypt("not base64!"u8, destination, out _));
        Assert.False(cipher.TryDecrypt(DocumentedFrames.Utf8(Convert.ToBase64String(new byte[15])), destination, out _)); // not whole blocks
        Assert.False(cipher.TryDecrypt([], destination, out _));
        // A wrong key fails the padding check (or, rarely, yields garbage): never an exception.
        cipher.TryDecrypt(wrongKey, destination, out _);
    }

    [Fact]
    public void Matches_an_independent_aes_for_random_keys_and_lengths()
    {
        var random = new Random(7);
        for (var i = 0; i < 300; i++)
        {
            var key = new char[32];
            var iv = new char[16];
            for (var k = 0; k < key.Length; k++) key[k] = (char)random.Next('!', '~');
            for (var k = 0; k < iv.Length; k++) iv[k] = (char)random.Next('!', '~');
            var plain = new byte[random.Next(0, 700)];
            random.NextBytes(plain);
            using var aes = System.Security.Cryptography.Aes.Create();
            aes.Key = Encoding.UTF8.GetBytes(key);
            var base64 = Encoding.ASCII.GetBytes(Convert.ToBase64String(aes.EncryptCbc(plain, Encoding.UTF8.GetBytes(iv))));

            using var cipher = new NoticeCipher(new string(key), new string(iv));
            var output = new byte[NoticeCipher.MaxPlaintextLength(base64.Length)];
            Assert.True(cipher.TryDecrypt(base64, output, out var written));
            Assert.Equal(plain, output[..written]);
        }
    }
}
