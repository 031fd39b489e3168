using System.Text;
using Kis.Realtime.Benchmarks;

namespace Kis.Realtime.Tests.Replay;

/// <summary>
/// KisRecordingFolder reads lines ahead a block at a time: every message still comes once, in file order, with its
/// receive time (across blocks, days and a message longer than a block), and the caller's cancellation is seen at once.
/// </summary>
public class RecordingFolderReadAheadTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 23, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Many_blocks_two_days_and_a_message_longer_than_a_block_come_once_in_order()
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
        await foreach (var message in new KisRecordingFolder(dir).ReadAsync(new ReplayQuery()))
            read.Add((message.ReceivedAt, Encoding.ASCII.GetString(message.Data.Span)));
        Assert.Equal(written, read);
    }

    [Fact]
    public async Task A_cancelled_reading_stops_at_the_next_message_not_at_the_end_of_a_block()
    {
        var dir = Cli.CliTestKit.EmptyDirectory();
        using (var recording = new SyntheticRecording(dir))
            for (var i = 0; i < 1_000; i++) recording.Add(Start.AddMilliseconds(i), Encoding.ASCII.GetBytes($"0|H0UPCNT0|001|0001^{i}"));

        using var cancel = new CancellationTokenSource();
        var seen = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in new KisRecordingFolder(dir).ReadAsync(new ReplayQuery(), cancel.Token))
                if (++seen == 10) cancel.Cancel();
        });
        Assert.Equal(10, seen);
    }

    [Fact]
    public async Task Frames_of_TRs_the_query_does_not_want_are_left_out_but_replies_and_malformed_messages_come()
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
            await foreach (var message in new KisRecordingFolder(dir).ReadAsync(query)) read.Add(Encoding.ASCII.GetString(message.Data.Span));
            return read;
        }

        Assert.Equal([lines[0], lines[1], lines[4], lines[5], lines[6]], await Read(new ReplayQuery(TrIds: new HashSet<string> { "H0STCNT0" })));
        Assert.Equal(lines, await Read(new ReplayQuery())); // no TRs asked: everything
        Assert.Equal(lines, await Read(new ReplayQuery(TrIds: new HashSet<string> { "H0STCNT0", "not a TR id" }))); // not TR ids: no filter
    }
}
