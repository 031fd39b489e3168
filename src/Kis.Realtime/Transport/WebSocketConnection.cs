using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Runtime.InteropServices;
using System.Text;

namespace Kis.Realtime.Transport;

/// <summary>What <see cref="WebSocketConnection.Receive"/> returned.</summary>
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
/// <para>
/// Every socket operation is synchronous, on purpose: .NET turns a socket non-blocking for good at its first
/// asynchronous operation, after which even a synchronous read goes through the socket event loop. Kept blocking, the
/// session's receive thread sleeps in <c>recv</c> and the kernel wakes exactly it when a frame arrives: one wake-up and
/// one system call per frame instead of an event-loop thread, a thread-pool hand-off and a second <c>recv</c> that
/// finds nothing (most of the CPU a record cost at a few thousand records a second). Sends are rare (requests,
/// pongs) and short; a peer that stops reading fails them after <see cref="SendTimeout"/>.
/// </para>
/// </summary>
internal sealed class WebSocketConnection : IAsyncDisposable
{
    private const int InitialBufferSize = 64 * 1024;

    /// <summary>How long a send may wait for a peer that does not read before the connection counts as lost.</summary>
    public static readonly TimeSpan SendTimeout = TimeSpan.FromSeconds(10);

    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2213",
        Justification = "Nothing to free (no timer, no wait handle); undisposed, a call racing disposal never meets ObjectDisposedException")]
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly WebSocketFrameReader _reader;
    private int _closeSent;           // 1 once our close frame has gone out
    private int _disposed;

    private WebSocketConnection(Socket socket, int maxMessageSize, byte[] buffer, int start, int end)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        // requireMask: false also means a masked server frame is a protocol error (RFC 6455 §5.1).
        _reader = new WebSocketFrameReader(_stream, maxMessageSize, requireMask: false, buffer, start, end);
    }

    /// <summary>True once a close frame was received or sent, or the connection was aborted.</summary>
    public bool IsClosed => Volatile.Read(ref _closeSent) == 1 || Volatile.Read(ref _disposed) == 1;

    /// <summary>Opens a TCP connection to a <c>ws://</c> URL and performs the upgrade handshake.</summary>
    /// <exception cref="WebSocketException">The handshake failed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> ended the attempt.</exception>
    public static async Task<WebSocketConnection> ConnectAsync(Uri uri, int maxMessageSize, CancellationToken cancellationToken)
    {
        if (uri.Scheme != "ws")
            throw new ArgumentException($"Only plain ws:// URLs are supported (KIS does not use TLS); got '{uri.Scheme}://'.", nameof(uri));

        var addresses = await Dns.GetHostAddressesAsync(uri.DnsSafeHost, cancellationToken).ConfigureAwait(false);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, SendTimeout = (int)SendTimeout.TotalMilliseconds };
        var buffer = ArrayPool<byte>.Shared.Rent(InitialBufferSize);
        try
        {
            // Blocking calls (see the class doc) on a pool thread; cancelling closes the socket, which ends them.
            await using var cancel = cancellationToken.UnsafeRegister(static s => ((Socket)s!).Dispose(), socket).ConfigureAwait(false);
            var (start, end) = await Task.Run(() => Upgrade(socket, addresses, uri, buffer), CancellationToken.None).ConfigureAwait(false);
            return new WebSocketConnection(socket, maxMessageSize, buffer, start, end);
        }
        catch (Exception e) when (cancellationToken.IsCancellationRequested && e is SocketException or ObjectDisposedException or WebSocketException)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            socket.Dispose();
            throw new OperationCanceledException("The connection attempt was cancelled.", e, cancellationToken);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Connects and performs the handshake; returns where the frames already read start and end in <paramref name="buffer"/>.</summary>
    private static (int Start, int End) Upgrade(Socket socket, IPAddress[] addresses, Uri uri, byte[] buffer)
    {
        socket.Connect(addresses, uri.Port);

        Span<byte> keyBytes = stackalloc byte[16];
        MemoryMarshal.Write(keyBytes, UnpredictableGuid());
        var key = Convert.ToBase64String(keyBytes);
        var request = $"GET {uri.PathAndQuery} HTTP/1.1\r\nHost: {uri.Authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
                      $"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n";
        socket.Send(Encoding.ASCII.GetBytes(request));

        // Read until the end of the response head; anything after it is already WebSocket frames.
        var end = 0;
        int headEnd;
        while ((headEnd = buffer.AsSpan(0, end).IndexOf("\r\n\r\n"u8)) < 0)
        {
            if (end == buffer.Length) throw new WebSocketException(WebSocketError.HeaderError, "The handshake response header is too large.");
            var n = socket.Receive(buffer.AsSpan(end));
            if (n == 0) throw new WebSocketException(WebSocketError.ConnectionClosedPrematurely, "The server closed the connection during the handshake.");
            end += n;
        }

        CheckHandshake(Encoding.ASCII.GetString(buffer, 0, headEnd), key);
        return (headEnd + 4, end);
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
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && line.AsSpan(0, colon).Trim().Equals("Sec-WebSocket-Accept", StringComparison.OrdinalIgnoreCase))
                accept = line[(colon + 1)..].Trim();
        }
        if (accept != expected)
            throw new WebSocketException(WebSocketError.HeaderError, "The server's Sec-WebSocket-Accept does not match the key sent.");
    }

    /// <summary>
    /// Receives the next complete data message, blocking the calling thread (a thread of its own: see the class doc).
    /// Answers pings with pongs and a close frame with a close frame on the way. The returned bytes are valid until the
    /// next call. Not safe for concurrent callers. <see cref="Abort"/> ends a pending call.
    /// </summary>
    /// <exception cref="WebSocketException">The server sent a frame that breaks RFC 6455 or the message size limit
    /// (its inner <see cref="WebSocketFrameException"/> says which rule).</exception>
    public ReceivedMessage Receive()
    {
        while (true)
        {
            WebSocketFrameMessage frame;
            try
            {
                // The hot path: a whole frame is usually buffered already, and is returned in place without reading.
                while (!_reader.TryReceive(out frame))
                {
                    if (!_reader.Fill()) return Ended();
                }
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or SocketException)
            {
                return Ended(); // reset or aborted: the connection is over
            }
            catch (WebSocketFrameException e)
            {
                throw Fail(e);
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
                        // RFC 6455 §7.4: a code that may not be sent (999, 1005, 1006, 1015 …) is a protocol error,
                        // answered with 1002 and never echoed.
                        if (status is { } code && !WebSocketFraming.IsSendableCloseStatus((int)code))
                            throw Fail(new WebSocketFrameException(WebSocketFrameError.InvalidCloseCode, $"close code {(int)code} may not be sent"));
                        WaitFor(SendCloseAsync(status ?? WebSocketCloseStatus.NormalClosure, CancellationToken.None));
                        return new ReceivedMessage(ReceivedKind.Closed, default, status);
                    }
                case WebSocketOpcode.Ping:
                    // RFC 6455 §5.5.2: answer a ping with a pong carrying the same payload. Copy: the buffer moves on.
                    WaitFor(SendFrameAsync(WebSocketOpcode.Pong, frame.Payload.ToArray(), CancellationToken.None));
                    break;
                default:
                    break; // pong: unsolicited or answered, nothing to do
            }
        }

        static ReceivedMessage Ended() => new(ReceivedKind.Closed, default, null);
    }

    /// <summary>Fails the connection as RFC 6455 §7.1.7 says: our close frame with the rule's status (1002, or 1009 for
    /// a message too big), then the socket is closed; the caller throws what this returns.</summary>
    private WebSocketException Fail(WebSocketFrameException e)
    {
        WaitFor(SendCloseAsync(e.CloseStatus, CancellationToken.None));
        Abort();
        return new WebSocketException(WebSocketError.Faulted, $"Invalid frame from the server: {e.Message}.", e);
    }

    /// <summary>Blocks on a send from the receive thread (its own thread, never the pool's).</summary>
    internal static void WaitFor(ValueTask send)
    {
        if (send.IsCompletedSuccessfully) return;
        send.AsTask().GetAwaiter().GetResult();
    }

    /// <summary>Sends one text message (one frame, masked as RFC 6455 requires of clients).</summary>
    public ValueTask SendTextAsync(ReadOnlyMemory<byte> utf8, CancellationToken cancellationToken) => SendFrameAsync(WebSocketOpcode.Text, utf8,
        cancellationToken);

    /// <summary>
    /// Sends a pong control frame carrying <paramref name="payload"/> (KIS's own clients answer PINGPONG so). A control
    /// frame holds at most 125 bytes: a longer payload is answered with an empty pong.
    /// </summary>
    public ValueTask SendPongAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
        => SendFrameAsync(WebSocketOpcode.Pong, payload.Length <= WebSocketFrameHeader.MaxControlPayload ? payload : ReadOnlyMemory<byte>.Empty,
            cancellationToken);

    /// <summary>Sends a close frame once; later calls do nothing.</summary>
    public async ValueTask SendCloseAsync(WebSocketCloseStatus status, CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _closeSent, 1) == 1) return;
        // 1005/1006/1015 and other unsendable codes are reports, never wire values (RFC 6455 §7.4.1).
        if (!WebSocketFraming.IsSendableCloseStatus((int)status)) status = WebSocketCloseStatus.ProtocolError;
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
                _stream.Write(frame, 0, length); // blocking: see the class doc
            }
            finally
            {
                _sendLock.Release();
            }
        }
        catch (Exception e) when (e is IOException or SocketException)
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

    /// <summary>
    /// 122 bits from the operating system's secure generator: on Linux <see cref="Guid.NewGuid"/> reads it through the
    /// runtime's own native library, where <c>RandomNumberGenerator</c> is OpenSSL's (see <see cref="ManagedSha"/> for
    /// why a stream does not load OpenSSL). The handshake's nonce and the frames' masking keys must be unpredictable.
    /// </summary>
    private static Guid UnpredictableGuid() => Guid.NewGuid();

    /// <summary>RFC 6455 §5.3: every client frame is masked with a fresh random key.</summary>
    private static void WriteMaskedFrame(Span<byte> destination, WebSocketOpcode opcode, ReadOnlySpan<byte> payload)
    {
        Span<byte> maskKey = stackalloc byte[4];
        var random = UnpredictableGuid();
        MemoryMarshal.AsBytes(new ReadOnlySpan<Guid>(in random))[..4].CopyTo(maskKey); // Data1: no version or variant bits
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
