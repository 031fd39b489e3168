using Kis.Realtime.Simulator.Rules;

namespace Kis.Realtime.Simulator.Market;

/// <summary>
/// The volatility interruptions (VI, 변동성완화장치) of one stock on one venue for a trading day: when each starts, its
/// kind and its two-minute single-price auction, as KRX runs them.
/// <para>
/// KRX triggers a VI when a price would move beyond a threshold from a reference (static VI: ±10 % of the last
/// auction price; dynamic VI: ±2–6 % of the price just before). The simulated book moves one tick per published book,
/// so a price-triggered VI would depend on who watches the book and how fast; instead VIs come at seeded times, about
/// <see cref="PerHour"/> an hour per stock (exponential gaps, so they cluster and thin out as real ones do), only in
/// the regular session between 09:10 and 15:18 (not in the first minutes of a demo day, which tests rely on, and not
/// into the closing auction). The rest follows KRX: no continuous trades while it lasts, expected trades go on, and it
/// ends with one single-price trade at the expected price, which becomes the new VI reference price.
/// </para>
/// </summary>
internal sealed class ViSchedule
{
    /// <summary>A VI's single-price auction (KRX: 2 minutes, ended at a random moment within 30 s after; not modelled).</summary>
    public const int DurationSeconds = 120;

    /// <summary>VIs per trading hour and stock, on average.</summary>
    public const double PerHour = 3;

    private static readonly int First = (int)new TimeSpan(9, 10, 0).TotalSeconds;
    private static readonly int Last = (int)new TimeSpan(15, 18, 0).TotalSeconds;

    private readonly int[] _starts;
    private readonly ViStatus[] _kinds;

    public ViSchedule(int seed, string code, StockVenue venue)
    {
        var random = new Random(StableHash.Combine(seed, "vi", code + venue));
        var starts = new List<int>();
        var kinds = new List<ViStatus>();
        double t = First;
        while (true)
        {
            t += -Math.Log(1 - random.NextDouble()) * 3600 / PerHour;
            if (t + DurationSeconds > Last) break;
            starts.Add((int)t);
            // Dynamic VIs are the common kind (a sudden move from the last price); static ones are larger moves.
            kinds.Add(random.Next(4) == 0 ? ViStatus.Static : ViStatus.Dynamic);
            t += DurationSeconds;
        }
        (_starts, _kinds) = ([.. starts], [.. kinds]);
    }

    /// <summary>How many VIs the day has.</summary>
    public int Count => _starts.Length;

    /// <summary>The start (second of the day, KST) of VI <paramref name="index"/>.</summary>
    public int StartOf(int index) => _starts[index];

    /// <summary>The kind of VI <paramref name="index"/>.</summary>
    public ViStatus KindOf(int index) => _kinds[index];

    /// <summary>
    /// At the KST market time <paramref name="now"/>: the VI in force (its index, or -1) and how many VIs of that day have
    /// ended by then. The schedule's seconds are a normal day's; on a day of changed hours (<see cref="KrxDayHours"/>)
    /// they move with the open, and a VI that would then run into the day's closing call is not that day's: none runs
    /// in a late open's pre-open call or prints before its open.
    /// </summary>
    public (int Active, int Ended) At(DateTime now)
    {
        var hours = KrxDayHours.On(now);
        var shift = (int)hours.Open.TotalSeconds;
        var second = (int)now.TimeOfDay.TotalSeconds - shift;
        var last = Last + (int)(hours.Close - hours.Open).TotalSeconds; // the day's last end, on the schedule's seconds
        // Few a day (about 18): a linear scan is as fast as anything.
        var ended = 0;
        for (var i = 0; i < _starts.Length; i++)
        {
            if (second < _starts[i] || _starts[i] + DurationSeconds > last) break;
            if (second < _starts[i] + DurationSeconds) return (i, ended);
            ended++;
        }
        return (-1, ended);
    }
}
