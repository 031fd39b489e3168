using System.Text;
using Kis.Realtime.Benchmarks;

namespace Kis.Realtime.Tests.Replay;

/// <summary>
/// KisRecordingFolder reads lines a block at a time, ahead on a task of its own or (ReadAhead false) on the caller's
/// thread: either way every message comes once, in file order, with its receive time (across blocks, days and a message
/// longer than a block), and the caller's cancellation is seen at once.
/// </summary>
public class RecordingFolderReadAheadTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 23, 0, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Many_blocks_two_days_and_a_message_longer_than_a_block_come_once_in_order(bool readAhead)
    {
        var dir = Cli.CliTestKit.EmptyDirectory();
        var written = new List<(DateTimeOffset At, string Text)>();
        using (var recording = new SyntheticRecording(dir))
        {
            // 3 × 2,048 messages a day (more than the blocks in circulation), the second day a day later, and one
            // message of 600 KB (more than a block's 256 KB) in the middle of the first.
            for (var day = 0; day < 2; day++)
            {
                for (var i = 0; i < 6_500; i++)
                {
                    var at = Start.AddDays(day).AddMilliseconds(i);
                    var text = i == 3_000 && day == 0 ? "0|H0UPCNT0|001|" + new string('7', 600_000) : $"0|H0UPCNT0|001|0001^{day}^{i}";
                    recording.Add(at, Encoding.ASCII.GetBytes(text));
                    written.Add((at, text));
                }
            }
        }

        var read = new List<(DateTimeOffset, string)>();
        await foreach (var message in new KisRecordingFolder(dir) { ReadAhead = readAhead }.ReadAsync(new ReplayQuery()))
            read.Add((message.ReceivedAt, Encoding.ASCII.GetString(message.Data.Span)));
        Assert.Equal(written, read);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_cancelled_reading_stops_at_the_next_message_not_at_the_end_of_a_block(bool readAhead)
    {
        var dir = Cli.CliTestKit.EmptyDirectory();
        using (var recording = new SyntheticRecording(dir))
            for (var i = 0; i < 1_000; i++) recording.Add(Start.AddMilliseconds(i), Encoding.ASCII.GetBytes($"0|H0UPCNT0|001|0001^{i}"));

        using var cancel = new CancellationTokenSource();
        var seen = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in new KisRecordingFolder(dir) { ReadAhead = readAhead }.ReadAsync(new ReplayQuery(), cancel.Token))
                if (++seen == 10) cancel.Cancel();
        });
        Assert.Equal(10, seen);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Frames_of_TRs_the_query_does_not_want_are_left_out_but_replies_and_malformed_messages_come(bool readAhead)
    {
        var dir = Cli.CliTestKit.EmptyDirectory();
        string[] lines =
        [
            """{"header":{"tr_id":"H0STASP0","tr_key":"005930","encrypt":"N"},"body":{"rt_cd":"0","msg_cd":"OPSP0000"}}""",
            "0|H0STCNT0|001|005930^1",
            "0|H0STASP0|001|005930^2", // another TR: left out
            "1|H0STASP0|001|ciphertext", // encrypted, another TR: left out
            "0|H0STASP0|x|005930^3", // malformed header: the replay counts it
            "0|H0STCNT0|002|005930^4^005930^5",
            "garbage",
        ];
        using (var recording = new SyntheticRecording(dir))
            for (var i = 0; i < lines.Length; i++) recording.Add(Start.AddMilliseconds(i), Encoding.ASCII.GetBytes(lines[i]));

        async Task<List<string>> Read(ReplayQuery query)
        {
            var read = new List<string>();
            await foreach (var message in new KisRecordingFolder(dir) { ReadAhead = readAhead }.ReadAsync(query)) read.Add(
                Encoding.ASCII.GetString(message.Data.Span));
            return read;
        }

        Assert.Equal([lines[0], lines[1], lines[4], lines[5], lines[6]], await Read(new ReplayQuery(TrIds: new HashSet<string> { "H0STCNT0" })));
        Assert.Equal(lines, await Read(new ReplayQuery())); // no TRs asked: everything
        Assert.Equal(lines, await Read(new ReplayQuery(TrIds: new HashSet<string> { "H0STCNT0", "not a TR id" }))); // not TR ids: no filter
    }

    [Fact]
    public async Task Without_read_ahead_every_message_is_read_on_the_callers_thread_with_no_wait()
    {
        var dir = Cli.CliTestKit.EmptyDirectory();
        using (var recording = new SyntheticRecording(dir))
            for (var i = 0; i < 5_000; i++) recording.Add(Start.AddMilliseconds(i), Encoding.ASCII.GetBytes($"0|H0UPCNT0|001|0001^{i}"));

        // One core's backtests, side by side: no thread of the folder's own, so no step ever waits for one (a read ahead
        // is a hand-off between threads, seen as a MoveNextAsync that has not completed yet).
        await using var messages = new KisRecordingFolder(dir) { ReadAhead = false }.ReadAsync(new ReplayQuery()).GetAsyncEnumerator();
        var read = 0;
        while (true)
        {
            var next = messages.MoveNextAsync();
            Assert.True(next.IsCompleted, $"message {read + 1} was not read at once");
            if (!await next) break;
            Assert.Equal($"0|H0UPCNT0|001|0001^{read}", Encoding.ASCII.GetString(messages.Current.Data.Span));
            read++;
        }
        Assert.Equal(5_000, read);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Unreadable_lines_are_counted_with_their_file_and_line_and_a_damaged_time_keeps_its_message(bool readAhead)
    {
        var dir = Cli.CliTestKit.EmptyDirectory();
        var day = Path.Combine(dir, "2026-11-23");
        Directory.CreateDirectory(day);
        await File.WriteAllTextAsync(Path.Combine(day, "raw.log"), string.Join('\n',
            "2026-11-23T00:00:00.0000000Z\t0|H0UPCNT0|001|0001^1",
            "2026-11-23T00:00:01.0000000Z\t0|H0UPCNT0|001|" + new string('9', 200), // longer than the 100 bytes read
            "2026-11-23Tgarbage\t0|H0UPCNT0|001|0001^3", // a damaged time: kept, received when the line before it was
            "2026-11-23T00:00:03.0000000Z\t0|H0UPCNT0|001|0001^4") + "\n");

        var folder = new KisRecordingFolder(dir, maxLineLength: 100) { ReadAhead = readAhead };
        var read = new List<(DateTimeOffset, string)>();
        await foreach (var message in folder.ReadAsync(new ReplayQuery()))
            read.Add((message.ReceivedAt, $"{Encoding.ASCII.GetString(message.Data.Span)} @{message.Source.Line}"));

        Assert.Equal([(Start, "0|H0UPCNT0|001|0001^1 @1"), (Start, "0|H0UPCNT0|001|0001^3 @3"), (Start.AddSeconds(3), "0|H0UPCNT0|001|0001^4 @4")], read);
        Assert.Equal(2, folder.Skipped);
        Assert.Equal(["2026-11-23/raw.log:2", "2026-11-23/raw.log:3"], folder.FirstSkipped.Select(s => s.Location.ToString()));
    }
}
