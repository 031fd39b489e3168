
using Kis.Realtime.Internal;

namespace Kis.Realtime;

// Closing on the clock: a bar ends at the market's time, not only at the next trade (BarOptions.ClockCloseGrace).
public sealed partial class BarAggregator<TTrade, TAccessor>
{
    /// <summary>
    /// Closes the forming time or day bar when <paramref name="now"/> (on any offset: compared on the market's clock) has
    /// reached its end (a day bar's: the market's close, the end of the last of the bar's sessions (<see cref="BarSpec.Sessions"/>)
    /// on that trading day, e.g. 15:40 KRX regular, 20:00 NXT with its after-market): a clock-driven close, so the last
    /// bar of a session appears without a later trade (without it a bar closes at the first trade of a later interval).
    /// A trade of that interval arriving later goes into no bar (<see cref="LateTrades"/>); with a
    /// <see cref="BarOptions.LateWindow"/> the bar closes that much later and takes its late trades until then. Returns
    /// true when a bar closed.
    /// </summary>
    public bool CloseThrough(DateTimeOffset now)
    {
        if (_calendar is null) return false;
        // Records waiting for a hole's trades past their window go on first: they may belong to the forming bar.
        var closed = _reorder.Release(now.UtcTicks);
        if (_kind > BarKind.Day) return closed;
        var local = _calendar.LocalTicks(now.UtcTicks);
        if (_bar.IsForming && local >= _bar.ClockEnd)
        {
            CloseForming(false);
            closed = _lateWindow == 0;
        }
        return _closed.ReleaseHeld(_key, local, byClock: true) | closed;
    }

    /// <summary>
    /// Feeds every trade of <paramref name="trades"/> and yields the bars as they close (with
    /// <paramref name="formingUpdates"/>, the forming bar after each trade too); with <see cref="BarOptions.ClockCloseGrace"/>
    /// a bar also closes on the clock. Does not <see cref="Complete"/>: the caller decides what an end of the trades means.
    /// </summary>
    public IAsyncEnumerable<Bar> AddAllAsync(IAsyncEnumerable<TTrade> trades, bool formingUpdates = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(trades);
        return AddAllAsync(trades, static (aggregator, trade) => aggregator.Add(trade), formingUpdates, cancellationToken);
    }

    /// <summary>
    /// <see cref="AddAllAsync(IAsyncEnumerable{TTrade}, bool, CancellationToken)"/> over trades with their receive time
    /// (<see cref="IKisRealtimeClient.SubscribeReceivedAsync{T}"/>): trades without a date on the wire are dated from it.
    /// </summary>
    public IAsyncEnumerable<Bar> AddAllReceivedAsync(IAsyncEnumerable<KisReceived<TTrade>> trades, bool formingUpdates = false,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(trades);
        return AddAllAsync(trades, static (aggregator, trade) => aggregator.Add(trade.Value, trade.ReceivedAt), formingUpdates, cancellationToken);
    }

    private async IAsyncEnumerable<Bar> AddAllAsync<TItem>(IAsyncEnumerable<TItem> trades, Func<BarAggregator<TTrade, TAccessor>, TItem, bool> add,
        bool formingUpdates, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var clocked = new ClockedTrades<TItem>(trades, _options.TimeProvider, cancellationToken);
        while (true)
        {
            var next = await clocked.NextAsync(ClockCloseDue()).ConfigureAwait(false);
            if (next == ClockedNext.End) yield break;
            if (next == ClockedNext.Due ? CloseByClock() : add(this, clocked.Current))
                while (TryTakeClosed(out var bar)) yield return bar;
            if (next == ClockedNext.Trade && formingUpdates && TryGetForming(out var forming)) yield return forming;
        }
    }

    /// <summary>When the forming bar is due to close on the clock (null: no clock close configured, or nothing forming).</summary>
    internal DateTimeOffset? ClockCloseDue()
    {
        if (_options.ClockCloseGrace is not { } grace) return null;
        if (_kind > BarKind.Day) return _reorder.ClockRelease() + grace;
        // The forming bar closes at its end; a held one (BarOptions.LateWindow) is emitted at its end plus the window.
        DateTimeOffset? due = _bar.IsForming ? new DateTimeOffset(_bar.ClockEnd + _lateWindow, _bar.Offset) : null;
        if (_closed.Held.ClockRelease() is { } held && (due is null || held < due)) due = held;
        if (_reorder.ClockRelease() is { } pending && (due is null || pending < due)) due = pending;
        return due + grace + TimeSpan.FromTicks(_clockSkew);
    }

    /// <summary>Closes the forming bar if its clock close is due.</summary>
    internal bool CloseByClock() =>
        _options.ClockCloseGrace is { } grace && CloseThrough(_options.TimeProvider.GetUtcNow() - grace - TimeSpan.FromTicks(_clockSkew));

    private void NoteSkew(long tradeUtcTicks)
    {
        var skew = _options.TimeProvider.GetUtcNow().UtcTicks - tradeUtcTicks;
        if (!_bar.IsForming || skew < _clockSkew) _clockSkew = skew;
    }

    /// <summary>When the forming time or day bar ends (null when none is forming, or for tick, volume and value bars).</summary>
    public DateTimeOffset? FormingBarEnd => _bar.IsForming && _kind <= BarKind.Day ? new DateTimeOffset(_bar.Close, _bar.Offset) : null;
}
