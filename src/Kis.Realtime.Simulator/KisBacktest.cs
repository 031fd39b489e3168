using Kis.Realtime.Simulator.Backtest;

namespace Kis.Realtime.Simulator;

/// <summary>
/// Runs a strategy over a recording on simulated time: the strategy gets an <see cref="IKisRealtimeClient"/> whose
/// subscriptions deliver the recorded records in received order, and an <see cref="IKisOrderVenue"/> whose orders the
/// simulator's matching engine fills against the recording's KRX books (H0STASP0) and trades (H0STCNT0): arriving
/// orders walk the book, resting ones keep their place in the queue, auctions fill at their print. The order's notices
/// come back on the client's notice subscription (H0STCNI0), so a <see cref="KisOrderBook"/> handle resolves as live.
/// No wall clock and no socket: the strategy runs on one queue that is run dry before the clock moves to the next
/// message, so the same recording, strategy and options give the same fills, byte for byte
/// (<see cref="KisBacktestResult.WriteAsync"/>). Strategy code must not wait for real time (Task.Delay, timers) nor
/// leave the queue (Task.Run); awaits of the client, the venue and the order handles are all it needs.
/// <code>
/// var result = await KisBacktest.RunAsync(new KisRecordingFolder("recordings"), (data, orders, ct) => strategy.RunAsync(data, orders, ct));
/// await result.WriteAsync("out");
/// </code>
/// </summary>
public static class KisBacktest
{
    /// <summary>Runs <paramref name="strategy"/> over <paramref name="recording"/> and gathers its orders, fills and summary.</summary>
    /// <param name="recording">The recording (<c>KisRecordingFolder</c>, the PostgreSQL raw table).</param>
    /// <param name="strategy">The strategy: data from the client, orders to the venue; it should end when its subscriptions end.</param>
    /// <param name="options">Account, latency and costs; null: <c>new KisBacktestOptions()</c>.</param>
    /// <param name="cancellationToken">Stops the run (and the strategy's token).</param>
    /// <exception cref="KisBacktestException">The strategy threw, or did not end once the recording and its notices ended.</exception>
    public static async Task<KisBacktestResult> RunAsync(KisRecordingSource recording,
        Func<IKisRealtimeClient, IKisOrderVenue, CancellationToken, Task> strategy,
        KisBacktestOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(recording);
        ArgumentNullException.ThrowIfNull(strategy);
        options ??= new KisBacktestOptions();
        options.Validate();
        var pump = new BacktestPump();
        await using var client = new BacktestClient(pump, options);
        var venue = new BacktestVenue(options, pump, client);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var driver = new BacktestDriver(pump, client, venue);
        var run = pump.Start(() => strategy(client, venue, stop.Token));
        pump.RunUntilIdle();
        var previous = (At: DateTimeOffset.MinValue, Source: default(RecordingLocation));
        byte[] lastOfBlock = []; // the previous block's last message (its block is refilled meanwhile)
        long repeated = 0;
        await foreach (var block in BacktestPreparation.ReadAsync(recording, options.PrepareAhead, cancellationToken).ConfigureAwait(false))
        {
            for (var i = 0; i < block.Count && !run.IsFaulted; i++)
            {
                ref readonly var message = ref block.Message(i);
                // A line repeating the one before it (same message, same moment: a doubled recording) is counted, not traded twice.
                if (message.ReceivedAt == previous.At
                    && message.Data.Span.SequenceEqual(i > 0 ? block.Message(i - 1).Data.Span : lastOfBlock))
                {
                    repeated++;
                    continue;
                }
                // Traded as it lies, a line received before the one above it sends fills back in time: refused, located.
                if (message.ReceivedAt < previous.At)
                    throw new KisBacktestException($"{message.Source}: received at {message.ReceivedAt:O}, before {previous.Source} ({previous.At:O}): " +
                        "the recording is out of time order; put its lines in order of their receive time (sort -s -k1,1) and run again.", null);
                previous = (message.ReceivedAt, message.Source);
                driver.Step(block, i);
            }
            if (block.Count > 0) lastOfBlock = block.Message(block.Count - 1).Data.ToArray();
            if (run.IsFaulted) break;
        }
        if (!run.IsFaulted) driver.Finish();
        await SettleAsync(pump, run).ConfigureAwait(false);
        if (!run.IsCompleted)
        {
            // Everything ended and the strategy still waits: on something a backtest never gives. Asked to stop, once.
            await stop.CancelAsync().ConfigureAwait(false);
            await SettleAsync(pump, run).ConfigureAwait(false);
        }
        if (run.IsFaulted)
            throw new KisBacktestException($"The strategy failed at {driver.Now:O}: {run.Exception!.InnerException!.Message}", run.Exception.InnerException);
        if (!run.IsCompleted)
            throw new KisBacktestException("The strategy did not end when the recording and its notices ended (and its token was cancelled): " +
                "does it wait for real time (Task.Delay) or for work it started outside the backtest (Task.Run)?", null);
        cancellationToken.ThrowIfCancellationRequested();
        return new KisBacktestResult(options, venue.Calls(), venue.RefusedCalls(), venue.Fills, driver.Equity, driver.Prices, venue.Instruments(),
            client.StatisticsWith(recording), // the lines the recording could not read count with those that did not decode
            driver.Records, repeated);
    }

    /// <summary>How long the end of a run waits for a strategy's last steps that left the pump (thread pool callbacks).</summary>
    private static readonly TimeSpan EndGrace = TimeSpan.FromSeconds(5);

    /// <summary>Runs the pump until the strategy ends, or nothing more is posted for <see cref="EndGrace"/>.</summary>
    private static async Task SettleAsync(BacktestPump pump, Task run)
    {
        while (!run.IsCompleted)
        {
            if (pump.RunUntilIdle() > 0) continue;
            if (!await pump.WaitForWorkAsync(run, EndGrace).ConfigureAwait(false)) return;
        }
    }
}

/// <summary>A backtest could not complete: the strategy threw or never ended.</summary>
public sealed class KisBacktestException : Exception
{
    /// <summary>A failure with its cause.</summary>
    public KisBacktestException(string message, Exception? inner) : base(message, inner) { }
}
