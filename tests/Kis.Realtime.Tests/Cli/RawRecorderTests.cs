using System.Text;
using System.Threading.Channels;
using Kis.Realtime.Cli.Commands;
using Kis.Realtime.Internal;
using static Kis.Realtime.Tests.Cli.CliTestKit;

namespace Kis.Realtime.Tests.Cli;

public class RawRecorderTests
{
    private static RawMessage Ping(int i) => new(DateTimeOffset.UtcNow, 0,
        Encoding.ASCII.GetBytes("{\"header\":{\"tr_id\":\"PINGPONG\",\"datetime\":\"20261122" + (i % 1000000).ToString("D6") + "\"}}"));

    [Fact]
    public async Task A_full_queue_holds_the_session_back_once_until_the_writer_has_written_it_down_to_half()
    {
        var dir = EmptyDirectory();
        var recorder = new RawRecorder(dir, new RecorderLimits(QueueLimitBytes: 10_000, BatchBytes: 1_000, SyncInterval: TimeSpan.FromSeconds(1)));
        var tap = Channel.CreateUnbounded<RawMessage>();
        var messages = Enumerable.Range(0, 300).Select(Ping).ToList();
        foreach (var m in messages) tap.Writer.TryWrite(m);
        tap.Writer.Complete();
        await RawRecorder.DrainAsync(tap.Reader.ReadAllAsync().GetAsyncEnumerator(), recorder.Queue).WaitAsync(CliTimeout);
        var total = messages.Sum(m => (long)m.Data.Length);
        Assert.Equal(total, recorder.Queue.QueuedBytes);

        // Over the limit and nothing written yet: every pump waits, in one counted episode.
        var first = recorder.Queue.WaitForRoomAsync(CancellationToken.None).AsTask();
        var second = recorder.Queue.WaitForRoomAsync(CancellationToken.None).AsTask();
        Assert.False(first.IsCompleted);
        Assert.False(second.IsCompleted);
        Assert.Equal(1, recorder.Queue.Waits);
        Assert.Equal(0, recorder.WrittenMessages);

        var writer = recorder.WriteAsync();
        await Task.WhenAll(first, second).WaitAsync(CliTimeout);
        await writer.WaitAsync(CliTimeout);

        Assert.Equal(300, recorder.WrittenMessages);
        Assert.Equal(300, recorder.SyncedMessages);
        Assert.Equal(0, recorder.Queue.QueuedBytes);
        Assert.Equal(total, recorder.Queue.PeakBytes);
        Assert.True(recorder.Queue.WaitForRoomAsync(CancellationToken.None).IsCompletedSuccessfully);
        Assert.Equal(1, recorder.Queue.Waits);
        var raw = File.ReadAllLines(Path.Combine(Assert.Single(Directory.GetDirectories(dir)), RecordCommand.RawFileName));
        Assert.Equal(messages.Select(m => Encoding.ASCII.GetString(m.Data.Span)), raw.Select(l => l[(l.IndexOf('\t') + 1)..]));
    }

    [Fact]
    public async Task Under_the_limit_nobody_waits_and_a_waiting_pump_can_be_cancelled()
    {
        var recorder = new RawRecorder(EmptyDirectory(), new RecorderLimits(100, 1_000, TimeSpan.FromSeconds(1)));
        Assert.True(recorder.Queue.WaitForRoomAsync(CancellationToken.None).IsCompletedSuccessfully);

        var tap = Channel.CreateUnbounded<RawMessage>();
        for (var i = 0; i < 5; i++) tap.Writer.TryWrite(Ping(i));
        tap.Writer.Complete();
        await RawRecorder.DrainAsync(tap.Reader.ReadAllAsync().GetAsyncEnumerator(), recorder.Queue);
        using var cancel = new CancellationTokenSource();
        var waiting = recorder.Queue.WaitForRoomAsync(cancel.Token).AsTask();
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(CliTimeout));
    }
}
