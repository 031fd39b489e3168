using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
using Kis.Realtime.Formatting;
using Kis.Realtime.Internal;
using Kis.Realtime.Protocol;

namespace Kis.Realtime;

/// <summary>
/// A folder written by <c>kisrt record --out DIR</c> (or <see cref="RawRecorder"/>) as a recording to replay:
/// <c>DIR/yyyy-MM-dd/raw.log</c>, one KST trading day a folder, read line by line in file order (received order).
/// Streaming: a few blocks of lines in memory (read ahead while the replay decodes), whatever the size of a day. A line
/// that cannot be read (too long, no receive time) is skipped and counted (<see cref="KisRecordingSource.Skipped"/>, with
/// its file and line); each message carries its file and line (<see cref="RecordedMessage.Source"/>) for a replay to name
/// the ones that do not decode; one
/// whose receive time is damaged is counted too and keeps its message, received when the line before it was; a
/// torn last line left by a killed recorder is simply incomplete and is read as it is (it fails to decode and is
/// counted by the replay).
/// </summary>
/// <example><code>
/// await using var replay = new KisReplayClient(new KisRecordingFolder("rec"), KisReplayOptions.Default with { Speed = 10 });
/// await foreach (var tick in replay.SubscribeIndexTicksAsync("0001")) Console.WriteLine(tick);
/// </code></example>
public sealed class KisRecordingFolder : KisRecordingSource
{
    private const string DayFormat = "yyyy-MM-dd";
    private readonly string _directory;
    private readonly int _maxLineLength;

    /// <summary>A recording folder.</summary>
    /// <param name="directory">The folder given to <c>kisrt record --out</c>.</param>
    /// <param name="maxLineLength">Longest line read (longer ones are skipped and counted).</param>
    public KisRecordingFolder(string directory, int maxLineLength = ByteLineReader.DefaultMaxLineLength)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxLineLength);
        _directory = directory;
        _maxLineLength = maxLineLength;
    }

    /// <inheritdoc/>
    public override string Description => Path.GetFullPath(_directory);

    /// <summary>The trading days recorded (day folders holding a raw.log), oldest first.</summary>
    public IReadOnlyList<DateOnly> Days()
    {
        if (!Directory.Exists(_directory)) return [];
        var days = new List<DateOnly>();
        foreach (var folder in Directory.EnumerateDirectories(_directory))
            if (DateOnly.TryParseExact(Path.GetFileName(folder), DayFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)
                && File.Exists(Path.Combine(folder, RawRecorder.RawFileName)))
                days.Add(day);
        days.Sort();
        return days;
    }

    /// <inheritdoc/>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    public override Task CheckAsync(CancellationToken cancellationToken = default)
    {
        if (!Directory.Exists(_directory)) throw new DirectoryNotFoundException($"recording folder {Description} does not exist.");
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    /// <remarks>
    /// The lines are read and parsed ahead on a task of their own, a block at a time (<see cref="MessageBlocks"/>), while
    /// the caller decodes the block before: a replay as fast as possible uses two cores. Order is the files' order. Data
    /// frames of TRs not in <see cref="ReplayQuery.TrIds"/> are left out (read and recognised, not handed on).
    /// </remarks>
    public override async IAsyncEnumerable<RecordedMessage> ReadAsync(ReplayQuery query, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        DateOnly? first = query.From is { } from ? TradingDayOf(from) : null;
        DateOnly? last = query.To is { } to ? TradingDayOf(to) : null;
        var days = Days().Where(day => !(day < first || day > last)).ToList();
        var blocks = new MessageBlocks();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var wanted = WantedTrs(query.TrIds);
        var reading = Task.Run(() => ReadAheadAsync(days, wanted, new MessageBlocks.Writer(blocks, stop.Token)), CancellationToken.None);
        try
        {
            while (await blocks.Full.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (blocks.Full.TryRead(out var block))
                {
                    for (var i = 0; i < block.Count; i++)
                    {
                        cancellationToken.ThrowIfCancellationRequested(); // as before: a cancelled replay stops at the next message
                        yield return block[i];
                    }
                    blocks.Return(block); // its last message is no longer valid: the caller moved on
                }
            }
        }
        finally
        {
            // Stopped early (or done): the reader stops at its next block and its file is closed before this returns.
            await stop.CancelAsync().ConfigureAwait(false);
            try
            {
                await reading.ConfigureAwait(false);
            }
            catch (Exception)
            {
                // Its failure, if any, already ended the loop above (the channel completed with it).
            }
        }
    }

    /// <summary>The query's TRs as packed ids; null (keep every frame) when there are none or one is not a TR id.</summary>
    private static TrId[]? WantedTrs(IReadOnlySet<string>? trIds)
    {
        if (trIds is null) return null;
        var ids = new TrId[trIds.Count];
        var i = 0;
        foreach (var id in trIds)
        {
            if (id is not { Length: TrId.Length } || !TrId.TryParse(System.Text.Encoding.ASCII.GetBytes(id), out ids[i++])) return null;
        }
        return ids;
    }

    private async Task ReadAheadAsync(List<DateOnly> days, TrId[]? wanted, MessageBlocks.Writer blocks)
    {
        try
        {
            var scratch = new ArrayBufferWriter<byte>(4096);
            DateTimeOffset? previous = null; // the last receive time read: a damaged line's stand-in
            foreach (var day in days)
            {
                var file = Path.Combine(day.ToString(DayFormat, CultureInfo.InvariantCulture), RawRecorder.RawFileName); // as a person finds it
                var path = Path.Combine(_directory, file);
                // Shared for writing: a recorder may still be appending to today's file.
                // Sequential: the kernel reads further ahead (a cold recording comes from disk). 1 MB reads instead of the line
                // reader's 64 KB showed no gain where the kernel read 8 MB ahead, and put their buffers on the LOH.
                await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0,
                    FileOptions.SequentialScan);
                var reader = new ByteLineReader(stream, maxLineLength: _maxLineLength);
                var source = new RecordingLocation(file, 0);
                while (Next(reader, scratch, wanted, ref previous, ref source, out var receivedAt, out var message) is var read && read != LineRead.End)
                {
                    if (read is LineRead.Skipped or LineRead.Unwanted || (read == LineRead.Message && !Wanted(message, wanted))
                        || blocks.TryAdd(receivedAt, source, message)) continue;
                    await blocks.AddToNextAsync(receivedAt, source, message.ToArray()).ConfigureAwait(false); // once a block: a copy to keep it across the wait
                }
            }
            await blocks.FlushAsync().ConfigureAwait(false);
            blocks.Complete();
        }
        catch (Exception e)
        {
            blocks.Complete(e); // the replay sees the failure (a cancellation too, though then nobody reads any more)
        }
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

    /// <summary>Reads one line (<paramref name="source"/> moves to it); <paramref name="message"/> is valid until the next call.</summary>
    private LineRead Next(ByteLineReader reader, ArrayBufferWriter<byte> scratch, TrId[]? wanted, ref DateTimeOffset? previous,
        ref RecordingLocation source, out DateTimeOffset receivedAt, out ReadOnlySpan<byte> message)
    {
        receivedAt = default;
        message = default;
        var status = reader.Read(out var line);
        if (status == ByteLineReader.LineStatus.End) return LineRead.End;
        source = source with { Line = source.Line + 1 }; // one Read is one line, a skipped long one too
        if (status == ByteLineReader.LineStatus.TooLong)
        {
            CountSkipped(source, $"line of {reader.SkippedLength:N0} bytes, longer than the {_maxLineLength:N0} read");
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
        message = RawMessageLine.Parse(line, scratch, out var at);
        if (at is null)
        {
            CountSkipped(source, "receive time unreadable"); // a recording always has receive times; a bare line is not one of its lines
            // A recorded line whose time is damaged still holds its message: kept (counted once, above), received when the
            // line before it was, as a recording is in received order. With no line before it there is no such time.
            if (previous is not { } before) return LineRead.Skipped;
            message = RawMessageLine.MessageOfUnreadableTime(line, scratch);
            if (message.IsEmpty) return LineRead.Skipped;
            receivedAt = before;
            return wantedFrame ? LineRead.WantedFrame : LineRead.Message;
        }
        previous = at;
        receivedAt = at.Value;
        return wantedFrame ? LineRead.WantedFrame : LineRead.Message;
    }
}
