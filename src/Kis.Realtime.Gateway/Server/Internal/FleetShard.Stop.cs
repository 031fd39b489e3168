using Microsoft.Extensions.Logging;

namespace Kis.Realtime.Gateway.Internal;

/// <summary>
/// A fleet shard's stop within a budget (<see cref="KisGatewayFleet.StopAsync"/>; issue 72, finding 2: a whole market's
/// backlog outlasted a SIGTERM's 30 s, and the process was killed with no summary). The term's gateway waits for its
/// confirms until <see cref="StopBudget.CloseReserve"/> before the stop's end, then fences its publisher, as a lone
/// gateway's stop does (<see cref="KisGateway.ConfirmOrFenceAsync"/>): nothing of it is published after that (its lock goes
/// soon, and the next holder announces the hole), and what is dropped is counted as
/// <see cref="EndedTerms.StopDropped"/>. A term still ending at the stop's end is counted as it stands and ends in the
/// background; its lock is let go only once its gateway is done, so two holders never publish at once.
/// </summary>
internal sealed partial class FleetShard
{
    private long _stopBy = long.MaxValue; // the Stopwatch timestamp a bounded stop ends at; MaxValue: no bound
    private KisGateway? _ending; // under _endedGate: the term's gateway while EndTermAsync ends it
    private EndedTerms? _endingCounted; // under _endedGate: _ending's figures counted by the stop's end, replaced at the term's end

    /// <summary>What is left of a bounded stop (negative once past); infinite outside one.</summary>
    private TimeSpan StopLeft() => StopBudget.Left(Volatile.Read(ref _stopBy));

    public ValueTask DisposeAsync() => DisposeAsync(Timeout.InfiniteTimeSpan);

    /// <summary>Leaves the shard within <paramref name="bound"/> (infinite: however long its term's end takes).</summary>
    public async ValueTask DisposeAsync(TimeSpan bound)
    {
        if (bound == Timeout.InfiniteTimeSpan)
        {
            await LeaveAsync().ConfigureAwait(false);
            return;
        }
        if (bound < TimeSpan.Zero) bound = TimeSpan.Zero;
        Volatile.Write(ref _stopBy, StopBudget.EndOf(bound));
        var leaving = LeaveAsync();
        try
        {
            await leaving.WaitAsync(bound).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            CountEndingTerm();
            _ = leaving.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        }
    }

    /// <summary>A planned term end's wait for its confirms: 10 s, or in a bounded stop until shortly before its end, when a
    /// publisher not done yet is fenced (its records counted as dropped at the stop's bound).</summary>
    private async Task ConfirmOrFenceAsync(KisGateway gateway)
    {
        if (await gateway.ConfirmOrFenceAsync(StopLeft()).ConfigureAwait(false) is { } dropped) Log.StopBound(_logger, Plan.Name, dropped);
    }

    /// <summary>At a term's end's start: its gateway, for a stop's end that cannot wait for it.</summary>
    private void BeginEnding(KisGateway gateway)
    {
        lock (_endedGate) (_ending, _endingCounted) = (gateway, null);
    }

    /// <summary>At a term's end: its final figures replace what a stop's end counted of it.</summary>
    private void EndEnding(GatewayStatus end)
    {
        var term = Figures(end);
        lock (_endedGate)
        {
            _ended = _ended.Plus(term).Minus(_endingCounted);
            (_ending, _endingCounted) = (null, null);
        }
    }

    /// <summary>A bounded stop's end while a term still ends: its figures as they stand (its publisher fenced by then, as a
    /// rule: what it received is confirmed or dropped), so the stop's summary counts them.</summary>
    private void CountEndingTerm()
    {
        KisGateway? gateway;
        lock (_endedGate) gateway = _endingCounted is null ? _ending : null;
        if (gateway is null) return;
        // Its intake closed with the count: what its KIS session, still closing, delivers later is not received (the next holder
        // announces it), so the count is final. Outside the lock: a sink's status is user code.
        var now = Figures(gateway.CloseIntake());
        lock (_endedGate)
        {
            if (!ReferenceEquals(_ending, gateway) || _endingCounted is not null) return;
            _ended = _ended.Plus(now);
            _endingCounted = now;
        }
        Log.StopUnfinished(_logger, Plan.Name, now.Received, now.Received - now.Confirmed - now.Overflowed - now.Fenced - now.StopDropped);
    }

    private static EndedTerms Figures(GatewayStatus s) => new(s.Received, s.Confirmed, s.Overflowed, s.Fenced, s.StopDropped);

    private static partial class Log
    {
        [LoggerMessage(104, LogLevel.Warning, "Fleet shard {Shard}: the stop's budget ran out before the broker confirmed its records: " +
                                              "its publisher is fenced, {Dropped} records dropped (counted; the next holder announces them)")]
        public static partial void StopBound(ILogger logger, string shard, long dropped);

        [LoggerMessage(105, LogLevel.Warning, "Fleet shard {Shard}: still stopping at the stop's end: counted as it stands (received {Received}, " +
                                              "{Unsettled} neither confirmed nor dropped); it goes on stopping, its lock let go once done")]
        public static partial void StopUnfinished(ILogger logger, string shard, long received, long unsettled);
    }
}

/// <summary>A fleet shard's ended terms' figures, all together (<see cref="FleetShard.Ended"/>); <see cref="StopDropped"/>:
/// dropped unconfirmed at a bounded stop's end (<c>FleetShard.Stop.cs</c>).</summary>
internal sealed record EndedTerms(long Received, long Confirmed, long Overflowed, long Fenced, long StopDropped)
{
    public EndedTerms Plus(EndedTerms o) => new(Received + o.Received, Confirmed + o.Confirmed, Overflowed + o.Overflowed, Fenced + o.Fenced,
        StopDropped + o.StopDropped);

    public EndedTerms Minus(EndedTerms? o) => o is null ? this
        : new(Received - o.Received, Confirmed - o.Confirmed, Overflowed - o.Overflowed, Fenced - o.Fenced, StopDropped - o.StopDropped);
}
