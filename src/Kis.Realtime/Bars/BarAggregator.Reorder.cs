using Kis.Realtime.Internal;

namespace Kis.Realtime;

// BarOptions.ReorderWindow: records put back in exchange order before they reach a bar (Internal/ReorderBuffer). Here:
// what the aggregator hands the buffer and takes back from it.
public sealed partial class BarAggregator<TTrade, TAccessor>
{
    private readonly ReorderBuffer<ExchangeOrderSink> _reorder;

    // What the buffer releases comes back here (a struct: direct calls, see IExchangeOrderSink).
    private readonly struct ExchangeOrderSink(BarAggregator<TTrade, TAccessor> aggregator) : IExchangeOrderSink
    {
        public MarketCalendar Calendar => aggregator._calendar!;

        public bool Process(in TradeFacts trade, long utc, long local, int day, long accumulated) =>
            aggregator.Process(trade, utc, local, day, accumulated);
    }

    // Arrival: straight on without a window, a record without acml_vol or of a TR not tracked; else to the buffer.
    private bool Arrive(in TTrade trade, long received, long utc, long local, int day)
    {
        var accumulated = TAccessor.CumulativeVolume(trade);
        var tr = accumulated < 0 ? -1 : _tape.Slot(TAccessor.TrId(trade));
        if (_seeded.Covers(tr, day, accumulated, _key, _calendar!)) return false; // in the seed already (Internal/SeededBars)
        var facts = new TradeFacts(tr, TAccessor.Price(trade), TAccessor.Volume(trade),
            TAccessor.ValueIsPriceTimesVolume ? 0 : TAccessor.Value(trade), TAccessor.Session(trade));
        return _reorder.IsOn && tr >= 0
            ? _reorder.Arrive(facts, received, utc, local, day, accumulated)
            : Process(facts, utc, local, day, accumulated);
    }

    /// <summary>False: every waiting record is its own entry (tests compare the two: runs change the cost only).</summary>
    internal bool JoinRuns
    {
        get => _reorder.Pending.JoinRuns;
        set => _reorder.Pending.JoinRuns = value;
    }

    /// <summary>Pending records the reorder buffer visited or moved: its cost, which must not grow with how many wait.</summary>
    internal long ReorderSteps => _reorder.Pending.ReorderSteps;

    /// <summary>Arrivals looked up among the waiting records as a possible repeat (a hash lookup each).</summary>
    internal long RepeatLookups => _reorder.Pending.RepeatLookups;

    /// <summary>Waiting records entered in the cumulative-volume hash (a cache miss each on a long wait, on entry and release).</summary>
    internal long PointIndexed => _reorder.Pending.PointIndexed;

    /// <summary>Waiting records entered in the buffer's orders each as its own entry (not joining a run).</summary>
    internal long RecordsEntered => _reorder.Pending.RecordsEntered;
}
