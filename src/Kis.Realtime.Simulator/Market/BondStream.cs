namespace Kis.Realtime.Simulator.Market;

/// <summary>
/// H0BJCNT0: trades of one bond with its distinct Korean name from the instrument master, prices per 10,000 KRW face
/// (hundredths) set by its coupon against a market yield of about 2.4–3.2 %, and yields (thousandths of a percent)
/// that move inversely to the price by the bond's duration.
/// </summary>
internal sealed class BondStream : MarketStream
{
    private readonly byte[] _code;
    private readonly string _name;
    private readonly long _previousClose, _anchor, _baseYield, _previousDayVolume, _durationTenths;
    private long _price, _open, _high, _low, _volume;
    private bool _opened;
    private DayRollover _rollover = new(MarketCalendar.KrxBonds);

    public BondStream(Random random, string key, InstrumentMaster master, double secondsIntoDay) : base(random)
    {
        _code = System.Text.Encoding.ASCII.GetBytes(key);
        (_name, var coupon, var years) = master.Bond(key);
        _baseYield = random.Next(2_400, 3_200);
        _durationTenths = Math.Min(years, 20) * 8; // modified duration ≈ 0.8 × years, capped
        // Price ≈ face × (1 + (coupon − yield) × duration), to the won, in hundredths.
        var price = 10_000 + 10_000L * (coupon - _baseYield) * _durationTenths / 1_000_000;
        _previousClose = Math.Clamp(price, 8_000, 13_000) * 100;
        _anchor = _previousClose + random.Next(-30, 31) * 100;
        _price = _previousClose;
        _previousDayVolume = random.Next(1_000_000, 10_000_000);
        _volume = (long)(secondsIntoDay * random.Next(100, 400));
    }

    public override int MaxRecordBytes => 320;

    /// <summary>Yield at a price: dy = −(dP / P) / duration, in thousandths of a percent.</summary>
    private long YieldAt(long price) => Math.Max(1, _baseYield - (price - _previousClose) * 1_000_000 / (_previousClose * _durationTenths));

    /// <summary>The day's volume and open/high/low start again at each trading day's first trade.</summary>
    public override void WriteRecord(ref RecordWriter w, DateTime now)
    {
        if (_rollover.NewDay(now)) (_volume, _opened) = (0, false);
        WriteRecord(ref w, (int)now.TimeOfDay.TotalSeconds);
    }

    public override void WriteRecord(ref RecordWriter w, int secondsOfDay)
    {
        _price = Math.Max(100, _price + Random.Next(-5, 6) * 100 + (_anchor - _price) / 300 / 100 * 100);
        if (!_opened)
        {
            _open = _high = _low = _price;
            _opened = true;
        }
        _high = Math.Max(_high, _price);
        _low = Math.Min(_low, _price);
        var volume = Random.Next(1, 1_000);
        _volume += volume;
        var change = _price - _previousClose;
        w.Ascii(_code);
        w.Text(_name);
        w.Time(secondsOfDay);
        w.Sign(change);
        w.Fixed(change, 2);
        w.Fixed(change * 10_000 / _previousClose, 2);
        w.Fixed(_price, 2);
        w.Int(volume);
        w.Fixed(_open, 2);
        w.Fixed(_high, 2);
        w.Fixed(_low, 2);
        w.Fixed(_previousClose, 2);
        w.Fixed(YieldAt(_price), 3);
        w.Fixed(YieldAt(_open), 3);
        w.Fixed(YieldAt(_high), 3);
        w.Fixed(YieldAt(_low), 3);
        w.Int(_volume);
        w.Int(_previousDayVolume);
        w.Ascii(Random.Next(0, 4) == 0 ? "1"u8 : "2"u8);
    }
}
