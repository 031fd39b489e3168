using System.Runtime.CompilerServices;

namespace Kis.Realtime;

public sealed partial class InstrumentState
{
    // Copy-on-write under _lock; read without it by the apply path.
    private Watcher[] _watchers = [];

    /// <summary>
    /// The state after every change, as a stream: one item per update while the reader keeps up; a slower reader gets
    /// the latest snapshot with the number of updates folded into it (<see cref="InstrumentChange.Coalesced"/>), so
    /// memory stays bounded and nothing is dropped unseen. The first item is the current state when it has any update.
    /// </summary>
    public async IAsyncEnumerable<InstrumentChange> ChangesAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var watcher = new Watcher();
        lock (_lock) _watchers = [.. _watchers, watcher];
        try
        {
            long seen = 0;
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                // Arm before reading the version: an update after the read completes this task.
                var signal = watcher.Arm();
                var snapshot = Snapshot();
                if (snapshot.Version > seen)
                {
                    var coalesced = seen == 0 ? 0 : snapshot.Version - seen - 1;
                    seen = snapshot.Version;
                    yield return new InstrumentChange(snapshot, coalesced);
                    continue;
                }
                await signal.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            lock (_lock) _watchers = [.. _watchers.Where(w => w != watcher)];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void NotifyWatchers()
    {
        var watchers = Volatile.Read(ref _watchers);
        if (watchers.Length == 0) return;
        foreach (var w in watchers) w.Signal();
    }

    private static InstrumentSnapshot Merge(string code, long version, in VenueState krx, in VenueState nxt, in VenueState unified)
    {
        var snapshot = new InstrumentSnapshot { Code = code, Version = version, Krx = krx, Nxt = nxt, Unified = unified };
        var halted = krx.IsHalted || nxt.IsHalted || unified.IsHalted;
        var vi = krx.IsViActive || nxt.IsViActive || unified.IsViActive;
        var basePhase = krx.Updates > 0 ? krx.Phase : unified.Updates > 0 ? unified.Phase : nxt.Phase;
        snapshot = snapshot with
        {
            IsHalted = halted,
            IsViActive = vi,
            Phase = halted ? SessionPhase.Halted : vi ? SessionPhase.ViAuction : basePhase,
        };

        // The unified feed is KIS's own merge of KRX and NXT: when it is fed, its figures are the merged ones.
        if (unified.Updates > 0)
            return snapshot with
            {
                LastPrice = unified.LastPrice, LastTime = unified.LastTime, LastVenue = StockVenue.Unified,
                Open = unified.Open, High = unified.High, Low = unified.Low,
                CumulativeVolume = unified.CumulativeVolume, CumulativeTradeValue = unified.CumulativeTradeValue,
                BestBid = unified.BestBid, BestAsk = unified.BestAsk,
                BestBidQuantity = unified.BestBidQuantity, BestAskQuantity = unified.BestAskQuantity,
            };

        // KRX and NXT: the latest trade (KRX on a tie), the earlier open, the wider range, the sums, the best touch.
        var last = !nxt.HasTrade || krx.HasTrade && krx.LastTime >= nxt.LastTime ? krx : nxt;
        var first = !nxt.HasTrade || krx.HasTrade && krx.OpenTime <= nxt.OpenTime ? krx : nxt;
        var (bid, bidQuantity) = BestOf(krx.BestBid, krx.BestBidQuantity, nxt.BestBid, nxt.BestBidQuantity, higherIsBetter: true);
        var (ask, askQuantity) = BestOf(krx.BestAsk, krx.BestAskQuantity, nxt.BestAsk, nxt.BestAskQuantity, higherIsBetter: false);
        return snapshot with
        {
            LastPrice = last.LastPrice, LastTime = last.LastTime, LastVenue = last.HasTrade ? last.Venue : default,
            Open = first.Open,
            High = Math.Max(krx.High, nxt.High),
            Low = !nxt.HasTrade ? krx.Low : !krx.HasTrade ? nxt.Low : Math.Min(krx.Low, nxt.Low),
            CumulativeVolume = krx.CumulativeVolume + nxt.CumulativeVolume,
            CumulativeTradeValue = krx.CumulativeTradeValue + nxt.CumulativeTradeValue,
            BestBid = bid, BestAsk = ask, BestBidQuantity = bidQuantity, BestAskQuantity = askQuantity,
        };
    }

    // The better of two venues' quotes (0 = no quote); equal prices add their quantities.
    private static (decimal Price, long Quantity) BestOf(decimal a, long aQuantity, decimal b, long bQuantity, bool higherIsBetter)
    {
        if (a <= 0) return (b, bQuantity);
        if (b <= 0 || a == b) return a == b ? (a, aQuantity + bQuantity) : (a, aQuantity);
        return (a > b) == higherIsBetter ? (a, aQuantity) : (b, bQuantity);
    }

    private sealed class Watcher
    {
        private TaskCompletionSource? _signal;

        public Task Arm()
        {
            var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Volatile.Write(ref _signal, signal);
            return signal.Task;
        }

        public void Signal() => Interlocked.Exchange(ref _signal, null)?.TrySetResult();
    }
}

/// <summary>
/// The <see cref="InstrumentState"/> of every stock seen, created on first use: route each typed value to its stock with
/// the Apply methods. Thread-safe.
/// </summary>
public sealed class InstrumentBook
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, InstrumentState> _states = new(StringComparer.Ordinal);
    private long _unrouted;

    /// <summary>The state of <paramref name="code"/>, created when first asked for.</summary>
    public InstrumentState this[string code] => _states.GetOrAdd(code, static c => new InstrumentState(c));

    /// <summary>The states created so far.</summary>
    public ICollection<InstrumentState> Instruments => _states.Values;

    /// <summary>Market statuses that name no stock (H0UNMKO0) and so could not be routed: apply those to the state yourself.</summary>
    public long Unrouted => Interlocked.Read(ref _unrouted);

    /// <summary>Applies a trade to its stock's state.</summary>
    public InstrumentState Apply(in StockTrade trade)
    {
        var state = this[trade.StockCode];
        state.Apply(trade);
        return state;
    }

    /// <summary>Applies an order book to its stock's state.</summary>
    public InstrumentState Apply(in StockOrderBook book)
    {
        var state = this[book.StockCode];
        state.Apply(book);
        return state;
    }

    /// <summary>Applies an expected trade to its stock's state.</summary>
    public InstrumentState Apply(in StockExpectedTrade expected)
    {
        var state = this[expected.StockCode];
        state.Apply(expected);
        return state;
    }

    /// <summary>Applies a market status to its stock's state; null (counted in <see cref="Unrouted"/>) when it names no stock.</summary>
    public InstrumentState? Apply(in MarketStatus status)
    {
        if (status.StockCode.Length == 0)
        {
            Interlocked.Increment(ref _unrouted);
            return null;
        }
        var state = this[status.StockCode];
        state.Apply(status);
        return state;
    }
}
