using System.Globalization;
using System.Runtime.CompilerServices;
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

    /// <summary>
    /// Whether <see cref="ReadAsync"/> reads and parses the lines ahead on a thread of its own (the default: a replay or
    /// backtest as fast as possible uses two cores) or on the caller's thread as it asks for messages (one core, no
    /// hand-off between threads: for many backtests side by side, one a core, or a machine with one core to give).
    /// </summary>
    public bool ReadAhead { get; init; } = true;

    /// <inheritdoc/>
    /// <remarks>
    /// The lines are read and parsed a block at a time (<see cref="MessageBlocks"/>). With <see cref="ReadAhead"/> a
    /// task of its own fills the next blocks while the caller decodes the one before. Order is the files' order. Data
    /// frames of TRs not in <see cref="ReplayQuery.TrIds"/> are left out (read and recognised, not handed on).
    /// </remarks>
    public override async IAsyncEnumerable<RecordedMessage> ReadAsync(ReplayQuery query, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        DateOnly? first = query.From is { } from ? KoreaTime.DateOf(from) : null;
        DateOnly? last = query.To is { } to ? KoreaTime.DateOf(to) : null;
        var days = Days().Where(day => !(day < first || day > last)).ToList();
        var lines = new RecordingLines(_directory, days, WantedTrs(query.TrIds), _maxLineLength, CountSkipped);
        if (!ReadAhead)
        {
            using (lines)
            {
                var block = new MessageBlocks.Block();
                while (lines.Fill(block))
                {
                    for (var i = 0; i < block.Count; i++)
                    {
                        cancellationToken.ThrowIfCancellationRequested(); // a cancelled replay stops at the next message
                        yield return block[i];
                    }
                    block.Clear(); // its last message is no longer valid: the caller moved on
                }
            }
            yield break;
        }
        var blocks = new MessageBlocks();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var reading = Task.Run(() => ReadAheadAsync(lines, blocks, stop.Token), CancellationToken.None);
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

    /// <summary>Fills the free blocks as the replay gives them back, until the recording ends or the replay stops.</summary>
    private static async Task ReadAheadAsync(RecordingLines lines, MessageBlocks blocks, CancellationToken cancellationToken)
    {
        try
        {
            using (lines)
            {
                while (true)
                {
                    var block = await blocks.TakeFreeAsync(cancellationToken).ConfigureAwait(false);
                    if (!lines.Fill(block)) break;
                    blocks.HandOn(block);
                }
            }
            blocks.Complete();
        }
        catch (Exception e)
        {
            blocks.Complete(e); // the replay sees the failure (a cancellation too, though then nobody reads any more)
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
}
