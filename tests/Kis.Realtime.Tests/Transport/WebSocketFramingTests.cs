using System.Buffers.Binary;
using System.Net.WebSockets;
using Kis.Realtime.Transport;

namespace Kis.Realtime.Tests.Transport;

/// <summary>
/// The RFC 6455 codec shared by the client transport and the simulator (one source, compiled into both): header forms,
/// masking, control frame rules, the size limit, fragmentation and the typed errors.
/// </summary>
public sealed class WebSocketFramingTests
{
    [Theory]
    [InlineData(0, false, 2)]
    [InlineData(125, false, 2)]
    [InlineData(126, false, 4)]
    [InlineData(65_535, false, 4)]
    [InlineData(65_536, false, 10)]
    [InlineData(3_000_000, false, 10)]
    [InlineData(0, true, 6)]
    [InlineData(125, true, 6)]
    [InlineData(126, true, 8)]
    [InlineData(65_536, true, 14)]
    public void Headers_use_the_7_16_and_64_bit_length_forms_and_round_trip(int payloadLength, bool masked, int expectedHeader)
    {
        Assert.Equal(expectedHeader, WebSocketFrameHeader.LengthFor(payloadLength, masked));
        var header = new byte[WebSocketFrameHeader.MaxLength];
        byte[] mask = masked ? [1, 2, 3, 4] : [];
        var written = WebSocketFrameHeader.Write(header, WebSocketOpcode.Binary, payloadLength, fin: false, mask);
        Assert.Equal(expectedHeader, written);

        // Byte for byte as RFC 6455 §5.2 lays it out.
        Assert.Equal(0x02, header[0]);
        Assert.Equal(masked, (header[1] & 0x80) != 0);
        var code = header[1] & 0x7F;
        if (payloadLength < 126) Assert.Equal(payloadLength, code);
        else if (payloadLength <= ushort.MaxValue) Assert.Equal((126, payloadLength), (code, BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(2))));
        else Assert.Equal((127, (ulong)payloadLength), (code, BinaryPrimitives.ReadUInt64BigEndian(header.AsSpan(2))));
        if (masked) Assert.Equal(mask, header[(written - 4)..written]);

        Assert.True(WebSocketFrameHeader.TryParse(header.AsSpan(0, written), out var parsed, out var needed));
        Assert.Equal((false, WebSocketOpcode.Binary, masked, expectedHeader, payloadLength),
            (parsed.Fin, parsed.Opcode, parsed.IsMasked, parsed.Length, parsed.PayloadLength));
        Assert.Equal(expectedHeader, needed);

        // Every shorter prefix asks for more, and says how much once the length form is known.
        for (var n = 0; n < written; n++)
        {
            Assert.False(WebSocketFrameHeader.TryParse(header.AsSpan(0, n), out _, out needed));
            Assert.Equal(n < 2 ? 2 : expectedHeader, needed);
        }
    }

    [Fact]
    public void Masking_twice_restores_the_payload_and_matches_the_rfc_definition()
    {
        var random = new Random(6455);
        byte[] key = [0x37, 0xFA, 0x21, 0x3D];
        foreach (var length in new[] { 0, 1, 3, 4, 7, 8, 9, 15, 16, 17, 63, 64, 1000, 4099 })
        {
            var original = new byte[length];
            random.NextBytes(original);
            var data = original.ToArray();
            WebSocketFraming.ApplyMask(data, key);
            for (var i = 0; i < length; i++) Assert.Equal((byte)(original[i] ^ key[i % 4]), data[i]); // RFC 6455 §5.3
            WebSocketFraming.ApplyMask(data, key);
            Assert.Equal(original, data);
        }
    }

    [Fact]
    public void A_masked_frame_written_by_the_codec_is_read_back_unmasked()
    {
        var payload = "{\"header\":{\"tr_id\":\"PINGPONG\"}}"u8.ToArray();
        var frame = new byte[WebSocketFraming.FrameLength(payload.Length, masked: true)];
        var length = WebSocketFraming.WriteFrame(frame, WebSocketOpcode.Text, payload, maskKey: [9, 8, 7, 6]);
        Assert.Equal(frame.Length, length);
        Assert.False(frame.AsSpan(6).SequenceEqual(payload)); // masked on the wire

        using var reader = Reader(frame, requireMask: true);
        Assert.True(reader.TryReceive(out var m));
        Assert.Equal(WebSocketOpcode.Text, m.Opcode);
        Assert.Equal(payload, m.Payload.ToArray());
    }

    public static TheoryData<byte[], string> InvalidHeaders => new()
    {
        { [0xC1, 0x00], nameof(WebSocketFrameError.ReservedBitsSet) }, // FIN + RSV1, text
        { [0x91, 0x00], nameof(WebSocketFrameError.ReservedBitsSet) }, // FIN + RSV3, text
        { [0x83, 0x00], nameof(WebSocketFrameError.UnknownOpcode) }, // reserved data opcode
        { [0x8B, 0x00], nameof(WebSocketFrameError.UnknownOpcode) }, // reserved control opcode
        { [0x89, 126, 0x00, 126], nameof(WebSocketFrameError.ControlFrameTooLong) }, // ping of 126 bytes
        { [0x8A, 127, 0, 0, 0, 0, 0, 0, 0, 200], nameof(WebSocketFrameError.ControlFrameTooLong) }, // pong, 64-bit form
        { [0x09, 0x00], nameof(WebSocketFrameError.ControlFrameFragmented) }, // ping without FIN
        { [0x08, 0x02], nameof(WebSocketFrameError.ControlFrameFragmented) }, // close without FIN
        { [0x88, 0x01], nameof(WebSocketFrameError.CloseFrameTooShort) }, // half a status code
        { [0x81, 127, 0x80, 0, 0, 0, 0, 0, 0, 0], nameof(WebSocketFrameError.LengthTopBitSet) }, // negative as a long
        { [0x82, 127, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], nameof(WebSocketFrameError.LengthTopBitSet) },
    };

    [Theory]
    [MemberData(nameof(InvalidHeaders))]
    public void Invalid_headers_are_typed_protocol_errors(byte[] header, string error)
    {
        var e = Assert.Throws<WebSocketFrameException>(() => WebSocketFrameHeader.TryParse(header, out _, out _));
        Assert.Equal(error, e.Error.ToString());
        Assert.Equal(WebSocketCloseStatus.ProtocolError, e.CloseStatus);
    }

    [Fact]
    public void Control_frames_of_125_bytes_and_empty_or_2_byte_closes_are_valid()
    {
        Assert.True(WebSocketFrameHeader.TryParse([0x89, 125], out var ping, out _));
        Assert.True(ping.IsControl);
        Assert.True(WebSocketFrameHeader.TryParse([0x88, 0], out _, out _));
        Assert.True(WebSocketFrameHeader.TryParse([0x88, 2], out _, out _));
        Assert.Equal(WebSocketCloseStatus.PolicyViolation,
            WebSocketFraming.CloseStatusOf(WebSocketFraming.ClosePayload(WebSocketCloseStatus.PolicyViolation, "x")));
        Assert.Null(WebSocketFraming.CloseStatusOf([]));
        Assert.Equal(125, WebSocketFraming.ClosePayload(WebSocketCloseStatus.NormalClosure, new string('r', 500)).Length); // cut to fit
    }

    [Fact]
    public void The_message_limit_holds_for_single_frames_and_for_the_sum_of_fragments()
    {
        using (var exact = Reader(Frame(WebSocketOpcode.Text, new byte[100])))
            Assert.True(exact.TryReceive(out _));

        using var single = Reader(Frame(WebSocketOpcode.Binary, new byte[101]));
        var e = Assert.Throws<WebSocketFrameException>(() => single.TryReceive(out _));
        Assert.Equal((WebSocketFrameError.MessageTooBig, WebSocketCloseStatus.MessageTooBig), (e.Error, e.CloseStatus));

        // Refused from the header alone: the 64-bit length is not waited for.
        using var huge = Reader([0x82, 127, 0, 0, 0, 1, 0, 0, 0, 0]);
        Assert.Equal(WebSocketFrameError.MessageTooBig, Assert.Throws<WebSocketFrameException>(() => huge.TryReceive(out _)).Error);

        using var fragments = Reader([.. Frame(WebSocketOpcode.Text, new byte[60], fin: false), .. Frame(WebSocketOpcode.Continuation, new byte[41])]);
        Assert.Equal(WebSocketFrameError.MessageTooBig, Assert.Throws<WebSocketFrameException>(() => fragments.TryReceive(out _)).Error);
    }

    [Fact]
    public async Task Fragments_are_reassembled_with_control_frames_between_them_even_one_byte_at_a_time()
    {
        byte[] wire =
        [
            .. Frame(WebSocketOpcode.Text, "0|H0UP"u8, fin: false),
            .. Frame(WebSocketOpcode.Ping, "p"u8),
            .. Frame(WebSocketOpcode.Continuation, "CNT0|001|"u8, fin: false),
            .. Frame(WebSocketOpcode.Continuation, "payload"u8),
            .. Frame(WebSocketOpcode.Binary, new byte[70_000]), // 64-bit length form
            .. Frame(WebSocketOpcode.Close, WebSocketFraming.ClosePayload(WebSocketCloseStatus.NormalClosure)),
        ];
        using var reader = new WebSocketFrameReader(new TrickleStream(wire, 1), 1 << 20, requireMask: false);
        var ping = await reader.ReceiveAsync(CancellationToken.None);
        Assert.Equal((WebSocketOpcode.Ping, "p"), (ping.Opcode, System.Text.Encoding.ASCII.GetString(ping.Payload.Span)));
        var text = await reader.ReceiveAsync(CancellationToken.None);
        Assert.Equal((WebSocketOpcode.Text, "0|H0UPCNT0|001|payload"), (text.Opcode, System.Text.Encoding.ASCII.GetString(text.Payload.Span)));
        var binary = await reader.ReceiveAsync(CancellationToken.None);
        Assert.Equal((WebSocketOpcode.Binary, 70_000), (binary.Opcode, binary.Payload.Length));
        var close = await reader.ReceiveAsync(CancellationToken.None);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, WebSocketFraming.CloseStatusOf(close.Payload.Span));
        Assert.True((await reader.ReceiveAsync(CancellationToken.None)).IsEndOfStream);
    }

    [Fact]
    public async Task A_stream_that_ends_inside_a_frame_is_the_end_of_the_stream()
    {
        using var reader = new WebSocketFrameReader(new TrickleStream(Frame(WebSocketOpcode.Text, new byte[300])[..200], 7), 1 << 20, requireMask: false);
        Assert.True((await reader.ReceiveAsync(CancellationToken.None)).IsEndOfStream);
    }

    public static TheoryData<byte[], string> InvalidSequences => new()
    {
        { Frame(WebSocketOpcode.Continuation, "x"u8), nameof(WebSocketFrameError.UnexpectedContinuation) },
        { [.. Frame(WebSocketOpcode.Text, "a"u8), .. Frame(WebSocketOpcode.Continuation, "b"u8)], nameof(WebSocketFrameError.UnexpectedContinuation) },
        { [.. Frame(WebSocketOpcode.Text, "a"u8, fin: false), .. Frame(WebSocketOpcode.Text, "b"u8)],
            nameof(WebSocketFrameError.MessageInsideFragmentedMessage) },
        { [.. Frame(WebSocketOpcode.Text, "a"u8, fin: false), .. Frame(WebSocketOpcode.Binary, "b"u8)],
            nameof(WebSocketFrameError.MessageInsideFragmentedMessage) },
    };

    [Theory]
    [MemberData(nameof(InvalidSequences))]
    public async Task Frames_out_of_order_are_typed_protocol_errors(byte[] wire, string error)
    {
        using var reader = Reader(wire);
        var e = await Assert.ThrowsAsync<WebSocketFrameException>(async () =>
        {
            while (!(await reader.ReceiveAsync(CancellationToken.None)).IsEndOfStream)
            {
            }
        });
        Assert.Equal((error, WebSocketCloseStatus.ProtocolError), (e.Error.ToString(), e.CloseStatus));
    }

    [Fact]
    public void A_server_refuses_unmasked_frames_and_a_client_refuses_masked_ones()
    {
        using var server = Reader(Frame(WebSocketOpcode.Text, "{}"u8), requireMask: true);
        Assert.Equal(WebSocketFrameError.UnmaskedClientFrame, Assert.Throws<WebSocketFrameException>(() => server.TryReceive(out _)).Error);

        // RFC 6455 §5.1: a client must fail the connection on a masked server frame (it used to be tolerated).
        var masked = new byte[8];
        WebSocketFraming.WriteFrame(masked, WebSocketOpcode.Text, "{}"u8, maskKey: [1, 2, 3, 4]);
        using var client = Reader(masked, requireMask: false);
        var e = Assert.Throws<WebSocketFrameException>(() => client.TryReceive(out _));
        Assert.Equal(WebSocketFrameError.MaskedServerFrame, e.Error);
        Assert.Equal(System.Net.WebSockets.WebSocketCloseStatus.ProtocolError, e.CloseStatus);
    }

    [Theory]
    [InlineData(999, false)]
    [InlineData(1000, true)]
    [InlineData(1003, true)]
    [InlineData(1004, false)]
    [InlineData(1005, false)]
    [InlineData(1006, false)]
    [InlineData(1007, true)]
    [InlineData(1014, true)]
    [InlineData(1015, false)]
    [InlineData(2999, false)]
    [InlineData(3000, true)]
    [InlineData(4999, true)]
    [InlineData(5000, false)]
    public void Close_codes_that_may_be_sent_follow_rfc_6455(int code, bool sendable)
        => Assert.Equal(sendable, WebSocketFraming.IsSendableCloseStatus(code));

    [Fact]
    public void The_accept_key_is_the_rfc_example()
        => Assert.Equal("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", WebSocketFraming.AcceptKey("dGhlIHNhbXBsZSBub25jZQ==")); // RFC 6455 §1.3

    private static WebSocketFrameReader Reader(byte[] wire, bool requireMask = false)
        => new(new MemoryStream(), 100, requireMask, CopyToPooled(wire), 0, wire.Length);

    private static byte[] CopyToPooled(byte[] wire)
    {
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(Math.Max(16, wire.Length));
        wire.CopyTo(buffer, 0);
        return buffer;
    }

    internal static byte[] Frame(WebSocketOpcode opcode, ReadOnlySpan<byte> payload, bool fin = true)
    {
        var frame = new byte[WebSocketFraming.FrameLength(payload.Length, masked: false)];
        WebSocketFraming.WriteFrame(frame, opcode, payload, fin);
        return frame;
    }

    /// <summary>A read-only stream that hands out at most a few bytes per read, as a slow network does.</summary>
    private sealed class TrickleStream(byte[] data, int bytesPerRead) : Stream
    {
        private int _position;

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = Math.Min(Math.Min(buffer.Length, bytesPerRead), data.Length - _position);
            data.AsSpan(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => new(Read(buffer.Span));
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
