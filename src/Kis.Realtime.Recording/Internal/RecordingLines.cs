using System.Buffers;
using System.Globalization;
using Kis.Realtime.Formatting;
using Kis.Realtime.Protocol;

namespace Kis.Realtime.Internal;

/// <summary>
/// A recording folder's lines, one day's file after the other, parsed into messages and put into blocks a block at a
/// time (<see cref="Fill"/>): the one reader behind <see cref="KisRecordingFolder.ReadAsync"/>, whether that reads
/// ahead on a thread of its own or on the caller's. A line that cannot be read is counted through
/// <paramref name="countSkipped"/> with its file and line.
/// </summary>
internal sealed class RecordingLines(string directory, IReadOnlyList<DateOnly> days, TrId[]? wanted, int maxLineLength,
    Action<RecordingLocation, string> countSkipped) : IDisposable
{
    private const string DayFormat = "yyyy-MM-dd";
    private readonly ArrayBufferWriter<byte> _scratch = new(4096);
    private int _day = -1;
    private FileStream? _stream;
    private ByteLineReader? _reader;
    private RecordingLocation _source;
    private DateTimeOffset? _previous; // the last receive time read: a damaged line's stand-in
    private RecordedMinute _minute; // its minute, which the next lines mostly share (parsed once)
    // The message that did not fit into the last block filled: the first of the next (a copy: the line is gone by then).
    private (DateTimeOffset At, RecordingLocation Source, byte[] Message)? _carried;

    /// <summary>
    /// Fills an empty block with the next messages, until it is full or the recording ends: false when no message was
    /// left (the block stays empty). The messages are copied into the block, so they outlive the lines they came from.
    /// </summary>
    public bool Fill(MessageBlocks.Block block)
    {
        if (_carried is { } carried)
        {
            block.Add(carried.At, carried.Source, carried.Message);
            _carried = null;
        }
        while (true)
        {
            if (_reader is null && !OpenNextDay()) return block.Count > 0;
            var read = Next(_reader!, out var receivedAt, out var message);
            if (read == LineRead.End)
            {
                CloseDay();
                continue;
            }
            if (read is LineRead.Skipped or LineRead.Unwanted || (read == LineRead.Message && !Wanted(message, wanted))
                || block.TryAdd(receivedAt, _source, message)) continue;
            _carried = (receivedAt, _source, message.ToArray()); // an empty block takes any message: this one is full
            return true;
        }
    }

    public void Dispose() => CloseDay();

    private bool OpenNextDay()
    {
        if (++_day >= days.Count) return false;
        var file = Path.Combine(days[_day].ToString(DayFormat, CultureInfo.InvariantCulture), RawRecorder.RawFileName); // as a person finds it
        // Shared for writing: a recorder may still be appending to today's file. Sequential: the kernel reads further
        // ahead (a cold recording comes from disk). 1 MB reads instead of the line reader's 64 KB showed no gain where
        // the kernel read 8 MB ahead, and put their buffers on the LOH.
        _stream = new FileStream(Path.Combine(directory, file), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0,
            FileOptions.SequentialScan);
        _reader = new ByteLineReader(_stream, maxLineLength: maxLineLength);
        _source = new RecordingLocation(file, 0);
        return true;
    }

    private void CloseDay()
    {
        _stream?.Dispose();
        (_stream, _reader) = (null, null);
    }

    /// <summary>
    /// False for a well-formed data frame of a TR the query does not want (the hint <see cref="ReplayQuery.TrIds"/>): it
    /// is left here, not copied and handed to a replay that would parse its header only to skip it. Control messages
    /// and anything malformed go on (the replay learns notice keys from the first and counts the second).
    /// </summary>
    private static bool Wanted(ReadOnlySpan<byte> message, TrId[]? wanted) =>
        wanted is null || !DataFrame.TryParse(message, out var frame, out _) || Array.IndexOf(wanted, frame.TrId) >= 0;

    // WantedFrame: a data frame whose header was read before the full parse and names a wanted TR (not checked again).
    private enum LineRead { Message, WantedFrame, Skipped, Unwanted, End }

    /// <summary>Reads one line (<see cref="_source"/> moves to it); <paramref name="message"/> is valid until the next call.</summary>
    private LineRead Next(ByteLineReader reader, out DateTimeOffset receivedAt, out ReadOnlySpan<byte> message)
    {
        receivedAt = default;
        message = default;
        var status = reader.Read(out var line);
        if (status == ByteLineReader.LineStatus.End) return LineRead.End;
        _source = _source with { Line = _source.Line + 1 }; // one Read is one line, a skipped long one too
        if (status == ByteLineReader.LineStatus.TooLong)
        {
            countSkipped(_source, $"line of {reader.SkippedLength:N0} bytes, longer than the {maxLineLength:N0} read");
            return LineRead.Skipped;
        }
        if (line.IsEmpty) return LineRead.Skipped;
        // Half a folder's lines may be other TRs' frames: recognised by their header, their time not parsed.
        var wantedFrame = false;
        if (wanted is not null && RawMessageLine.TryReadFrameTrId(line, out var trId))
        {
            if (Array.IndexOf(wanted, trId) < 0) return LineRead.Unwanted;
            wantedFrame = true;
        }
        message = RawMessageLine.Parse(line, _scratch, ref _minute, out var at);
        if (at is null)
        {
            countSkipped(_source, "receive time unreadable"); // a recording always has receive times; a bare line is not one of its lines
            // A recorded line whose time is damaged still holds its message: kept (counted once, above), received when the
            // line before it was, as a recording is in received order. With no line before it there is no such time.
            if (_previous is not { } before) return LineRead.Skipped;
            message = RawMessageLine.MessageOfUnreadableTime(line, _scratch);
            if (message.IsEmpty) return LineRead.Skipped;
            receivedAt = before;
            return wantedFrame ? LineRead.WantedFrame : LineRead.Message;
        }
        _previous = at;
        receivedAt = at.Value;
        return wantedFrame ? LineRead.WantedFrame : LineRead.Message;
    }
}
