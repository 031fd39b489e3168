using Kis.Realtime.Gateway.Internal;
using Kis.Realtime.Gateway.Wire;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>
/// A fleet process's takeovers share one forward read of a TR stream (issue 61): each fences at its own time, so each must
/// get the stream as it stood when the read passed its own end, never less (a record of the fenced run missed: a gap
/// stated short) and the read must go on to the last one's end.
/// </summary>
public sealed class TailReadEndTests
{
    private static Dictionary<string, StreamTailRecord> Last(params (string Key, long Seq)[] records) =>
        records.ToDictionary(r => r.Key, r => new StreamTailRecord(r.Seq, 0, "run"), StringComparer.Ordinal);

    [Fact]
    public async Task Each_takeover_gets_the_window_as_it_stood_at_its_own_end_and_the_read_goes_on_to_the_last()
    {
        var end = new TailReadEnd(untilMicros: 100);
        var later = end.TryJoin(200)!;

        // A record received at 150 passes the first end only: the first gets what was read before it, the read goes on.
        Assert.False(end.Passed(150, Last(("A", 1)), first: 10, messages: 1));
        var first = await end.First.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(1, first!.Value.Last["A"].Seq);
        Assert.False(later.IsCompleted);

        // The read notes more (the record at 150 among them); the next record past 200 ends it for the later one.
        Assert.True(end.Passed(250, Last(("A", 2), ("B", 1)), first: 10, messages: 3));
        var second = await later.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal((2L, 1L), (second!.Value.Last["A"].Seq, second.Value.Last["B"].Seq));
        // The first one's window is a copy: what the read noted later does not change it.
        Assert.False(first.Value.Last.ContainsKey("B"));
        Assert.Null(end.TryJoin(300)); // ended: a later takeover reads anew
    }

    [Fact]
    public async Task A_quiet_stream_answers_everyone_still_waiting_and_a_failed_read_answers_unknown()
    {
        var quiet = new TailReadEnd(100);
        var joined = quiet.TryJoin(500)!;
        quiet.Finish(new TailWindow(Last(("A", 7)), 1, 1));
        Assert.Equal(7, (await joined.WaitAsync(TimeSpan.FromSeconds(5)))!.Value.Last["A"].Seq);
        Assert.Equal(7, (await quiet.First.WaitAsync(TimeSpan.FromSeconds(5)))!.Value.Last["A"].Seq);

        var failed = new TailReadEnd(100);
        failed.Finish(null);
        Assert.Null(await failed.First.WaitAsync(TimeSpan.FromSeconds(5)));
        failed.Finish(new TailWindow(Last(("A", 1)), 1, 1)); // once ended, a later finish changes nothing
        Assert.Null(await failed.First);
    }
}
