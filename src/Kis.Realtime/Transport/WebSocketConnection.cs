using System.Buffers;
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
    private const int InitialBufferSize = 64 * 1024;

    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly WebSocketFrameReader _reader;
    private int _closeSent;           // 1 once our close frame has gone out
    private int _disposed;

    private WebSocketConnection(Socket socket, int maxMessageSize, byte[] buffer, int start, int end)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        // Servers must not mask; one that does is tolerated (requireMask is the server's rule for client frames).
        _reader = new WebSocketFrameReader(_stream, maxMessageSize, requireMask: false, buffer, start, end);
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

        var expected = WebSocketFraming.AcceptKey(key);
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
    /// <exception cref="WebSocketException">The server sent a frame that breaks RFC 6455 or the message size limit
    /// (its inner <see cref="WebSocketFrameException"/> says which rule).</exception>
    public async ValueTask<ReceivedMessage> ReceiveAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            WebSocketFrameMessage frame;
            try
            {
                // The hot path: a whole frame is usually buffered already, and is returned in place without awaiting.
                while (!_reader.TryReceive(out frame))
                {
                    if (!await _reader.FillAsync(cancellationToken).ConfigureAwait(false)) return Ended();
                }
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                return Ended(); // reset or aborted: the connection is over
            }
            catch (WebSocketFrameException e)
            {
                throw new WebSocketException(WebSocketError.Faulted, $"Invalid frame from the server: {e.Message}.", e);
            }

            switch (frame.Opcode)
            {
                case WebSocketOpcode.Text:
                    return new ReceivedMessage(ReceivedKind.Text, frame.Payload);
                case WebSocketOpcode.Binary:
                    return new ReceivedMessage(ReceivedKind.Binary, frame.Payload);
                case WebSocketOpcode.Close:
                    {
                        var status = WebSocketFraming.CloseStatusOf(frame.Payload.Span);
                        await SendCloseAsync(status ?? WebSocketCloseStatus.NormalClosure, cancellationToken).ConfigureAwait(false);
                        return new ReceivedMessage(ReceivedKind.Closed, default, status);
                    }
                case WebSocketOpcode.Ping:
                    // RFC 6455 §5.5.2: answer a ping with a pong carrying the same payload. Copy: the buffer moves on.
                    await SendFrameAsync(WebSocketOpcode.Pong, frame.Payload.ToArray(), cancellationToken).ConfigureAwait(false);
                    break;
                default:
                    break; // pong: unsolicited or answered, nothing to do
            }
        }

        static ReceivedMessage Ended() => new(ReceivedKind.Closed, default, null);
    }

    /// <summary>Sends one text message (one frame, masked as RFC 6455 requires of clients).</summary>
    public ValueTask SendTextAsync(ReadOnlyMemory<byte> utf8, CancellationToken cancellationToken) => SendFrameAsync(WebSocketOpcode.Text, utf8, cancellationToken);

    /// <summary>
    /// Sends a pong control frame carrying <paramref name="payload"/> (KIS's own clients answer PINGPONG so). A control
    /// frame holds at most 125 bytes: a longer payload is answered with an empty pong.
    /// </summary>
    public ValueTask SendPongAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
        => SendFrameAsync(WebSocketOpcode.Pong, payload.Length <= WebSocketFrameHeader.MaxControlPayload ? payload : ReadOnlyMemory<byte>.Empty, cancellationToken);

    /// <summary>Sends a close frame once; later calls do nothing.</summary>
    public async ValueTask SendCloseAsync(WebSocketCloseStatus status, CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _closeSent, 1) == 1) return;
        try
        {
            await SendFrameAsync(WebSocketOpcode.Close, WebSocketFraming.ClosePayload(status), cancellationToken, closing: true).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or SocketException or WebSocketException)
        {
            // The peer is already gone (SendFrameAsync reports a lost connection as WebSocketException): nothing left
            // to close politely.
        }
    }

    private async ValueTask SendFrameAsync(WebSocketOpcode opcode, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken, bool closing = false)
    {
        if (!closing && Volatile.Read(ref _closeSent) == 1 && opcode != WebSocketOpcode.Pong)
            throw new WebSocketException(WebSocketError.InvalidState, "The connection is closing.");
        var length = WebSocketFraming.FrameLength(payload.Length, masked: true);
        var frame = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            WriteMaskedFrame(frame, opcode, payload.Span);

            await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await _stream.WriteAsync(frame.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
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

    /// <summary>RFC 6455 §5.3: every client frame is masked with a fresh random key.</summary>
    private static void WriteMaskedFrame(Span<byte> destination, WebSocketOpcode opcode, ReadOnlySpan<byte> payload)
    {
        Span<byte> maskKey = stackalloc byte[4];
        RandomNumberGenerator.Fill(maskKey);
        WebSocketFraming.WriteFrame(destination, opcode, payload, maskKey: maskKey);
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
        _reader.Dispose();
        return ValueTask.CompletedTask;
    }
}
