
using Kis.Realtime.Internal;

namespace Kis.Realtime.Tests.Replay;

/// <summary>
/// An unpaced replay decodes ahead of the subscriber on a task of its own: what it holds stays bounded, a failure of the
/// source reaches the subscriber after every record before it, and statistics are exact when the loop ends.
/// </summary>
public class ReplayDecodeAheadTests
{
    // One decoding task, and parallel workers (one per core by default; three here also on a smaller machine).
    public static TheoryData<int> Workers => [1, 2, 3];

    [Theory]
    [MemberData(nameof(Workers))]
    public async Task A_subscriber_that_stops_reading_holds_the_decoding_a_few_batches_ahead(int workers)
    {
        var source = new TickSource();
        await using var replay = new KisReplayClient(source, new KisReplayOptions { DecodeWorkers = workers });
        await using var ticks = replay.SubscribeAsync<IndexTick>(KisTrs.IndexTicks, "0001").GetAsyncEnumerator();
        Assert.True(await ticks.MoveNextAsync());

        // The subscriber now waits. Decoding may run ahead by the batches in circulation, no further: a decoder that
        // read on (an unbounded queue) would pull the endless source past this mark within milliseconds.
        var bound = workers == 1
            ? (DecodedBatches<IndexTick>.BatchCount + 1) * DecodedBatches<IndexTick>.BatchRecords
            : ParallelDecodedBatches<IndexTick, TypedReplayDecoder<IndexTick>>.MaxMessagesAhead(workers);
        var deadline = DateTime.UtcNow.AddSeconds(2); // a negative check: how long "never" is watched
        while (DateTime.UtcNow < deadline && source.Pulled <= bound) await Task.Yield();
        Assert.InRange(source.Pulled, 1, bound);
    }

    [Theory]
    [MemberData(nameof(Workers))]
    public async Task A_source_failure_reaches_the_subscriber_after_every_record_before_it_and_counts_stay_exact(int workers)
    {
        var source = new TickSource(failAfter: 5_000);
        await using var replay = new KisReplayClient(source, new KisReplayOptions { DecodeWorkers = workers });
        var seen = 0;
        var failure = await Assert.ThrowsAsync<IOException>(async () =>
        {
            await foreach (var tick in replay.SubscribeAsync<IndexTick>(KisTrs.IndexTicks, "0001")) seen++;
        });
        Assert.Equal("disk gone", failure.Message);
        Assert.Equal(5_000, seen);
        var statistics = replay.Statistics;
        Assert.Equal(5_000, statistics.RecordsDelivered);
        Assert.Equal(5_000, statistics.MessagesReceived);
        Assert.Equal(0, statistics.Registrations);
    }

    [Theory]
    [MemberData(nameof(Workers))]
    public async Task Leaving_the_loop_early_stops_the_source_and_counts_only_what_was_delivered(int workers)
    {
        var source = new TickSource();
        await using var replay = new KisReplayClient(source, new KisReplayOptions { DecodeWorkers = workers });
        var taken = 0;
        await foreach (var tick in replay.SubscribeAsync<IndexTick>(KisTrs.IndexTicks, "0001"))
            if (++taken == 1_234) break;
        Assert.True(source.Disposed); // the source's reader was closed before the loop's disposal returned
        Assert.Equal(1_234, replay.Statistics.RecordsDelivered);
        Assert.Equal(0, replay.Statistics.Registrations);
    }
}
