namespace Kis.Realtime.Simulator.Market;

/// <summary>One minute of a stock's trades on one venue, as KIS's 주식당일분봉조회 shows it (all prices in KRW).</summary>
/// <param name="Minute">The minute's start, KST (date included).</param>
/// <param name="Open">The minute's first trade price.</param>
/// <param name="High">Its highest trade price.</param>
/// <param name="Low">Its lowest trade price.</param>
/// <param name="Close">Its last trade price (<c>stck_prpr</c>).</param>
/// <param name="Volume">The volume traded in the minute (<c>cntg_vol</c>).</param>
/// <param name="CumulativeValue">The day's traded value after the minute's last trade (<c>acml_tr_pbmn</c>).</param>
internal readonly record struct MinuteBar(DateTime Minute, long Open, long High, long Low, long Close, long Volume, long CumulativeValue);

/// <summary>
/// The day's 1-minute bars of one stock on one venue, built from every trade its <see cref="StockBook"/> made (the
/// trades the simulator sent, skipped ones included: they happened), so the REST minute chart equals the bars a client
/// builds from the ticks. A minute without a trade has no bar (see the simulator's README for the evidence). Only today's
/// bars are kept, as KIS serves only the current day (당일 분봉만 제공). Owned by its book: every call is under the book's lock.
/// </summary>
internal sealed class MinuteChart
{
    /// <summary>At most a day of minutes (00:00–24:00), so a chart never grows without bound.</summary>
    private const int MaxMinutes = 24 * 60;

    private readonly List<MinuteBar> _bars = [];

    /// <summary>Adds a trade at <paramref name="time"/> (KST; never earlier than the previous one: instruments keep time monotonic).</summary>
    public void Add(DateTime time, long price, long volume, long accumulatedValue)
    {
        var minute = new DateTime(time.Year, time.Month, time.Day, time.Hour, time.Minute, 0, time.Kind);
        if (_bars.Count > 0 && _bars[^1].Minute.Date != minute.Date) _bars.Clear(); // a new day: only today's minutes
        if (_bars.Count > 0 && _bars[^1].Minute == minute)
        {
            var b = _bars[^1];
            _bars[^1] = b with
            {
                High = Math.Max(b.High, price), Low = Math.Min(b.Low, price), Close = price,
                Volume = b.Volume + volume, CumulativeValue = accumulatedValue,
            };
            return;
        }
        if (_bars.Count >= MaxMinutes) _bars.RemoveAt(0);
        _bars.Add(new MinuteBar(minute, price, price, price, price, volume, accumulatedValue));
    }

    /// <summary>
    /// The day so far of a stock that appears part-way through it (see <see cref="Stock"/>): one bar per minute of
    /// <paramref name="minutes"/> with the prices of <paramref name="path"/>, <paramref name="volume"/> shared out by the
    /// minutes' weights (the first ones take what rounding leaves, so the bars sum to it exactly); a minute's value is
    /// its volume at its close. Call on an empty chart.
    /// </summary>
    public void Backfill(IReadOnlyList<DateTime> minutes, IReadOnlyDictionary<DateTime, DayBackfill.Minute> path, long volume)
    {
        if (_bars.Count > 0) throw new InvalidOperationException("Only an empty chart is backfilled.");
        if (minutes.Count == 0 || volume <= 0) return;
        var total = minutes.Sum(m => path[m].Weight);
        var shares = minutes.Select(m => (long)Math.Floor(volume * path[m].Weight / total)).ToArray();
        var left = volume - shares.Sum();
        for (var i = 0; left > 0; i = (i + 1) % shares.Length, left--) shares[i]++;
        long value = 0;
        for (var i = 0; i < minutes.Count; i++)
        {
            if (shares[i] == 0) continue;
            var p = path[minutes[i]];
            value += shares[i] * p.Close;
            _bars.Add(new MinuteBar(minutes[i], p.Open, p.High, p.Low, p.Close, shares[i], value));
        }
    }

    /// <summary>The day's open, high and low with their minutes, its last close and its value, from the bars; null without one.</summary>
    public (long Open, DateTime OpenAt, long High, DateTime HighAt, long Low, DateTime LowAt, long Close, long Value)? DaySoFar()
    {
        if (_bars.Count == 0) return null;
        var (high, low) = (_bars[0], _bars[0]);
        foreach (var b in _bars)
        {
            if (b.High > high.High) high = b;
            if (b.Low < low.Low) low = b;
        }
        return (_bars[0].Open, _bars[0].Minute, high.High, high.Minute, low.Low, low.Minute, _bars[^1].Close, _bars[^1].CumulativeValue);
    }

    /// <summary>The combined (KRX + NXT) chart of two backfilled ones: each minute's volume added, the value accumulated over both.</summary>
    public void BackfillSum(MinuteChart krx, MinuteChart nxt)
    {
        if (_bars.Count > 0) throw new InvalidOperationException("Only an empty chart is backfilled.");
        long value = 0;
        foreach (var minute in krx._bars.Concat(nxt._bars).GroupBy(b => b.Minute).OrderBy(g => g.Key))
        {
            var first = minute.First();
            var bar = minute.Skip(1).Aggregate(first, (sum, b) => sum with
            {
                High = Math.Max(sum.High, b.High), Low = Math.Min(sum.Low, b.Low), Close = b.Close, Volume = sum.Volume + b.Volume,
            });
            value += minute.Sum(b => b.Volume * b.Close); // a backfilled minute's value is its volume at its close
            _bars.Add(bar with { CumulativeValue = value });
        }
    }

    /// <summary>
    /// Up to <paramref name="max"/> bars of <paramref name="date"/> whose minute starts at or before
    /// <paramref name="until"/>, newest first.
    /// </summary>
    public List<MinuteBar> Before(DateTime date, TimeSpan until, int max)
    {
        var rows = new List<MinuteBar>(Math.Min(max, _bars.Count));
        for (var i = _bars.Count - 1; i >= 0 && rows.Count < max; i--)
        {
            var b = _bars[i];
            if (b.Minute.Date != date.Date || b.Minute.TimeOfDay > until) continue;
            rows.Add(b);
        }
        return rows;
    }
}
