using System.Diagnostics.CodeAnalysis;
using System.Buffers.Binary;
using System.Net.WebSockets;
using System.Runtime.InteropServices;
using System.Text;

// One RFC 6455 codec for both ends: the client transport and the simulator (through InternalsVisibleTo, so neither
// package exposes it as API).
namespace Kis.Realtime.Transport;

/// <summary>RFC 6455 §5.2 opcodes.</summary>
[Experimental("KISRT0001")]
public enum WebSocketOpcode : byte
{
    /// <summary>A later fragment of a fragmented message.</summary>
    Continuation = 0x0,
    /// <summary>A text message (this codec never validates UTF-8: KIS sends cp949 in text frames).</summary>
    Text = 0x1,
    /// <summary>A binary message.</summary>
    Binary = 0x2,
    /// <summary>Close control frame.</summary>
    Close = 0x8,
    /// <summary>Ping control frame.</summary>
    Ping = 0x9,
    /// <summary>Pong control frame.</summary>
    Pong = 0xA,
}

/// <summary>What was wrong with a received frame (each maps to a close status, see <see cref="WebSocketFrameException"/>).</summary>
[Experimental("KISRT0001")]
public enum WebSocketFrameError
{
    /// <summary>RSV1–3 set, but no extension was negotiated.</summary>
    ReservedBitsSet,
    /// <summary>An opcode RFC 6455 does not define (0x3–0x7, 0xB–0xF).</summary>
    UnknownOpcode,
    /// <summary>A control frame with more than 125 payload bytes.</summary>
    ControlFrameTooLong,
    /// <summary>A control frame without FIN.</summary>
    ControlFrameFragmented,
    /// <summary>A close frame with a 1-byte payload (a status takes 2).</summary>
    CloseFrameTooShort,
    /// <summary>A 64-bit payload length with its most significant bit set.</summary>
    LengthTopBitSet,
    /// <summary>A client frame that is not masked (servers must reject it).</summary>
    UnmaskedClientFrame,
    /// <summary>A server frame that is masked (clients must fail the connection, RFC 6455 §5.1).</summary>
    MaskedServerFrame,
    /// <summary>A close frame whose status code may not be sent on the wire (below 1000, 1004–1006, 1015, 1016–2999, 5000 and up).</summary>
    InvalidCloseCode,
    /// <summary>A message longer than the reader's limit.</summary>
    MessageTooBig,
    /// <summary>A continuation frame outside a fragmented message.</summary>
    UnexpectedContinuation,
    /// <summary>A new text or binary frame inside a fragmented message.</summary>
    MessageInsideFragmentedMessage,
}

/// <summary>A received frame that breaks RFC 6455 (or the reader's size limit); the connection must be closed.</summary>
[Experimental("KISRT0001")]
public sealed class WebSocketFrameException(WebSocketFrameError error, string message) : Exception(message)
{
    /// <summary>What was wrong.</summary>
    public WebSocketFrameError Error { get; } = error;

    /// <summary>The close status to send: 1009 for <see cref="WebSocketFrameError.MessageTooBig"/>, else 1002.</summary>
    public WebSocketCloseStatus CloseStatus => Error == WebSocketFrameError.MessageTooBig
        ? WebSocketCloseStatus.MessageTooBig
        : WebSocketCloseStatus.ProtocolError;
}

/// <summary>One parsed frame header (RFC 6455 §5.2).</summary>
[Experimental("KISRT0001")]
public readonly struct WebSocketFrameHeader
{
    /// <summary>The longest header: 2 bytes, a 64-bit length and a mask key.</summary>
    public const int MaxLength = 14;

    /// <summary>The longest unmasked (server) header.</summary>
    public const int MaxUnmaskedLength = 10;

    /// <summary>Payload bytes a control frame may carry at most.</summary>
    public const int MaxControlPayload = 125;

    private WebSocketFrameHeader(bool fin, WebSocketOpcode opcode, bool masked, int length, long payloadLength)
    {
        Fin = fin;
        Opcode = opcode;
        IsMasked = masked;
        Length = length;
        PayloadLength = payloadLength;
    }

    /// <summary>FIN: the last frame of its message.</summary>
    public bool Fin { get; }

    /// <summary>The opcode (one RFC 6455 defines: parsing rejects the others).</summary>
    public WebSocketOpcode Opcode { get; }

    /// <summary>True when a mask key follows the length (the last 4 header bytes).</summary>
    public bool IsMasked { get; }

    /// <summary>Header bytes, the mask key included.</summary>
    public int Length { get; }

    /// <summary>Payload bytes (never negative: a 64-bit length with the top bit set is rejected).</summary>
    public long PayloadLength { get; }

    /// <summary>True for close, ping and pong.</summary>
    public bool IsControl => IsControlOpcode(Opcode);

    /// <summary>True for close, ping and pong.</summary>
    public static bool IsControlOpcode(WebSocketOpcode opcode) => ((byte)opcode & 0x8) != 0;

    /// <summary>Header bytes for a frame of <paramref name="payloadLength"/> bytes (7-, 16- or 64-bit length form).</summary>
    public static int LengthFor(long payloadLength, bool masked)
        => (payloadLength < 126 ? 2 : payloadLength <= ushort.MaxValue ? 4 : 10) + (masked ? 4 : 0);

    /// <summary>
    /// Parses the header at the start of <paramref name="data"/>. False when more bytes are needed (then
    /// <paramref name="needed"/> is how many header bytes there are in all). What the header alone shows to be
    /// invalid (reserved bits, unknown opcode, control frame rules, the 64-bit length's top bit) is thrown.
    /// </summary>
    /// <exception cref="WebSocketFrameException">The header breaks RFC 6455.</exception>
    public static bool TryParse(ReadOnlySpan<byte> data, out WebSocketFrameHeader header, out int needed)
    {
        header = default;
        if (data.Length < 2)
        {
            needed = 2;
            return false;
        }
        var b0 = data[0];
        var b1 = data[1];
        var lengthCode = b1 & 0x7F;
        var masked = (b1 & 0x80) != 0;
        needed = (lengthCode < 126 ? 2 : lengthCode == 126 ? 4 : 10) + (masked ? 4 : 0);
        if (data.Length < needed) return false;

        if ((b0 & 0x70) != 0) throw Error(WebSocketFrameError.ReservedBitsSet, "reserved bits set");
        var opcode = (WebSocketOpcode)(b0 & 0x0F);
        if (opcode is not (WebSocketOpcode.Continuation or WebSocketOpcode.Text or WebSocketOpcode.Binary
            or WebSocketOpcode.Close or WebSocketOpcode.Ping or WebSocketOpcode.Pong))
            throw Error(WebSocketFrameError.UnknownOpcode, $"unknown opcode 0x{(int)opcode:X}");

        long length = lengthCode;
        if (lengthCode == 126)
        {
            length = BinaryPrimitives.ReadUInt16BigEndian(data[2..]);
        }
        else if (lengthCode == 127)
        {
            var length64 = BinaryPrimitives.ReadUInt64BigEndian(data[2..]);
            // Read as a long it would be negative and slip past every size check.
            if ((length64 & 0x8000_0000_0000_0000UL) != 0) throw Error(WebSocketFrameError.LengthTopBitSet, "64-bit payload length with the top bit set");
            length = (long)length64;
        }

        var fin = (b0 & 0x80) != 0;
        if (IsControlOpcode(opcode))
        {
            if (length > MaxControlPayload) throw Error(WebSocketFrameError.ControlFrameTooLong, "control frame longer than 125 bytes");
            if (!fin) throw Error(WebSocketFrameError.ControlFrameFragmented, "fragmented control frame");
            if (opcode == WebSocketOpcode.Close && length == 1) throw Error(WebSocketFrameError.CloseFrameTooShort, "close frame with a 1-byte payload");
        }
        header = new WebSocketFrameHeader(fin, opcode, masked, needed, length);
        return true;
    }

    /// <summary>
    /// Writes a header exactly as told (no rule is checked, so tests and fault injection can write bad frames);
    /// returns its length. A 4-byte <paramref name="maskKey"/> sets the mask bit; an empty one writes an unmasked header.
    /// </summary>
    public static int Write(Span<byte> destination, WebSocketOpcode opcode, long payloadLength, bool fin = true, ReadOnlySpan<byte> maskKey = default)
    {
        var maskBit = maskKey.IsEmpty ? 0 : 0x80;
        destination[0] = (byte)((fin ? 0x80 : 0) | (byte)opcode);
        int length;
        if (payloadLength < 126)
        {
            destination[1] = (byte)(maskBit | (int)payloadLength);
            length = 2;
        }
        else if (payloadLength <= ushort.MaxValue)
        {
            destination[1] = (byte)(maskBit | 126);
            BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)payloadLength);
            length = 4;
        }
        else
        {
            destination[1] = (byte)(maskBit | 127);
            BinaryPrimitives.WriteUInt64BigEndian(destination[2..], (ulong)payloadLength);
            length = 10;
        }
        if (maskKey.IsEmpty) return length;
        maskKey[..4].CopyTo(destination[length..]);
        return length + 4;
    }

    private static WebSocketFrameException Error(WebSocketFrameError error, string message) => new(error, message);
}

/// <summary>Masking, whole frames, close payloads and the handshake's accept key.</summary>
[Experimental("KISRT0001")]
public static class WebSocketFraming
{
    private const string AcceptGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    /// <summary>
    /// XORs <paramref name="data"/> with the 4-byte <paramref name="maskKey"/> in place (masking and unmasking are the
    /// same). Eight bytes at a time: the key repeats every 4, so a word holds it twice.
    /// </summary>
    public static void ApplyMask(Span<byte> data, ReadOnlySpan<byte> maskKey)
    {
        var words = data.Length >> 3;
        if (words > 0)
        {
            var key32 = MemoryMarshal.Read<uint>(maskKey);
            var key64 = key32 | ((ulong)key32 << 32);
            var span = MemoryMarshal.Cast<byte, ulong>(data[..(words << 3)]);
            for (var i = 0; i < span.Length; i++) span[i] ^= key64;
        }
        for (var i = words << 3; i < data.Length; i++) data[i] ^= maskKey[i & 3];
    }

    /// <summary>Bytes a whole frame takes: header and payload.</summary>
    public static int FrameLength(int payloadLength, bool masked) => WebSocketFrameHeader.LengthFor(payloadLength, masked) + payloadLength;

    /// <summary>
    /// Writes a whole frame (header, then the payload, masked when a 4-byte <paramref name="maskKey"/> is given) into
    /// <paramref name="destination"/>, at least <see cref="FrameLength"/> long; returns its length.
    /// </summary>
    public static int WriteFrame(Span<byte> destination, WebSocketOpcode opcode, ReadOnlySpan<byte> payload, bool fin = true,
        ReadOnlySpan<byte> maskKey = default)
    {
        var header = WebSocketFrameHeader.Write(destination, opcode, payload.Length, fin, maskKey);
        var body = destination.Slice(header, payload.Length);
        payload.CopyTo(body);
        if (!maskKey.IsEmpty) ApplyMask(body, maskKey);
        return header + payload.Length;
    }

    /// <summary>A whole unmasked (server) frame in a new array.</summary>
    public static byte[] BuildFrame(WebSocketOpcode opcode, ReadOnlySpan<byte> payload)
    {
        var frame = new byte[FrameLength(payload.Length, masked: false)];
        WriteFrame(frame, opcode, payload);
        return frame;
    }

    /// <summary>A close payload: the 2-byte status and a UTF-8 reason cut to fit a control frame.</summary>
    public static byte[] ClosePayload(WebSocketCloseStatus status, string? reason = null)
    {
        var text = Encoding.UTF8.GetBytes(reason ?? "");
        if (text.Length > WebSocketFrameHeader.MaxControlPayload - 2) text = text[..(WebSocketFrameHeader.MaxControlPayload - 2)];
        var payload = new byte[2 + text.Length];
        BinaryPrimitives.WriteUInt16BigEndian(payload, (ushort)status);
        text.CopyTo(payload, 2);
        return payload;
    }

    /// <summary>
    /// True for a close status that may appear in a close frame (RFC 6455 §7.4.1 and IANA's registry): 1000–1003,
    /// 1007–1014 and 3000–4999. 1005, 1006 and 1015 are reserved for reports and are never sent; 1004 is reserved.
    /// </summary>
    public static bool IsSendableCloseStatus(int status) => status is (>= 1000 and <= 1003) or (>= 1007 and <= 1014) or (>= 3000 and <= 4999);

    /// <summary>The status of a close payload; null when it has none (an empty payload).</summary>
    public static WebSocketCloseStatus? CloseStatusOf(ReadOnlySpan<byte> payload)
        => payload.Length >= 2 ? (WebSocketCloseStatus)BinaryPrimitives.ReadUInt16BigEndian(payload) : null;

    /// <summary>Sec-WebSocket-Accept for a Sec-WebSocket-Key (RFC 6455 §4.2.2).</summary>
    public static string AcceptKey(string clientKey)
        => Convert.ToBase64String(ManagedSha.Sha1(Encoding.ASCII.GetBytes(clientKey.Trim() + AcceptGuid)));
}
