using Kis.Realtime.Gateway.PostgreSql.Internal;
using Kis.Realtime.Gateway.Wire;
using Kis.Realtime.Tests.Client;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>
/// What "behind" means for the history writer (issue 45, item 1): records a gateway checkpoint says were confirmed and
/// that are not stored, owed from the moment the checkpoint was read; behind once the oldest is owed for BehindAfter.
/// </summary>
public class HistoryLagTests
{
    private static readonly TimeSpan BehindAfter = TimeSpan.FromSeconds(30);

    private static GatewayCheckpoint Checkpoint(string run, params (string Tr, string Key, long Seq)[] keys) =>
        new(run, 0, 0, [], [.. keys.Select(k => new GatewayCheckpointKey(k.Tr, k.Key, k.Seq, 0))]);

    [Fact]
    public void Nothing_is_owed_before_a_checkpoint_and_the_lag_is_unknown_not_zero()
    {
        var lag = new HistoryLag(new FakeTimeProvider(DateTimeOffset.UnixEpoch)).Snapshot(BehindAfter);
        Assert.Equal((0L, TimeSpan.Zero, false, 0L), (lag.Records, lag.Age, lag.Behind, lag.Checkpoints));
    }

    [Fact]
    public void A_confirmed_record_not_stored_is_owed_from_the_checkpoint_and_behind_after_the_threshold()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var lag = new HistoryLag(clock);
        lag.Stored("H0STCNT0", "005930", "r1", 40);
        lag.Observe(Checkpoint("r1", ("H0STCNT0", "005930", 100), ("H0UPCNT0", "0001", 7)));
        clock.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal((60L + 7, TimeSpan.FromSeconds(29), false),
            (lag.Snapshot(BehindAfter).Records, lag.Snapshot(BehindAfter).Age, lag.Snapshot(BehindAfter).Behind));
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(lag.Snapshot(BehindAfter).Behind);

        // Stored up to the checkpoint: nothing owed, however long ago.
        lag.Stored("H0STCNT0", "005930", "r1", 100);
        lag.Stored("H0UPCNT0", "0001", "r1", 7);
        var caughtUp = lag.Snapshot(BehindAfter);
        Assert.Equal((0L, TimeSpan.Zero, false, 1L), (caughtUp.Records, caughtUp.Age, caughtUp.Behind, caughtUp.Checkpoints));
    }

    [Fact]
    public void The_age_is_the_oldest_owed_records_not_the_newest_checkpoints()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var lag = new HistoryLag(clock);
        lag.Observe(Checkpoint("r1", ("H0UPCNT0", "0001", 10)));
        clock.Advance(TimeSpan.FromSeconds(20));
        lag.Observe(Checkpoint("r1", ("H0UPCNT0", "0001", 50)));
        clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal((50L, TimeSpan.FromSeconds(25)), (lag.Snapshot(BehindAfter).Records, lag.Snapshot(BehindAfter).Age));
        // Past the first checkpoint's record, not the second's: owed since the second.
        lag.Stored("H0UPCNT0", "0001", "r1", 30);
        Assert.Equal((20L, TimeSpan.FromSeconds(5)), (lag.Snapshot(BehindAfter).Records, lag.Snapshot(BehindAfter).Age));
    }

    [Fact]
    public void A_later_runs_record_stored_means_the_earlier_run_was_read_past()
    {
        // A killed run's records past what the writer got were lost with the stream's retention: the writer moved on to
        // the next run's records of the key, so the old run is no longer owed (the gap is a row in gaps, not a lag).
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var lag = new HistoryLag(clock);
        lag.Observe(Checkpoint("r1", ("H0UPCNT0", "0001", 500)));
        lag.Observe(Checkpoint("r2", ("H0UPCNT0", "0001", 3)));
        lag.Stored("H0UPCNT0", "0001", "r2", 3);
        Assert.Equal(0L, lag.Snapshot(BehindAfter).Records);
        // A run no checkpoint named is not known to be later: r1 stays owed.
        var other = new HistoryLag(clock);
        other.Observe(Checkpoint("r1", ("H0UPCNT0", "0001", 500)));
        other.Stored("H0UPCNT0", "0001", "r0", 900);
        Assert.Equal(500L, other.Snapshot(BehindAfter).Records);
    }
}
