using System.Buffers;
using Kis.Realtime.Simulator.Market;

namespace Kis.Realtime.Simulator.WebSockets;

/// <summary>
/// A session's scratch for frames made at send time: room for a tape frame's records, and the session's notice cipher
/// (KIS encrypts notices with the keys of the session that subscribed). Used by the send loop alone; disposed when the
/// session ends (the buffer goes back to the pool).
/// </summary>
internal sealed class SessionSendBuffer : IDisposable
{
    /// <summary>Room for the largest record of any generator (bytes).</summary>
    private const int MaxRecordBytes = 512;
    private const int FrameStart = WebSocketFrameHeader.MaxUnmaskedLength;
    private const int PayloadStart = FrameStart + FrameWriter.HeaderLength;

    private readonly byte[] _buffer;
    private readonly NoticeCipher _cipher;

    public SessionSendBuffer(string key, string iv, int maxRecordsPerFrame)
    {
        // Big enough for a full frame of the largest records, so MaxRecordsPerFrame is never cut short by the buffer.
        _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(64 * 1024, PayloadStart + maxRecordsPerFrame * MaxRecordBytes));
        _cipher = new NoticeCipher(key, iv);
    }

    /// <summary>Where a frame's records are written (after room for its WebSocket and KIS headers).</summary>
    public Span<byte> Payload => _buffer.AsSpan(PayloadStart);

    /// <summary>A tape's plain notice encrypted with this session's key, as one frame (KIS sends notices one at a time).</summary>
    public ReadOnlyMemory<byte> EncryptedFrame(SessionSubscription sub, ReadOnlySpan<byte> plain)
    {
        var cipherText = _cipher.EncryptToBase64(plain);
        FrameWriter.WriteHeader(_buffer.AsSpan(FrameStart), encrypted: true, sub.Tr.TrId, 1);
        cipherText.CopyTo(_buffer.AsSpan(PayloadStart));
        var payloadLength = FrameWriter.HeaderLength + cipherText.Length;
        var header = WebSocketFrameHeader.LengthFor(payloadLength, masked: false);
        WebSocketFrameHeader.Write(_buffer.AsSpan(FrameStart - header), WebSocketOpcode.Text, payloadLength);
        return _buffer.AsMemory(FrameStart - header, header + payloadLength);
    }

    /// <summary>The venue's next notice for <paramref name="sub"/>, encrypted as one frame; empty when it has nothing
    /// to say (no order did anything): no frame, not an empty encrypted one.</summary>
    public ReadOnlyMemory<byte> NextNoticeFrame(SessionSubscription sub, DateTime marketNow)
    {
        Span<byte> plain = stackalloc byte[1024];
        var writer = new RecordWriter(plain);
        return sub.Instrument.WriteRecords(ref writer, 1, marketNow) == 0 ? ReadOnlyMemory<byte>.Empty : EncryptedFrame(sub, writer.WrittenSpan);
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        _cipher.Dispose();
    }
}
