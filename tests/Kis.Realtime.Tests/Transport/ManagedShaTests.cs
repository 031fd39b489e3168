using System.Security.Cryptography;
using System.Text;
using Kis.Realtime.Transport;

namespace Kis.Realtime.Tests.Transport;

/// <summary>
/// The managed SHA-1 and SHA-256 that keep OpenSSL out of a stream, held to the platform's implementations (an
/// independent peer) on every length from 0 to 300 bytes: the padding's edges (55, 56, 63, 64, 119, 120 …) and
/// messages of up to five blocks; and to the published test vectors.
/// </summary>
public sealed class ManagedShaTests
{
    [Fact]
    public void Sha1_and_sha256_equal_the_platforms_on_every_length()
    {
        for (var length = 0; length <= 300; length++)
        {
            var data = new byte[length];
            new Random(length).NextBytes(data);
            Assert.True(SHA1.HashData(data).AsSpan().SequenceEqual(ManagedSha.Sha1(data)), $"SHA-1 of {length} bytes");
            Assert.True(SHA256.HashData(data).AsSpan().SequenceEqual(ManagedSha.Sha256(data)), $"SHA-256 of {length} bytes");
        }
    }

    [Fact]
    public void The_published_vectors_hold()
    {
        // FIPS 180-4's examples, "abc" and the two-block message.
        Assert.Equal("a9993e364706816aba3e25717850c26c9cd0d89d", Convert.ToHexStringLower(ManagedSha.Sha1("abc"u8)));
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", Convert.ToHexStringLower(ManagedSha.Sha256("abc"u8)));
        Assert.Equal("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
            Convert.ToHexStringLower(ManagedSha.Sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"u8)));
        Assert.Equal("da39a3ee5e6b4b0d3255bfef95601890afd80709", Convert.ToHexStringLower(ManagedSha.Sha1([])));
    }

    [Fact]
    public void The_websocket_accept_key_is_rfc_6455s_example() =>
        // RFC 6455 §1.3: the server's answer to the sample nonce.
        Assert.Equal("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", WebSocketFraming.AcceptKey("dGhlIHNhbXBsZSBub25jZQ=="));

    [Fact]
    public void A_million_as_hash_as_the_platform_does()
    {
        // A long message: the bit length's upper bytes and many blocks.
        var data = Encoding.ASCII.GetBytes(new string('a', 1_000_000));
        Assert.Equal("34aa973cd4c4daa4f61eeb2bdbad27316534016f", Convert.ToHexStringLower(ManagedSha.Sha1(data)));
        Assert.Equal("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0", Convert.ToHexStringLower(ManagedSha.Sha256(data)));
    }
}
