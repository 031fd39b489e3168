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
    private int _stopFenced; // 1 once a stop's bound fenced the publisher: its fenced records are StopDropped, not a lock's loss

    private bool StopFenced => Volatile.Read(ref _stopFenced) != 0;

    /// <summary>
    /// Stops within <paramref name="budget"/> (<see cref="Timeout.InfiniteTimeSpan"/>: as <see cref="DisposeAsync"/>, after
    /// up to 10 s for the confirms): releases every registration and closes the KIS sessions (their last records still
    /// published), waits for the broker's confirms until shortly before the budget ends (5 s, at most half of it), then
    /// fences the publisher and counts what was not confirmed as <see cref="GatewayStatus.StopDropped"/>. A close still under
    /// way when the budget ends goes on in the background behind a fenced publisher (nothing of the run is published after
    /// the stop, whoever holds the lock next); <see cref="Status"/> then counts the records as they stand.
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
            await disposing.ConfigureAwait(false); // its failure, if any, is the caller's
            return;
        }
        _ = disposing.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        // Still closing with its confirms in (slow KIS releases, a drain): fenced all the same, as the caller hands the lock
        // over next, and a publisher still publishing then would interleave with the next holder's run.
        if (!IsFenced && await StopFenceAsync().ConfigureAwait(false) is > 0 and var droppedAtEnd) StopBudget.LogBound(_logger, droppedAtEnd);
        var now = Status();
        StopBudget.LogUnfinished(_logger, now.Received, now.Received - now.Confirmed - now.Overflowed - now.Fenced - now.StopDropped);
    }

    /// <summary>
    /// A planned end's wait for its confirms (<see cref="StopBudget.ConfirmWindow"/> of <paramref name="left"/>); in a bounded
    /// stop a publisher not done by then is fenced. Returns the records the fence dropped, or null when none was raised here.
    /// </summary>
    internal async Task<long?> ConfirmOrFenceAsync(TimeSpan left)
    {
        var wait = StopBudget.ConfirmWindow(left);
        if (wait > TimeSpan.Zero && await WaitForConfirmsAsync(wait).ConfigureAwait(false)) return null;
        return left == Timeout.InfiniteTimeSpan || IsFenced ? null : await StopFenceAsync().ConfigureAwait(false);
    }

    private Task<long> StopFenceAsync()
    {
        Volatile.Write(ref _stopFenced, 1); // before the fence: a status taken meanwhile never counts its drops as a lock's loss
        return FenceAsync();
    }
}
