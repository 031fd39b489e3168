using Kis.Realtime.Simulator;
using Kis.Realtime.Tests.Cli;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Replay;

/// <summary>
/// A service records a session with the library alone (no kisrt): KisFileRecorder writes the `kisrt record` layout and
/// KisReplayClient gives back what the live loops saw, notices included (their keys come from the recorded replies).
/// </summary>
public class FileRecorderTests
{
    [Fact]
    public async Task A_session_recorded_by_the_library_replays_as_the_live_loops_saw_it()
    {
        await using var sim = await StartSimAsync(o => o with { Pace = MarketPace.PerSecond(400) });
        var dir = CliTestKit.EmptyDirectory();
        List<IndexTick> liveTicks;
        List<FuturesOptionsNotice> liveNotices;
        KisFileRecording written;
        await using (var client = new KisRealtimeClient(Options(sim)))
        {
            using var stop = new CancellationTokenSource();
            var recording = KisFileRecorder.RecordAsync(client, dir, cancellationToken: stop.Token);
            liveTicks = await TakeAsync(client.SubscribeIndexTicksAsync("0001"), 40);
            liveNotices = await TakeAsync(client.SubscribeFuturesOptionsNoticesAsync(SimulatorOptions.DefaultHtsId), 5);
            stop.Cancel(); // ends the recording normally: what was received is written and synced
            written = await recording.WaitAsync(TestTimeout);
        }

        Assert.True(written.Records >= liveTicks.Count + liveNotices.Count, $"{written}");
        Assert.Equal(0, written.DecodeErrors);
        await using IKisRealtimeClient replay = new KisReplayClient(new KisRecordingFolder(dir));
        var ticks = await TakeAsync(replay.SubscribeIndexTicksAsync("0001"), liveTicks.Count);
        var notices = await TakeAsync(replay.SubscribeFuturesOptionsNoticesAsync(SimulatorOptions.DefaultHtsId), liveNotices.Count);
        Assert.Equal(liveTicks, ticks);
        Assert.Equal(liveNotices, notices); // decrypted again with the keys of the recorded subscribe replies
    }

    [Fact]
    public async Task Bad_arguments_are_refused_before_anything_is_tapped()
    {
        await using var sim = await StartSimAsync();
        await using var client = new KisRealtimeClient(Options(sim));
        await Assert.ThrowsAsync<ArgumentException>(() => KisFileRecorder.RecordAsync(client, ""));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() =>
            KisFileRecorder.RecordAsync(client, CliTestKit.EmptyDirectory(), KisFileRecorderOptions.Default with { SyncInterval = TimeSpan.Zero }));
    }

    private static async Task<List<T>> TakeAsync<T>(IAsyncEnumerable<T> source, int count)
    {
        var items = new List<T>(count);
        using var timeout = new CancellationTokenSource(TestTimeout);
        await foreach (var item in source.WithCancellation(timeout.Token))
        {
            items.Add(item);
            if (items.Count == count) break;
        }
        return items;
    }
}
