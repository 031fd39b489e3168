namespace Kis.Realtime.Simulator.WebSockets;

/// <summary>
/// Writes data frames as KIS sends them: <c>flag|tr_id|NNN|payload</c>. The header is always
/// <see cref="HeaderLength"/> bytes (the count is 3 digits), so a writer can reserve it, write the records after it, and
/// fill the header in once the record count is known. The simulator's alone: a client only reads frames.
/// </summary>
internal static class FrameWriter
{
    /// <summary>Length of <c>0|H0UPCNT0|001|</c>: flag, bar, 8-byte TR id, bar, 3-digit count, bar.</summary>
    public const int HeaderLength = 15;

    /// <summary>Largest record count the 3-digit header can carry.</summary>
    public const int MaxRecordCount = 999;

    /// <summary>Writes the 15-byte header into <paramref name="destination"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The count is not 1..999.</exception>
    public static void WriteHeader(Span<byte> destination, bool encrypted, TrId trId, int recordCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(recordCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(recordCount, MaxRecordCount);
        destination[0] = encrypted ? (byte)'1' : (byte)'0';
        destination[1] = (byte)'|';
        trId.CopyTo(destination[2..10]);
        destination[10] = (byte)'|';
        destination[11] = (byte)('0' + recordCount / 100);
        destination[12] = (byte)('0' + recordCount / 10 % 10);
        destination[13] = (byte)('0' + recordCount % 10);
        destination[14] = (byte)'|';
    }

    /// <summary>Builds a frame around an already formed payload (records joined by <c>^</c>, or base64 ciphertext).</summary>
    public static byte[] Build(TrId trId, bool encrypted, int recordCount, ReadOnlySpan<byte> payload)
    {
        var frame = new byte[HeaderLength + payload.Length];
        WriteHeader(frame, encrypted, trId, recordCount);
        payload.CopyTo(frame.AsSpan(HeaderLength));
        return frame;
    }

    /// <summary>
    /// One whole WebSocket text frame (unmasked, as a server sends) of <paramref name="recordCount"/> plain records
    /// joined by <c>^</c>: what an instrument's tape keeps, so every subscribed session sends the same bytes.
    /// </summary>
    public static byte[] ToWebSocketFrame(TrId trId, int recordCount, ReadOnlySpan<byte> records)
    {
        var payloadLength = HeaderLength + records.Length;
        var header = WebSocketFrameHeader.LengthFor(payloadLength, masked: false);
        var frame = new byte[header + payloadLength];
        WebSocketFrameHeader.Write(frame, WebSocketOpcode.Text, payloadLength);
        WriteHeader(frame.AsSpan(header), encrypted: false, trId, recordCount);
        records.CopyTo(frame.AsSpan(header + HeaderLength));
        return frame;
    }
}
