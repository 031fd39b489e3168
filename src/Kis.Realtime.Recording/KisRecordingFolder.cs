using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
using Kis.Realtime.Formatting;
using Kis.Realtime.Replay;

namespace Kis.Realtime.Recording;

/// <summary>
/// A folder written by <c>kisrt record --out DIR</c> (or <see cref="RawRecorder"/>) as a recording to replay:
/// <c>DIR/yyyy-MM-dd/raw.log</c>, one KST trading day a folder, read line by line in file order (received order).
/// Streaming: one line in memory at a time, whatever the size of a day. A line that cannot be read (too long, no
/// receive time) is skipped and counted (<see cref="KisRecordingSource.Skipped"/>); a torn last line left by a killed
/// recorder is simply incomplete and is read as it is (it fails to decode and is counted by the replay).
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
    public override async IAsyncEnumerable<RecordedMessage> ReadAsync(ReplayQuery query, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        DateOnly? first = query.From is { } from ? TradingDayOf(from) : null;
        DateOnly? last = query.To is { } to ? TradingDayOf(to) : null;
        var scratch = new ArrayBufferWriter<byte>(4096);
        var message = new byte[4096]; // the current message: RecordedMessage.Data is valid until the next one
        foreach (var day in Days())
        {
            if (day < first || day > last) continue;
            var path = Path.Combine(_directory, day.ToString(DayFormat, CultureInfo.InvariantCulture), RawRecorder.RawFileName);
            // Shared for writing: a recorder may still be appending to today's file.
            await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0);
            var reader = new ByteLineReader(file, maxLineLength: _maxLineLength);
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (!TryNext(reader, scratch, ref message, out var receivedAt, out var length, out var end))
                {
                    if (end) break;
                    continue;
                }
                yield return new RecordedMessage(receivedAt, 0, message.AsMemory(0, length));
            }
        }
    }

    /// <summary>Reads one line into <paramref name="message"/>; false at the end or for a line skipped (counted).</summary>
    private bool TryNext(ByteLineReader reader, ArrayBufferWriter<byte> scratch, ref byte[] message, out DateTimeOffset receivedAt,
        out int length, out bool end)
    {
        receivedAt = default;
        length = 0;
        end = false;
        switch (reader.Read(out var line))
        {
            case ByteLineReader.LineStatus.End:
                end = true;
                return false;
            case ByteLineReader.LineStatus.TooLong:
                CountSkipped();
                return false;
        }
        if (line.IsEmpty) return false;
        var data = RawMessageLine.Parse(line, scratch, out var at);
        if (at is null)
        {
            CountSkipped(); // a recording always has receive times; a bare line is not one of its lines
            return false;
        }
        if (message.Length < data.Length) message = new byte[Math.Max(data.Length, message.Length * 2)];
        data.CopyTo(message);
        receivedAt = at.Value;
        length = data.Length;
        return true;
    }
}
