using Kis.Realtime.Gateway.Internal;
using Kis.Realtime.Gateway.Wire;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>
/// Issue 72, finding 4: a forward tail read ends when its stream has been quiet for a second; under load the broker can
/// pause that long mid-stream, and what the read had met so far passed for the keys' last records. The checkpoint's latest
/// record of the TR is on the stream, so a window that ended before it did not reach the end (its keys are unknown).
/// </summary>
public sealed class TailWindowReachTests
{
    private const long From = 100; // the read's start, Unix seconds

    private static TailWindow Window(params long[] receivedAt) =>
        new(receivedAt.Select((at, i) => ($"{i:000000}", new StreamTailRecord(i + 1, at, "run-b")))
            .ToDictionary(x => x.Item1, x => x.Item2, StringComparer.Ordinal), receivedAt.Length == 0 ? null : 7, receivedAt.Length);

    [Fact]
    public void A_window_that_ended_before_the_checkpoints_latest_record_did_not_reach_the_end()
    {
        Assert.False(PreviousRunTail.Reached(Window(100_000_000, 101_000_000), From, mustReachMicros: 103_000_000));
    }

    [Fact]
    public void A_window_that_met_the_checkpoints_latest_record_or_later_did()
    {
        Assert.True(PreviousRunTail.Reached(Window(100_000_000, 103_000_000), From, mustReachMicros: 103_000_000));
        Assert.True(PreviousRunTail.Reached(Window(100_000_000, 104_000_000), From, mustReachMicros: 103_000_000));
    }

    [Fact]
    public void An_empty_window_reached_the_end_only_when_the_checkpoint_confirmed_nothing_after_the_reads_start()
    {
        Assert.False(PreviousRunTail.Reached(Window(), From, mustReachMicros: 101_000_000)); // the broker had not begun to deliver
        Assert.True(PreviousRunTail.Reached(Window(), From, mustReachMicros: 99_000_000)); // the TR was quiet since before the read
        Assert.True(PreviousRunTail.Reached(Window(), From, mustReachMicros: null)); // the checkpoint has no record of the TR
    }
}
