using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Kis.Realtime.Simulator.WebSockets;

/// <summary>RFC 6455 opcodes.</summary>
internal enum WsOpcode : byte
{
    Continuation = 0x0,
    Text = 0x1,
    Binary = 0x2,
    Close = 0x8,
    Ping = 0x9,
    Pong = 0xA,
}

/// <summary>
/// Server-side RFC 6455 framing. The simulator frames by hand instead of using ASP.NET Core's WebSocket because it must
/// see the client's pong frames (<see cref="PingAnswer.PongFrame"/>), send text frames that are not UTF-8 on purpose,
/// and write big multi-record frames from one pooled buffer with the header prepended in place.
/// </summary>
internal static class WsFraming
{
    /// <summary>Room to keep in front of a payload for the largest server frame header (unmasked).</summary>
    public const int MaxHeaderLength = 10;

    private static readonly byte[] AcceptGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"u8.ToArray();

    /// <summary>Header length of an unmasked frame carrying <paramref name="payloadLength"/> bytes.</summary>
    public static int HeaderLength(int payloadLength) => payloadLength < 126 ? 2 : payloadLength <= ushort.MaxValue ? 4 : 10;

    /// <summary>Writes an unmasked, final frame header; returns its length.</summary>
    public static int WriteHeader(Span<byte> destination, WsOpcode opcode, int payloadLength)
    {
        destination[0] = (byte)(0x80 | (byte)opcode);
        if (payloadLength < 126)
        {
            destination[1] = (byte)payloadLength;
            return 2;
        }
        if (payloadLength <= ushort.MaxValue)
        {
            destination[1] = 126;
            BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)payloadLength);
            return 4;
        }
        destination[1] = 127;
        BinaryPrimitives.WriteUInt64BigEndian(destination[2..], (ulong)payloadLength);
        return 10;
    }

    /// <summary>Builds a complete frame (small control messages and replies).</summary>
    public static byte[] BuildFrame(WsOpcode opcode, ReadOnlySpan<byte> payload)
    {
        var header = HeaderLength(payload.Length);
        var frame = new byte[header + payload.Length];
        WriteHeader(frame, opcode, payload.Length);
        payload.CopyTo(frame.AsSpan(header));
        return frame;
    }

    /// <summary>A close frame payload: 2-byte status and a short UTF-8 reason.</summary>
    public static byte[] ClosePayload(int status, string reason)
    {
        var text = Encoding.UTF8.GetBytes(reason);
        if (text.Length > 123) text = text[..123];
        var payload = new byte[2 + text.Length];
        BinaryPrimitives.WriteUInt16BigEndian(payload, (ushort)status);
        text.CopyTo(payload, 2);
        return payload;
    }

    /// <summary>Sec-WebSocket-Accept for a client's Sec-WebSocket-Key.</summary>
    public static string AcceptKey(string clientKey)
    {
        var key = Encoding.ASCII.GetBytes(clientKey.Trim());
        var all = new byte[key.Length + AcceptGuid.Length];
        key.CopyTo(all, 0);
        AcceptGuid.CopyTo(all, key.Length);
        return Convert.ToBase64String(SHA1.HashData(all));
    }
}

/// <summary>One message read from the client: a whole (reassembled) data message or one control frame.</summary>
internal readonly record struct WsMessage(WsOpcode Opcode, ReadOnlyMemory<byte> Payload)
{
    public static WsMessage EndOfStream => new((WsOpcode)0xFF, default);
    public bool IsEndOfStream => (byte)Opcode == 0xFF;
}

/// <summary>Thrown for a frame that breaks RFC 6455 (unmasked client frame, bad opcode, oversized message).</summary>
internal sealed class WsProtocolException(int closeStatus, string message) : Exception(message)
{
    public int CloseStatus { get; } = closeStatus;
}

/// <summary>Reads client frames (masked, possibly fragmented) from the upgraded stream. One reader per connection.</summary>
internal sealed class WsReader(Stream stream, int maxMessageBytes)
{
    private byte[] _buffer = new byte[8192];
    private int _start, _end;
    private byte[] _message = new byte[4096];
    private int _messageLength;
    private WsOpcode _messageOpcode;
    private bool _inMessage;

    /// <summary>Reads until a whole message or a control frame is available. The payload is valid until the next call.</summary>
    public async ValueTask<WsMessage> ReceiveAsync(CancellationToken ct)
    {
        while (true)
        {
            if (!await EnsureAsync(2, ct)) return WsMessage.EndOfStream;
            var b0 = _buffer[_start];
            var b1 = _buffer[_start + 1];
            var fin = (b0 & 0x80) != 0;
            var opcode = (WsOpcode)(b0 & 0x0F);
            if ((b0 & 0x70) != 0) throw new WsProtocolException(1002, "reserved bits set");
            if ((b1 & 0x80) == 0) throw new WsProtocolException(1002, "client frames must be masked");
            long length = b1 & 0x7F;
            var headerLength = 2;
            if (length == 126)
            {
                if (!await EnsureAsync(4, ct)) return WsMessage.EndOfStream;
                length = BinaryPrimitives.ReadUInt16BigEndian(_buffer.AsSpan(_start + 2));
                headerLength = 4;
            }
            else if (length == 127)
            {
                if (!await EnsureAsync(10, ct)) return WsMessage.EndOfStream;
                var length64 = BinaryPrimitives.ReadUInt64BigEndian(_buffer.AsSpan(_start + 2));
                // RFC 6455 5.2: the most significant bit must be 0. Read as a long it would be negative and slip past the
                // size checks below.
                if ((length64 & 0x8000_0000_0000_0000UL) != 0) throw new WsProtocolException(1002, "64-bit payload length with the top bit set");
                length = (long)length64;
                headerLength = 10;
            }

            var isControl = ((byte)opcode & 0x8) != 0;
            if (isControl && (length > 125 || !fin)) throw new WsProtocolException(1002, "bad control frame");
            if (length < 0 || length > maxMessageBytes || _messageLength + length > maxMessageBytes) throw new WsProtocolException(1009, "message too big");
            var frameLength = headerLength + 4 + (int)length;
            if (!await EnsureAsync(frameLength, ct)) return WsMessage.EndOfStream;

            var mask = _buffer.AsSpan(_start + headerLength, 4);
            var payload = _buffer.AsSpan(_start + headerLength + 4, (int)length);
            for (var i = 0; i < payload.Length; i++) payload[i] ^= mask[i & 3];
            _start += frameLength;

            if (isControl)
            {
                if (opcode is not (WsOpcode.Close or WsOpcode.Ping or WsOpcode.Pong)) throw new WsProtocolException(1002, "unknown control opcode");
                return new WsMessage(opcode, payload.ToArray());
            }

            if (opcode == WsOpcode.Continuation)
            {
                if (!_inMessage) throw new WsProtocolException(1002, "continuation without a message");
            }
            else if (opcode is WsOpcode.Text or WsOpcode.Binary)
            {
                if (_inMessage) throw new WsProtocolException(1002, "new message inside a fragmented one");
                _inMessage = true;
                _messageOpcode = opcode;
                _messageLength = 0;
            }
            else
            {
                throw new WsProtocolException(1002, "unknown opcode");
            }

            if (_message.Length < _messageLength + payload.Length) Array.Resize(ref _message, Math.Max(_message.Length * 2, _messageLength + payload.Length));
            payload.CopyTo(_message.AsSpan(_messageLength));
            _messageLength += payload.Length;
            if (fin)
            {
                _inMessage = false;
                return new WsMessage(_messageOpcode, _message.AsMemory(0, _messageLength));
            }
        }
    }

    private async ValueTask<bool> EnsureAsync(int count, CancellationToken ct)
    {
        while (_end - _start < count)
        {
            if (_buffer.Length - _start < count)
            {
                // Compact, and grow when one frame does not fit.
                var target = _buffer.Length < count ? new byte[Math.Max(count, _buffer.Length * 2)] : _buffer;
                Buffer.BlockCopy(_buffer, _start, target, 0, _end - _start);
                _end -= _start;
                _start = 0;
                _buffer = target;
            }
            var read = await stream.ReadAsync(_buffer.AsMemory(_end), ct).ConfigureAwait(false);
            if (read == 0) return false;
            _end += read;
        }
        return true;
    }
}
