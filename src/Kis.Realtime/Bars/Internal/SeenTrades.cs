namespace Kis.Realtime.Internal;

/// <summary>A trade as a repeat of it matches: its cumulative volume, volume, price and stamp (market's clock ticks).</summary>
internal readonly record struct TradeIdentity(long Accumulated, long Volume, decimal Price, long Local);

/// <summary>
/// The trades of one TR's trading day, to know a repeated record from a new one. Those that went on the tape in order
/// (each above the last cumulative volume: nearly all) are appended to an array, which stays sorted, and found by binary
/// search; the others (late trades filling a hole, records at the same cumulative volume) go into a hash set. A hash set
/// of every trade cost a cache miss or two per trade on a busy day, the most of what a trade in order cost, and more
/// when the reorder buffer shared the cache. Once grown it allocates nothing.
/// </summary>
internal sealed class SeenTrades
{
    private TradeIdentity[] _tape = new TradeIdentity[16];
    private int _count;
    private HashSet<TradeIdentity>? _others;

    /// <summary>The highest cumulative volume held: a record above it is no repeat.</summary>
    public long High { get; private set; }

    public void Add(in TradeIdentity trade)
    {
        if (_count == 0 || trade.Accumulated > _tape[_count - 1].Accumulated)
        {
            if (_count == _tape.Length) Array.Resize(ref _tape, _count * 2);
            _tape[_count++] = trade;
        }
        else (_others ??= []).Add(trade);
        if (trade.Accumulated > High) High = trade.Accumulated;
    }

    public bool Contains(in TradeIdentity trade)
    {
        var (low, high) = (0, _count - 1);
        while (low <= high)
        {
            var middle = (low + high) >>> 1;
            var at = _tape[middle].Accumulated;
            if (at == trade.Accumulated)
            {
                if (_tape[middle] == trade) return true;
                break;
            }
            if (at < trade.Accumulated) low = middle + 1;
            else high = middle - 1;
        }
        return _others is { } others && others.Contains(trade);
    }

    public void Clear()
    {
        _count = 0;
        _others?.Clear();
        High = 0;
    }
}
