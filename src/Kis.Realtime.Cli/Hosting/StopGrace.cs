using System.Diagnostics;

namespace Kis.Realtime.Cli.Hosting;

/// <summary>
/// What a signal's <see cref="StopSignals.Grace"/> leaves to the steps of a stop: past it the process ends with no summary
/// (exit 143), so each step after the main stop waits only for its share, and one still running goes on in the background.
/// </summary>
internal static class StopGrace
{
    /// <summary>The Stopwatch timestamp a grace begun now ends at, a second early for the summary.</summary>
    public static long EndFromNow() =>
        Stopwatch.GetTimestamp() + (long)((StopSignals.Grace - TimeSpan.FromSeconds(1)).TotalSeconds * Stopwatch.Frequency);

    /// <summary>What is left until <paramref name="end"/>, less <paramref name="keep"/> (never below zero); infinite for
    /// <see cref="long.MaxValue"/> (no signal).</summary>
    public static TimeSpan Left(long end, TimeSpan keep)
    {
        if (end == long.MaxValue) return Timeout.InfiniteTimeSpan;
        var left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), end) - keep;
        return left > TimeSpan.Zero ? left : TimeSpan.Zero;
    }

    /// <summary>Awaits <paramref name="task"/> for at most <paramref name="bound"/>; one still running then goes on in the
    /// background (its fault observed), as the process is about to end.</summary>
    public static async Task EndsWithinAsync(Task task, TimeSpan bound)
    {
        if (bound != Timeout.InfiniteTimeSpan && await Task.WhenAny(task, Task.Delay(bound)).ConfigureAwait(false) != task)
        {
            _ = task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            return;
        }
        await task.ConfigureAwait(false);
    }
}
