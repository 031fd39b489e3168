namespace Kis.Realtime.Internal;

/// <summary>What <see cref="ClockedTrades{TTrade}.NextAsync"/> found first.</summary>
internal enum ClockedNext
{
    /// <summary>A trade: read it from <see cref="ClockedTrades{TTrade}.Current"/>.</summary>
    Trade,
    /// <summary>The due time passed before a trade arrived: close the bars that ended.</summary>
    Due,
    /// <summary>The trades ended.</summary>
    End,
}

/// <summary>
/// A trade stream read against the clock: the next trade, or the moment a forming bar is due to close, whichever comes
/// first (a clock-driven close: the session's last bar appears without a later trade). The pending read survives a
/// <see cref="ClockedNext.Due"/>, so no trade is lost or read twice. One reader.
/// </summary>
internal sealed class ClockedTrades<TTrade> : IAsyncDisposable
{
    private readonly TimeProvider _clock;
    private readonly CancellationToken _cancellationToken;
    // Cancels a read still pending when the reader stops early: an enumerator is disposed only after its read ended.
    private readonly CancellationTokenSource _stop;
    private readonly IAsyncEnumerator<TTrade> _trades;
    private Task<bool>? _pending;

    public ClockedTrades(IAsyncEnumerable<TTrade> trades, TimeProvider clock, CancellationToken cancellationToken)
    {
        _clock = clock;
        _cancellationToken = cancellationToken;
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _trades = trades.GetAsyncEnumerator(_stop.Token);
    }

    public TTrade Current => _trades.Current;

    /// <summary>The next trade, the end, or <see cref="ClockedNext.Due"/> once the clock reaches <paramref name="due"/> (null: no timer).</summary>
    public async ValueTask<ClockedNext> NextAsync(DateTimeOffset? due)
    {
        if (_pending is null)
        {
            var move = _trades.MoveNextAsync();
            // Trades already buffered are read without a timer or an allocation.
            if (move.IsCompleted) return move.GetAwaiter().GetResult() ? ClockedNext.Trade : ClockedNext.End;
            if (due is null) return await move.ConfigureAwait(false) ? ClockedNext.Trade : ClockedNext.End;
            _pending = move.AsTask();
        }
        if (due is { } at)
        {
            var wait = at - _clock.GetUtcNow();
            if (wait <= TimeSpan.Zero) return ClockedNext.Due;
            using var stopTimer = CancellationTokenSource.CreateLinkedTokenSource(_cancellationToken);
            var timer = Task.Delay(wait, _clock, stopTimer.Token);
            var first = await Task.WhenAny(_pending, timer).ConfigureAwait(false);
            _cancellationToken.ThrowIfCancellationRequested();
            if (first != _pending) return ClockedNext.Due;
            await stopTimer.CancelAsync().ConfigureAwait(false);
        }
        var read = _pending;
        _pending = null;
        return await read.ConfigureAwait(false) ? ClockedNext.Trade : ClockedNext.End;
    }

    public async ValueTask DisposeAsync()
    {
        if (_pending is { } pending)
        {
            await _stop.CancelAsync().ConfigureAwait(false);
            await pending.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default)
                .ConfigureAwait(false);
        }
        await _trades.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
    }
}
