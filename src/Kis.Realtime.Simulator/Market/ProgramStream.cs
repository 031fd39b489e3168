using Kis.Realtime.Simulator.Rules;

namespace Kis.Realtime.Simulator.Market;

/// <summary>
/// H0NXPGM0 / H0UNPGM0: cumulative program selling and buying of one stock since its market opened (quantities and KRW
/// amounts, beyond 32 bits) at prices around the stock's level in the instrument master, so the average price
/// (amount ÷ quantity) is the stock's price. ntby = shnu − seln for quantities and amounts, and
/// whol_ntby_qty = shnu_rsqn − seln_rsqn. NXT alone carries about 15 % of the combined flow.
/// </summary>
internal sealed class ProgramStream : MarketStream
{
    private readonly byte[] _code;
    private readonly long _basePrice, _maxQuantityPerRecord, _bookScale;
    private long _sellQty, _sellAmount, _buyQty, _buyAmount;
    private DayRollover _rollover = new(MarketCalendar.KrxStocks); // KRX, NXT and unified: the KST date

    public ProgramStream(Random random, string key, InstrumentMaster master, double secondsIntoDay, bool nxtOnly) : base(random)
    {
        _code = System.Text.Encoding.ASCII.GetBytes(key);
        (_basePrice, var turnover) = master.Stock(key);
        if (nxtOnly) turnover = turnover * 15 / 100;
        var sharesPerSecond = Math.Max(1, turnover / _basePrice);
        _maxQuantityPerRecord = 2 * sharesPerSecond;
        _bookScale = Math.Max(10, sharesPerSecond * 60);
        // What the day has already traded when the instrument first appears (zero at the open).
        _sellQty = (long)(secondsIntoDay * sharesPerSecond * random.Next(80, 121) / 100);
        _buyQty = (long)(secondsIntoDay * sharesPerSecond * random.Next(80, 121) / 100);
        _sellAmount = _sellQty * _basePrice;
        _buyAmount = _buyQty * _basePrice;
    }

    public override int MaxRecordBytes => 200;

    /// <summary>The day's cumulative program flow starts again at each trading day's first record.</summary>
    public override void WriteRecord(ref RecordWriter w, DateTime now)
    {
        if (_rollover.NewDay(now)) _sellQty = _sellAmount = _buyQty = _buyAmount = 0;
        WriteRecord(ref w, (int)now.TimeOfDay.TotalSeconds);
    }

    public override void WriteRecord(ref RecordWriter w, int secondsOfDay)
    {
        // Within ±1 % of the stock's level, on its tick size.
        var price = KrxRules.RoundDownToStockTick(_basePrice + _basePrice * Random.Next(-100, 101) / 10_000);
        var sell = Random.NextInt64(0, _maxQuantityPerRecord + 1);
        var buy = Random.NextInt64(0, _maxQuantityPerRecord + 1);
        _sellQty += sell;
        _sellAmount += sell * price;
        _buyQty += buy;
        _buyAmount += buy * price;
        var sellBook = Random.NextInt64(0, _bookScale);
        var buyBook = Random.NextInt64(0, _bookScale);
        w.Ascii(_code);
        w.Time(secondsOfDay);
        w.Int(_sellQty);
        w.Int(_sellAmount);
        w.Int(_buyQty);
        w.Int(_buyAmount);
        w.Int(_buyQty - _sellQty);
        w.Int(_buyAmount - _sellAmount);
        w.Int(sellBook);
        w.Int(buyBook);
        w.Int(buyBook - sellBook);
    }
}
