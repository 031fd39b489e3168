namespace Kis.Realtime.Simulator.Market;

/// <summary>
/// One venue's trading day of one stock (KRX, NXT, or both combined): cumulative volume and value, open/high/low with
/// their times, buy/sell counts and volumes, the minute chart. Starts again at each trading day's first trade
/// (<see cref="DayRollover"/>). Owned by its <see cref="Stock"/>, under its lock.
/// </summary>
internal sealed class VenueDay
{
    public long Volume, Value, Open, High, Low, SellCount, BuyCount, SellVolume, BuyVolume, LastPrice, PreviousDayVolume;
    public int OpenSecond, HighSecond, LowSecond;
    public long PublishedAskTotal, PublishedBidTotal;
    public readonly long MaxTradeVolume;
    public readonly MinuteChart Chart = new();
    private DayRollover _rollover;

    private VenueDay(long maxTradeVolume, DateTime createdAt)
    {
        MaxTradeVolume = maxTradeVolume;
        // KRX, NXT and the unified feed share one trading day (the KST date): one calendar serves all three.
        _rollover = new DayRollover(MarketCalendar.KrxStocks, createdAt);
    }

    /// <summary>
    /// A venue trading <paramref name="sharesPerSecond"/>, appearing at <paramref name="createdAt"/>: what its day has
    /// already traded since <paramref name="openSecond"/> (nothing in its first minute: the open is still to come).
    /// </summary>
    public VenueDay(Random random, long sharesPerSecond, DateTime createdAt, int openSecond, long price)
        : this(Math.Max(2, 2 * Math.Max(1, sharesPerSecond)), createdAt)
    {
        sharesPerSecond = Math.Max(1, sharesPerSecond);
        PreviousDayVolume = sharesPerSecond * 6 * 3600 * random.Next(80, 121) / 100;
        var secondsIntoDay = (int)createdAt.TimeOfDay.TotalSeconds - openSecond;
        if (secondsIntoDay < 60) return;
        Volume = Math.Min(secondsIntoDay, 12 * 3600) * sharesPerSecond;
        Value = Volume * price;
        SellVolume = Volume / 2;
        BuyVolume = Volume - SellVolume;
        SellCount = SellVolume / Math.Max(1, MaxTradeVolume / 2);
        BuyCount = BuyVolume / Math.Max(1, MaxTradeVolume / 2);
        // Created after the open: the day opened at the current level.
        Open = High = Low = price;
        OpenSecond = HighSecond = LowSecond = openSecond;
    }

    /// <summary>The combined day of two venues: its totals are theirs added, its open the earlier one's.</summary>
    public static VenueDay Sum(VenueDay krx, VenueDay nxt, DateTime createdAt)
    {
        var d = new VenueDay(krx.MaxTradeVolume + nxt.MaxTradeVolume, createdAt)
        {
            Volume = krx.Volume + nxt.Volume, Value = krx.Value + nxt.Value, SellCount = krx.SellCount + nxt.SellCount,
            BuyCount = krx.BuyCount + nxt.BuyCount, SellVolume = krx.SellVolume + nxt.SellVolume, BuyVolume = krx.BuyVolume + nxt.BuyVolume,
            PreviousDayVolume = krx.PreviousDayVolume + nxt.PreviousDayVolume,
        };
        var first = nxt.Open != 0 && (krx.Open == 0 || nxt.OpenSecond <= krx.OpenSecond) ? nxt : krx;
        (d.Open, d.High, d.Low, d.OpenSecond, d.HighSecond, d.LowSecond) = (first.Open, first.High, first.Low, first.OpenSecond, first.HighSecond,
            first.LowSecond);
        var other = ReferenceEquals(first, krx) ? nxt : krx;
        if (other.Open != 0 && other.High > d.High) (d.High, d.HighSecond) = (other.High, other.HighSecond);
        if (other.Open != 0 && other.Low < d.Low) (d.Low, d.LowSecond) = (other.Low, other.LowSecond);
        return d;
    }

    /// <summary>
    /// The open, high, low, value and last price of a backfilled day (<see cref="MinuteChart.Backfill"/>), from its chart:
    /// the current price is where that morning's last minute closed, not the previous close, until the next trade.
    /// </summary>
    public void TakeDaySoFarFromChart()
    {
        if (Chart.DaySoFar() is not { } day) return;
        LastPrice = day.Close;
        (Open, OpenSecond) = (day.Open, (int)day.OpenAt.TimeOfDay.TotalSeconds);
        (High, HighSecond) = (day.High, (int)day.HighAt.TimeOfDay.TotalSeconds);
        (Low, LowSecond) = (day.Low, (int)day.LowAt.TimeOfDay.TotalSeconds);
        Value = day.Value;
    }

    /// <summary>At the first record of a later trading day: the day's totals start from nothing.</summary>
    public void StartDayIfNew(DateTime now)
    {
        if (!_rollover.NewDay(now)) return;
        if (Volume > 0) PreviousDayVolume = Volume;
        Volume = Value = Open = High = Low = SellCount = BuyCount = SellVolume = BuyVolume = 0;
        OpenSecond = HighSecond = LowSecond = 0;
    }

    /// <summary>Adds a trade; true when it opened the day.</summary>
    public bool Apply(DateTime now, long price, long volume, bool buyer)
    {
        var second = (int)now.TimeOfDay.TotalSeconds;
        Volume += volume;
        Value += volume * price;
        if (buyer) (BuyVolume, BuyCount) = (BuyVolume + volume, BuyCount + 1);
        else (SellVolume, SellCount) = (SellVolume + volume, SellCount + 1);
        var opened = Open == 0;
        if (opened)
        {
            Open = High = Low = price;
            OpenSecond = HighSecond = LowSecond = second;
        }
        if (price > High) (High, HighSecond) = (price, second);
        if (price < Low) (Low, LowSecond) = (price, second);
        LastPrice = price;
        Chart.Add(now, price, volume, Value);
        return opened;
    }
}
