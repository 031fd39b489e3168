using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Kis.Realtime.Gateway.Internal;

/// <summary>
/// The budget of a stop (<see cref="KisGateway.StopAsync"/>, a fleet shard's term in <c>FleetShard.Stop.cs</c>): confirms
/// are waited for until <see cref="CloseReserve"/> before its end, then the publisher is fenced and what it held is counted
/// as dropped at the stop's bound.
/// </summary>
internal static partial class StopBudget
{
    /// <summary>What a stop needs after its fence: its KIS sessions' close (releases paced at 100 ms) and its broker closes.</summary>
    public static readonly TimeSpan CloseReserve = TimeSpan.FromSeconds(5);

    /// <summary>How long a stop without a budget waits for its confirms (its close then drains up to the client's close timeout).</summary>
    public static readonly TimeSpan UnboundedConfirmWait = TimeSpan.FromSeconds(10);

    /// <summary>The Stopwatch timestamp a stop of <paramref name="budget"/> begun now ends at; MaxValue: no bound.</summary>
    public static long EndOf(TimeSpan budget) => budget == Timeout.InfiniteTimeSpan ? long.MaxValue
        : Stopwatch.GetTimestamp() + (long)(Math.Max(0, budget.TotalSeconds) * Stopwatch.Frequency);

    /// <summary>What is left until <paramref name="stopBy"/> (negative once past); infinite for no bound.</summary>
    public static TimeSpan Left(long stopBy) =>
        stopBy == long.MaxValue ? Timeout.InfiniteTimeSpan : Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), stopBy);

    /// <summary>What of <paramref name="left"/> goes to the confirms: <see cref="UnboundedConfirmWait"/> without a bound, else all
    /// but the close's reserve; a short stop still gives the broker half of it (a drain that takes a moment is not cut for the
    /// reserve).</summary>
    public static TimeSpan ConfirmWindow(TimeSpan left)
    {
        if (left == Timeout.InfiniteTimeSpan) return UnboundedConfirmWait;
        var wait = left - (left / 2 < CloseReserve ? left / 2 : CloseReserve);
        return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
    }

    /// <summary>What of <paramref name="left"/> a close may take before a fence at the stop's very end, whose own wait (the
    /// publisher's for its loop, 1 s; a short stop a quarter of what is left) comes out of the budget too.</summary>
    public static TimeSpan BeforeFence(TimeSpan left)
        => left == Timeout.InfiniteTimeSpan ? left : left - (left / 4 < TimeSpan.FromSeconds(1) ? left / 4 : TimeSpan.FromSeconds(1));

    /// <summary>Whether <paramref name="task"/> ended (however) within <paramref name="bound"/>; it is not observed here.</summary>
    public static async Task<bool> EndsWithinAsync(Task task, TimeSpan bound)
    {
        if (bound != Timeout.InfiniteTimeSpan && bound < TimeSpan.Zero) bound = TimeSpan.Zero;
        try
        {
            await task.WaitAsync(bound).ConfigureAwait(false);
        }
        catch (TimeoutException) when (!task.IsCompleted)
        {
            return false;
        }
        catch (Exception)
        {
            // ended: its awaiter reports how
        }
        return true;
    }

    [LoggerMessage(34, LogLevel.Warning, "Gateway stop: the budget ran out before the broker confirmed every record: the publisher is fenced, " +
                                         "{Dropped} records dropped at the stop's bound (counted; the next run announces where the streams end)")]
    public static partial void LogBound(ILogger logger, long dropped);

    [LoggerMessage(35, LogLevel.Warning, "Gateway stop: still closing at the budget's end: counted as it stands (received {Received}, " +
                                         "{Unsettled} neither confirmed nor dropped); the close goes on in the background")]
    public static partial void LogUnfinished(ILogger logger, long received, long unsettled);

    [LoggerMessage(36, LogLevel.Warning, "Gateway stop: {NotTaken} records its KIS sessions delivered after the stop's count were not taken " +
                                         "(the count is final; the next run announces them with its gap)")]
    public static partial void LogNotTaken(ILogger logger, long notTaken);
}
