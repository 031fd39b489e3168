using System.Diagnostics.CodeAnalysis;
using System.Buffers;

namespace Kis.Realtime.Transport;

/// <summary>
/// One thing read from the peer: a whole data message (fragments reassembled) or one control frame. The payload is a
/// slice of the reader's buffers, valid until the reader's next call.
/// </summary>
[Experimental("KISRT0001")]
public readonly record struct WebSocketFrameMessage(WebSocketOpcode Opcode, ReadOnlyMemory<byte> Payload)
{
    private const WebSocketOpcode EndOfStreamMarker = (WebSocketOpcode)0xFF;

    /// <summary>The stream ended (no close frame, or in the middle of one).</summary>
    public static WebSocketFrameMessage EndOfStream => new(EndOfStreamMarker, default);

    /// <summary>True for <see cref="EndOfStream"/>.</summary>
    public bool IsEndOfStream => Opcode == EndOfStreamMarker;
}

/// <summary>
/// Reads RFC 6455 frames from a stream into a pooled buffer: <see cref="TryReceive"/> takes what is buffered (an
/// unfragmented message is returned in place, no copy) and <see cref="FillAsync"/> reads more. Fragmented messages are
/// reassembled (control frames may come between fragments); everything invalid is a
/// <see cref="WebSocketFrameException"/>. Read errors of the stream are not caught. One reader per connection, one
/// caller at a time.
/// </summary>
[Experimental("KISRT0001")]
public sealed class WebSocketFrameReader : IDisposable
{
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2213", Justification = "The caller's stream: the connection that made this reader owns it")]
    private readonly Stream _stream;
    private readonly int _maxMessageBytes;
    private readonly bool _requireMask;
    private byte[] _buffer;           // bytes [_start, _end) are unread
    private int _start, _end;
    private int _needed;              // unread bytes the next TryReceive needs (set when it returned false)
    private byte[]? _message;         // reassembles fragmented messages
    private int _messageLength;
    private WebSocketOpcode _messageOpcode;
    private bool _inMessage;

    /// <param name="stream">The upgraded connection.</param>
    /// <param name="maxMessageBytes">The longest data message accepted (longer: <see cref="WebSocketFrameError.MessageTooBig"/>).</param>
    /// <param name="requireMask">True on a server: every client frame must be masked. False on a client: no server frame
    /// may be masked (RFC 6455 §5.1: either is a protocol error).</param>
    /// <param name="buffer">A buffer rented from <see cref="ArrayPool{T}.Shared"/> that the reader now owns, e.g. the
    /// handshake's, whose bytes [<paramref name="start"/>, <paramref name="end"/>) are already frames. Null: rent one.</param>
    /// <param name="start">First unread byte of <paramref name="buffer"/>.</param>
    /// <param name="end">End of the unread bytes of <paramref name="buffer"/>.</param>
    public WebSocketFrameReader(Stream stream, int maxMessageBytes, bool requireMask, byte[]? buffer = null, int start = 0, int end = 0)
    {
        _stream = stream;
        _maxMessageBytes = maxMessageBytes;
        _requireMask = requireMask;
        _buffer = buffer ?? ArrayPool<byte>.Shared.Rent(8192);
        _start = start;
        _end = end;
    }

    /// <summary>Reads until a whole message or a control frame is available; <see cref="WebSocketFrameMessage.EndOfStream"/> when the stream ends
    /// first.</summary>
    /// <exception cref="WebSocketFrameException">A frame breaks RFC 6455 or the size limit.</exception>
    public async ValueTask<WebSocketFrameMessage> ReceiveAsync(CancellationToken cancellationToken)
    {
        WebSocketFrameMessage message;
        while (!TryReceive(out message))
        {
            if (!await FillAsync(cancellationToken).ConfigureAwait(false)) return WebSocketFrameMessage.EndOfStream;
        }
        return message;
    }

    /// <summary>
    /// Takes the next whole message or control frame from the bytes already buffered; false when more must be read
    /// first (<see cref="FillAsync"/>). Fragments of a message are consumed as they come.
    /// </summary>
    /// <exception cref="WebSocketFrameException">A frame breaks RFC 6455 or the size limit.</exception>
    public bool TryReceive(out WebSocketFrameMessage message)
    {
        while (true)
        {
            var available = _end - _start;
            if (!WebSocketFrameHeader.TryParse(_buffer.AsSpan(_start, available), out var header, out var headerLength))
                return NeedMore(headerLength, out message);

            Check(header);
            var frameLength = header.Length + (int)header.PayloadLength; // Check bounded the length by the message limit
            if (available < frameLength) return NeedMore(frameLength, out message);

            var payload = _buffer.AsMemory(_start + header.Length, (int)header.PayloadLength);
            if (header.IsMasked) WebSocketFraming.ApplyMask(payload.Span, _buffer.AsSpan(_start + header.Length - 4, 4));
            _start += frameLength;

            if (header.IsControl || (header.Fin && header.Opcode != WebSocketOpcode.Continuation))
            {
                message = new WebSocketFrameMessage(header.Opcode, payload); // in place: no copy
                return true;
            }
            if (header.Opcode != WebSocketOpcode.Continuation)
            {
                _inMessage = true;
                _messageOpcode = header.Opcode;
                _messageLength = 0;
            }
            Append(payload.Span);
            if (header.Fin)
            {
                _inMessage = false;
                message = new WebSocketFrameMessage(_messageOpcode, _message.AsMemory(0, _messageLength));
                return true;
            }
        }
    }

    private bool NeedMore(int needed, out WebSocketFrameMessage message)
    {
        _needed = needed;
        message = default;
        return false;
    }

    /// <summary>The rules that need the reader's state: masking, fragmentation order and the message size limit.</summary>
    private void Check(in WebSocketFrameHeader header)
    {
        if (_requireMask && !header.IsMasked) throw new WebSocketFrameException(WebSocketFrameError.UnmaskedClientFrame, "client frames must be masked");
        if (!_requireMask && header.IsMasked) throw new WebSocketFrameException(WebSocketFrameError.MaskedServerFrame, "server frames must not be masked");
        if (header.IsControl) return; // at most 125 bytes (checked by the parser), never part of a message
        if (header.Opcode == WebSocketOpcode.Continuation)
        {
            if (!_inMessage) throw new WebSocketFrameException(WebSocketFrameError.UnexpectedContinuation, "continuation frame without a message");
            if (header.PayloadLength > _maxMessageBytes - _messageLength) throw TooBig();
        }
        else
        {
            if (_inMessage) throw new WebSocketFrameException(WebSocketFrameError.MessageInsideFragmentedMessage, "new message inside a fragmented one");
            if (header.PayloadLength > _maxMessageBytes) throw TooBig();
        }
    }

    private WebSocketFrameException TooBig() => new(WebSocketFrameError.MessageTooBig, $"a message exceeds the {_maxMessageBytes}-byte limit");

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

    /// <summary>
    /// Reads until the bytes the last <see cref="TryReceive"/> lacked are buffered; false when the stream ends first.
    /// Invalidates what earlier calls returned (the buffer may be compacted or replaced).
    /// </summary>
    public async ValueTask<bool> FillAsync(CancellationToken cancellationToken)
    {
        var count = MakeRoom();
        while (_end - _start < count)
        {
            var read = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
            if (read == 0) return false;
            _end += read;
        }
        return true;
    }

    /// <summary>
    /// <see cref="FillAsync"/> with blocking reads: for a reader on a thread of its own over a socket that is never used
    /// asynchronously (a blocking receive wakes just that thread, with no event loop in between).
    /// </summary>
    public bool Fill()
    {
        var count = MakeRoom();
        while (_end - _start < count)
        {
            var read = _stream.Read(_buffer.AsSpan(_end));
            if (read == 0) return false;
            _end += read;
        }
        return true;
    }

    /// <summary>Compacts (and grows when one frame does not fit) so that the bytes still needed fit; returns how many
    /// unread bytes the buffer must hold.</summary>
    private int MakeRoom()
    {
        var count = Math.Max(_needed, 1 + _end - _start);
        if (_buffer.Length - _start < count)
        {
            var target = _buffer.Length < count ? ArrayPool<byte>.Shared.Rent(count) : _buffer;
            _buffer.AsSpan(_start, _end - _start).CopyTo(target);
            if (target != _buffer) ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = target;
            _end -= _start;
            _start = 0;
        }
        return count;
    }

    /// <summary>Returns the pooled buffers. Call only once nobody reads any more.</summary>
    public void Dispose()
    {
        var buffer = Interlocked.Exchange(ref _buffer, []);
        if (buffer.Length > 0) ArrayPool<byte>.Shared.Return(buffer);
        var message = Interlocked.Exchange(ref _message, null);
        if (message is not null) ArrayPool<byte>.Shared.Return(message);
    }
}
