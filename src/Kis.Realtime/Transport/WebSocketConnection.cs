using System.Buffers;
using System.Buffers.Binary;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;

namespace Kis.Realtime.Transport;

/// <summary>What <see cref="WebSocketConnection.ReceiveAsync"/> returned.</summary>
internal enum ReceivedKind
{
    /// <summary>A complete text message.</summary>
    Text,
    /// <summary>A complete binary message.</summary>
    Binary,
    /// <summary>The peer closed (close frame received and answered, or the stream ended).</summary>
    Closed,
}

/// <summary>One received message. <see cref="Data"/> is only valid until the next receive call.</summary>
internal readonly record struct ReceivedMessage(ReceivedKind Kind, ReadOnlyMemory<byte> Data, WebSocketCloseStatus? CloseStatus = null);

/// <summary>
/// A minimal RFC 6455 client for plain <c>ws://</c>. Written instead of using <c>ClientWebSocket</c> because KIS sends
/// text frames that are not valid UTF-8 (cp949) and <c>ClientWebSocket</c> aborts the connection on them, and because
/// KIS drops sessions that send unsolicited keep-alive frames: this one validates no UTF-8 and sends nothing on its
/// own except pong replies to server pings and the close handshake.
/// One reader and any number of (serialised) writers may use it concurrently.
/// </summary>
internal sealed class WebSocketConnection : IAsyncDisposable
{
    private const string AcceptGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    private const int InitialBufferSize = 64 * 1024;

    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly int _maxMessageSize;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private byte[] _buffer;           // receive buffer: bytes [_start, _end) are unread
    private int _start, _end;
    private byte[]? _message;         // assembles fragmented messages
    private int _messageLength;
    private int _closeSent;           // 1 once our close frame has gone out
    private int _disposed;

    private WebSocketConnection(Socket socket, int maxMessageSize, byte[] buffer, int start, int end)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _maxMessageSize = maxMessageSize;
        _buffer = buffer;
        _start = start;
        _end = end;
    }

    /// <summary>True once a close frame was received or sent, or the connection was aborted.</summary>
    public bool IsClosed => Volatile.Read(ref _closeSent) == 1 || Volatile.Read(ref _disposed) == 1;

    /// <summary>Opens a TCP connection to a <c>ws://</c> URL and performs the upgrade handshake.</summary>
    /// <exception cref="WebSocketException">The handshake failed.</exception>
    public static async Task<WebSocketConnection> ConnectAsync(Uri uri, int maxMessageSize, CancellationToken cancellationToken)
    {
        if (uri.Scheme != "ws")
            throw new ArgumentException($"Only plain ws:// URLs are supported (KIS does not use TLS); got '{uri.Scheme}://'.", nameof(uri));

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var buffer = ArrayPool<byte>.Shared.Rent(InitialBufferSize);
        try
        {
            await socket.ConnectAsync(uri.DnsSafeHost, uri.Port, cancellationToken).ConfigureAwait(false);

            Span<byte> keyBytes = stackalloc byte[16];
            RandomNumberGenerator.Fill(keyBytes);
            var key = Convert.ToBase64String(keyBytes);
            var request = $"GET {uri.PathAndQuery} HTTP/1.1\r\nHost: {uri.Authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
                          $"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n";
            await socket.SendAsync(Encoding.ASCII.GetBytes(request), SocketFlags.None, cancellationToken).ConfigureAwait(false);

            // Read until the end of the response head; anything after it is already WebSocket frames.
            var end = 0;
            int headEnd;
            while ((headEnd = buffer.AsSpan(0, end).IndexOf("\r\n\r\n"u8)) < 0)
            {
                if (end == buffer.Length) throw new WebSocketException(WebSocketError.HeaderError, "The handshake response header is too large.");
                var n = await socket.ReceiveAsync(buffer.AsMemory(end), SocketFlags.None, cancellationToken).ConfigureAwait(false);
                if (n == 0) throw new WebSocketException(WebSocketError.ConnectionClosedPrematurely, "The server closed the connection during the handshake.");
                end += n;
            }

            CheckHandshake(Encoding.ASCII.GetString(buffer, 0, headEnd), key);
            var connection = new WebSocketConnection(socket, maxMessageSize, buffer, headEnd + 4, end);
            return connection;
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            socket.Dispose();
            throw;
        }
    }

    private static void CheckHandshake(string head, string key)
    {
        var lines = head.Split("\r\n");
        var status = lines[0].Split(' ', 3);
        if (status.Length < 2 || status[1] != "101")
            throw new WebSocketException(WebSocketError.NotAWebSocket, $"The server did not switch to WebSocket: '{lines[0]}'.");

        var expected = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + AcceptGuid)));
        string? accept = null;
        foreach (var line in lines.AsSpan(1))
        {
            var colon = line.IndexOf(':');
            if (colon > 0 && line.AsSpan(0, colon).Trim().Equals("Sec-WebSocket-Accept", StringComparison.OrdinalIgnoreCase))
                accept = line[(colon + 1)..].Trim();
        }
        if (accept != expected)
            throw new WebSocketException(WebSocketError.HeaderError, "The server's Sec-WebSocket-Accept does not match the key sent.");
    }

    /// <summary>
    /// Receives the next complete data message. Answers pings with pongs and a close frame with a close frame on the
    /// way. The returned bytes are valid until the next call. Not safe for concurrent callers.
    /// </summary>
    public async ValueTask<ReceivedMessage> ReceiveAsync(CancellationToken cancellationToken)
    {
        var fragmented = false;
        var messageKind = ReceivedKind.Text;
        _messageLength = 0;
        while (true)
        {
            if (!await EnsureAsync(2, cancellationToken).ConfigureAwait(false)) return Ended();
            var b0 = _buffer[_start];
            var b1 = _buffer[_start + 1];
            var fin = (b0 & 0x80) != 0;
            var opcode = b0 & 0x0F;
            var masked = (b1 & 0x80) != 0;
            long length = b1 & 0x7F;
            var header = 2;
            if (length == 126) header += 2;
            else if (length == 127) header += 8;
            if (masked) header += 4;
            if (!await EnsureAsync(header, cancellationToken).ConfigureAwait(false)) return Ended();

            var h = _buffer.AsSpan(_start, header);
            if (length == 126) length = BinaryPrimitives.ReadUInt16BigEndian(h[2..]);
            else if (length == 127) length = (long)BinaryPrimitives.ReadUInt64BigEndian(h[2..]);
            if (length < 0 || length + (fragmented ? _messageLength : 0) > _maxMessageSize)
                throw new WebSocketException(WebSocketError.Faulted, $"A message exceeds the {_maxMessageSize}-byte limit.");
            var payloadLength = (int)length;
            if (opcode >= 8 && (payloadLength > 125 || !fin))
                throw new WebSocketException(WebSocketError.Faulted, "Invalid control frame.");

            if (!await EnsureAsync(header + payloadLength, cancellationToken).ConfigureAwait(false)) return Ended();
            var payload = _buffer.AsMemory(_start + header, payloadLength);
            if (masked) Unmask(payload.Span, _buffer.AsSpan(_start + header - 4, 4)); // servers should not mask; tolerate it
            _start += header + payloadLength;

            switch (opcode)
            {
                case 0x1 or 0x2 when !fragmented:
                    messageKind = opcode == 0x1 ? ReceivedKind.Text : ReceivedKind.Binary;
                    if (fin) return new ReceivedMessage(messageKind, payload); // zero-copy: a slice of the receive buffer
                    fragmented = true;
                    Append(payload.Span);
                    break;
                case 0x0 when fragmented:
                    Append(payload.Span);
                    if (fin) return new ReceivedMessage(messageKind, _message.AsMemory(0, _messageLength));
                    break;
                case 0x8:
                    {
                        WebSocketCloseStatus? status = payloadLength >= 2 ? (WebSocketCloseStatus)BinaryPrimitives.ReadUInt16BigEndian(payload.Span) : null;
                        await SendCloseAsync(status ?? WebSocketCloseStatus.NormalClosure, cancellationToken).ConfigureAwait(false);
                        return new ReceivedMessage(ReceivedKind.Closed, default, status);
                    }
                case 0x9:
                    // RFC 6455 §5.5.2: answer a ping with a pong carrying the same payload. Copy: the buffer moves on.
                    var copy = payload.ToArray();
                    await SendFrameAsync(0xA, copy, cancellationToken).ConfigureAwait(false);
                    break;
                case 0xA:
                    break; // unsolicited or answered pong: nothing to do
                default:
                    throw new WebSocketException(WebSocketError.Faulted, $"Unexpected WebSocket opcode {opcode} (fragmented={fragmented}).");
            }
        }

        ReceivedMessage Ended() => new(ReceivedKind.Closed, default, null);
    }

    private void Append(ReadOnlySpan<byte> fragment)
    {
        var needed = _messageLength + fragment.Length;
        if (_message is null || _message.Length < needed)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, Math.Max(4096, (_message?.Length ?? 0) * 2)));
            if (_message is not null)
            {
                _message.AsSpan(0, _messageLength).CopyTo(bigger);
                ArrayPool<byte>.Shared.Return(_message);
            }
            _message = bigger;
        }
        fragment.CopyTo(_message.AsSpan(_messageLength));
        _messageLength = needed;
    }

    /// <summary>Makes sure <paramref name="count"/> unread bytes are buffered; false when the stream ended first.</summary>
    private async ValueTask<bool> EnsureAsync(int count, CancellationToken cancellationToken)
    {
        if (_end - _start >= count) return true;
        if (_buffer.Length < count)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(count);
            _buffer.AsSpan(_start, _end - _start).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = bigger;
            _end -= _start;
            _start = 0;
        }
        else if (_buffer.Length - _start < count)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }

        while (_end - _start < count)
        {
            int n;
            try
            {
                n = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
            }
            catch (IOException)
            {
                return false; // reset or aborted: the connection is over
            }
            catch (ObjectDisposedException)
            {
                return false;
            }
            if (n == 0) return false;
            _end += n;
        }
        return true;
    }

    private static void Unmask(Span<byte> data, ReadOnlySpan<byte> mask)
    {
        for (var i = 0; i < data.Length; i++) data[i] ^= mask[i & 3];
    }

    /// <summary>Sends one text message (one frame, masked as RFC 6455 requires of clients).</summary>
    public ValueTask SendTextAsync(ReadOnlyMemory<byte> utf8, CancellationToken cancellationToken) => SendFrameAsync(0x1, utf8, cancellationToken);

    /// <summary>
    /// Sends a pong control frame carrying <paramref name="payload"/> (KIS's own clients answer PINGPONG so). A control
    /// frame holds at most 125 bytes: a longer payload is answered with an empty pong.
    /// </summary>
    public ValueTask SendPongAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
        => SendFrameAsync(0xA, payload.Length <= 125 ? payload : ReadOnlyMemory<byte>.Empty, cancellationToken);

    /// <summary>Sends a close frame once; later calls do nothing.</summary>
    public async ValueTask SendCloseAsync(WebSocketCloseStatus status, CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _closeSent, 1) == 1) return;
        var payload = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(payload, (ushort)status);
        try
        {
            await SendFrameAsync(0x8, payload, cancellationToken, closing: true).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or SocketException or WebSocketException)
        {
            // The peer is already gone (SendFrameAsync reports a lost connection as WebSocketException): nothing left
            // to close politely.
        }
    }

    private async ValueTask SendFrameAsync(int opcode, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken, bool closing = false)
    {
        if (!closing && Volatile.Read(ref _closeSent) == 1 && opcode != 0xA)
            throw new WebSocketException(WebSocketError.InvalidState, "The connection is closing.");
        var length = payload.Length;
        var header = 2 + (length <= 125 ? 0 : length <= ushort.MaxValue ? 2 : 8) + 4;
        var frame = ArrayPool<byte>.Shared.Rent(header + length);
        try
        {
            frame[0] = (byte)(0x80 | opcode);
            if (length <= 125)
            {
                frame[1] = (byte)(0x80 | length);
            }
            else if (length <= ushort.MaxValue)
            {
                frame[1] = 0x80 | 126;
                BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(2), (ushort)length);
            }
            else
            {
                frame[1] = 0x80 | 127;
                BinaryPrimitives.WriteUInt64BigEndian(frame.AsSpan(2), (ulong)length);
            }

            var mask = frame.AsSpan(header - 4, 4);
            RandomNumberGenerator.Fill(mask);
            var body = frame.AsSpan(header, length);
            payload.Span.CopyTo(body);
            Unmask(body, mask);

            await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await _stream.WriteAsync(frame.AsMemory(0, header + length), cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _sendLock.Release();
            }
        }
        catch (IOException e)
        {
            throw new WebSocketException(WebSocketError.ConnectionClosedPrematurely, "The connection was lost while sending.", e);
        }
        catch (ObjectDisposedException e)
        {
            throw new WebSocketException(WebSocketError.ConnectionClosedPrematurely, "The connection was lost while sending.", e);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(frame);
        }
    }

    /// <summary>Closes the socket at once (no handshake); a pending receive ends with <see cref="ReceivedKind.Closed"/>.</summary>
    public void Abort()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
        _stream.Dispose();
    }

    /// <summary>Aborts and returns the pooled buffers. Call only once the receive loop has finished.</summary>
    public ValueTask DisposeAsync()
    {
        Abort();
        var buffer = Interlocked.Exchange(ref _buffer, []);
        if (buffer.Length > 0) ArrayPool<byte>.Shared.Return(buffer);
        var message = Interlocked.Exchange(ref _message, null);
        if (message is not null) ArrayPool<byte>.Shared.Return(message);
        return ValueTask.CompletedTask;
    }
}
