using System.Reflection;
using Kis.Realtime.Internal;

namespace Kis.Realtime.Tests.Replay;

/// <summary>
/// The lifetime of an unpaced replay's decoding (one task or parallel workers): statistics while it runs and when it
/// stops, a source that fails at once, a cancellation between two records, and the slots a stopped router leaves.
/// </summary>
public class ParallelDecodeLifetimeTests
{
    private static readonly IReadOnlySet<string> TickTrs = new HashSet<string> { KisTrs.IndexTicks.Id };

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public async Task A_running_parallel_replay_counts_the_records_it_received(int workers)
    {
        await using var replay = new KisReplayClient(new TickSource(alwaysReady: true), new KisReplayOptions { DecodeWorkers = workers });
        var taken = 0;
        await foreach (var tick in replay.SubscribeAsync<IndexTick>(KisTrs.IndexTicks, "0001"))
        {
            if (++taken < 20_000) continue;
            // Every record handed out was decoded from a record received: a worker's counts must not wait for the end.
            var statistics = replay.Statistics;
            Assert.True(statistics.RecordsDelivered > 10_000, $"{statistics.RecordsDelivered} delivered");
            Assert.True(statistics.RecordsReceived >= statistics.RecordsDelivered,
                $"{statistics.RecordsReceived} received, {statistics.RecordsDelivered} delivered");
            break;
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task A_source_that_throws_when_asked_to_read_leaves_no_registration(int workers)
    {
        await using var replay = new KisReplayClient(new ThrowingSource(), new KisReplayOptions { DecodeWorkers = workers });
        await Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            await foreach (var _ in replay.SubscribeAsync<IndexTick>(KisTrs.IndexTicks, "0001")) { }
        });
        Assert.Equal(0, replay.Statistics.Registrations);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task A_cancellation_between_two_records_faults_the_next_move_with_statistics_exact(int workers)
    {
        var source = new TickSource(alwaysReady: true);
        await using var replay = new KisReplayClient(source, new KisReplayOptions { DecodeWorkers = workers });
        using var cancel = new CancellationTokenSource();
        var ticks = replay.SubscribeAsync<IndexTick>(KisTrs.IndexTicks, "0001").GetAsyncEnumerator(cancel.Token);
        try
        {
            Assert.True(await ticks.MoveNextAsync());
            Assert.True(await ticks.MoveNextAsync()); // the second record of the first batch: taken without an await
            await cancel.CancelAsync();

            // As an async iterator does: the failure comes through the ValueTask, after the replay stopped.
            var next = ticks.MoveNextAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await next);
            Assert.True(source.Disposed);
            Assert.Equal(0, replay.Statistics.Registrations);
            Assert.Equal(2, replay.Statistics.RecordsDelivered);
            Assert.False(await ticks.MoveNextAsync()); // stopped: no more records, no second failure
        }
        finally
        {
            await ticks.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_router_stopped_while_waiting_for_a_slot_hands_on_no_slot_twice()
    {
        const int workers = 2;
        var source = new TickSource(alwaysReady: true);
        await using var replay = new KisReplayClient(source);
        var parallel = new ParallelDecodedBatches<IndexTick, TypedReplayDecoder<IndexTick>>(workers, new GapChecks(replay.Gaps, "0001"), detectGaps: false);
        ReplayCursor<IndexTick, TypedReplayDecoder<IndexTick>> Cursor() => new(replay, TickTrs, "0001", default);
        using var stop = new CancellationTokenSource();
        var running = parallel.RunAsync(Cursor(), [Cursor(), Cursor()], source.ReadAsync(new ReplayQuery(null, null, TickTrs), stop.Token), stop.Token);

        // Nobody takes the slots: the router fills them all, reads one message more and waits for a free slot.
        var bound = ParallelDecodedBatches<IndexTick, TypedReplayDecoder<IndexTick>>.MaxMessagesAhead(workers);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline && source.Pulled < bound) await Task.Yield();
        Assert.Equal(bound, source.Pulled);
        await stop.CancelAsync();
        await running;

        // Every slot is somewhere once: a slot handed on twice would be decoded twice (concurrently, and counted twice).
        var slots = new List<object>();
        foreach (var field in new[] { "_toWorker", "_fromWorker" })
            foreach (var channel in (Array)typeof(ParallelDecodedBatches<IndexTick, TypedReplayDecoder<IndexTick>>)
                         .GetField(field, BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(parallel)!)
                slots.AddRange(Drain(channel!).Where(slot => !(bool)slot.GetType().GetProperty("IsEnd")!.GetValue(slot)!));
        Assert.Equal(workers * ParallelDecodedBatches<IndexTick, TypedReplayDecoder<IndexTick>>.SlotsPerWorker, slots.Count);
        Assert.Equal(slots.Count, slots.Distinct(ReferenceEqualityComparer.Instance).Count());
    }

    private static List<object> Drain(object channel)
    {
        var reader = channel.GetType().GetProperty("Reader")!.GetValue(channel)!;
        var tryRead = reader.GetType().GetMethod("TryRead")!;
        var items = new List<object>();
        var args = new object?[1];
        while ((bool)tryRead.Invoke(reader, args)!) items.Add(args[0]!);
        return items;
    }

    /// <summary>A source written without an iterator, which checks its query before returning a reader.</summary>
    private sealed class ThrowingSource : KisRecordingSource
    {
        public override string Description => "throwing";

        public override IAsyncEnumerable<RecordedMessage> ReadAsync(ReplayQuery query, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException("no recording here");
    }
}
