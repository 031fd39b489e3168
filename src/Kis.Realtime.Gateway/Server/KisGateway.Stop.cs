using Kis.Realtime.Gateway.Internal;

namespace Kis.Realtime.Gateway;

/// <summary>
/// A stop within a budget (issue 72, findings 2 and 3: a SIGTERM gives <c>kisrt gateway</c> 30 s, and a stop that waited
/// for confirms and closes past it was killed with no summary), the same for a lone gateway and a fleet shard's term
/// (<see cref="StopBudget"/>): what it had not got confirmed when the budget ran short is
/// <see cref="GatewayStatus.StopDropped"/>, and nothing of the run is published after the stop.
/// </summary>
public sealed partial class KisGateway
{
    /// <summary>
    /// Stops within <paramref name="budget"/> (<see cref="Timeout.InfiniteTimeSpan"/>: as <see cref="DisposeAsync"/>, after
    /// up to 10 s for the confirms): releases every registration and closes the KIS sessions (their last records still
    /// published), waits for the broker's confirms until shortly before the budget ends (5 s, at most half of it), then
    /// fences the publisher and counts what was not confirmed as <see cref="GatewayStatus.StopDropped"/>. A close still under
    /// way when the budget ends goes on in the background behind a fenced publisher (nothing of the run is published after
    /// the stop, whoever holds the lock next); <see cref="Status"/> then counts the records as they stand. Either way
    /// <see cref="GatewayStatus.Received"/> is final once it returns: what a KIS session still closing delivers later is not
    /// taken (the next run announces it as part of its gap), so a summary of the stop counts every record it received.
    /// </summary>
    public async ValueTask StopAsync(TimeSpan budget)
    {
        var stopBy = StopBudget.EndOf(budget);
        // KIS first: what its releases still deliver reaches the publisher, which confirms it with the rest.
        var closing = CloseKisOnceAsync(waitForRequests: true);
        var left = StopBudget.Left(stopBy);
        await StopBudget.EndsWithinAsync(closing, left == Timeout.InfiniteTimeSpan ? left : StopBudget.ConfirmWindow(left)).ConfigureAwait(false);
        if (await ConfirmOrFenceAsync(StopBudget.Left(stopBy)).ConfigureAwait(false) is { } dropped) StopBudget.LogBound(_logger, dropped);
        var disposing = DisposeAsync().AsTask();
        if (await StopBudget.EndsWithinAsync(disposing, StopBudget.BeforeFence(StopBudget.Left(stopBy))).ConfigureAwait(false))
        {
            _publisher.CloseIntake(); // closed by now: nothing more comes, and none is taken if it did
            await disposing.ConfigureAwait(false); // its failure, if any, is the caller's
            return;
        }
        _ = disposing.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        // Still closing with its confirms in (slow KIS releases, a drain): fenced all the same, as the caller hands the lock
        // over next, and a publisher still publishing then would interleave with the next holder's run.
        if (await StopFenceAsync().ConfigureAwait(false) is long droppedAtEnd and > 0) StopBudget.LogBound(_logger, droppedAtEnd);
        var now = CloseIntake();
        StopBudget.LogUnfinished(_logger, now.Received, now.Received - now.Confirmed - now.Overflowed - now.Fenced - now.StopDropped);
    }

    /// <summary>
    /// The end of a stop's count: from now on the publisher takes no record (those a KIS session still closing delivers are
    /// not received, counted apart as <see cref="NotTakenAfterStop"/> and logged when the close ends); returns the status at
    /// that moment, whose <see cref="GatewayStatus.Received"/> is final. Before, a stop's summary missed what arrived after its
    /// count (39 of 3,219 in a fleet shard's stop whose close outlasted the budget).
    /// </summary>
    internal GatewayStatus CloseIntake() => StatusOf(_publisher.CloseIntake());

    /// <summary>Records handed over after <see cref="CloseIntake"/>: never received (the next run's gap holds them).</summary>
    internal long NotTakenAfterStop => _publisher.NotTaken;

    /// <summary>
    /// A planned end's wait for its confirms (<see cref="StopBudget.ConfirmWindow"/> of <paramref name="left"/>); in a bounded
    /// stop a publisher not done by then is fenced. Returns the records the fence dropped, or null when none was raised here.
    /// </summary>
    internal async Task<long?> ConfirmOrFenceAsync(TimeSpan left)
    {
        var wait = StopBudget.ConfirmWindow(left);
        if (wait > TimeSpan.Zero && await WaitForConfirmsAsync(wait).ConfigureAwait(false)) return null;
        return left == Timeout.InfiniteTimeSpan ? null : await StopFenceAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// A stop's fence: its drops count as <see cref="GatewayStatus.StopDropped"/>, unless the publisher was fenced already
    /// (its lock lost, its run's exchange deleted): that fence's cause stays, decided by the publisher at its first fence.
    /// Before, a stop that checked "not fenced" and then flagged its own fence filed a lock-loss fence raised in between as
    /// dropped at the stop's bound. Returns what this fence dropped, or null when the publisher was fenced before it.
    /// </summary>
    internal async Task<long?> StopFenceAsync()
    {
        if (IsFenced) return null;
        var dropped = await _publisher.FenceAsync(FenceCause.Stop).ConfigureAwait(false);
        return _publisher.FencedBy == FenceCause.Stop ? dropped : null;
    }
}
