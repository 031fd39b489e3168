namespace Kis.Realtime.Simulator.Market;

/// <summary>
/// H0UPCNT0: a random walk of an index (held in hundredths) with open/high/low against the previous close, and
/// advancing/declining issue counts that lean with the index. Keeps the relations of kis-protocol.md §7: fields
/// 14/16/18 are open/high/low minus the previous close, 20–22 the same as % of the previous close.
/// </summary>
internal sealed class IndexStream : MarketStream
{
    private readonly byte[] _code;
    private readonly long _previousClose;
    private readonly int _issues;
    private long _value, _open, _high, _low, _volume, _tradeValue;
    private bool _opened;

    public IndexStream(Random random, string key) : base(random)
    {
        _code = System.Text.Encoding.ASCII.GetBytes(key);
        _previousClose = random.Next(50_000, 350_000); // 500.00 .. 3500.00
        _value = _previousClose;
        _issues = random.Next(200, 1800);
        _volume = random.Next(10_000, 50_000);
        _tradeValue = _volume * random.Next(15, 40);
    }

    public override int MaxRecordBytes => 320;

    public override void WriteRecord(ref RecordWriter w)
    {
        Tick(2);
        var before = _value;
        // Steps of a few basis points, with a floor so the level stays positive.
        var step = Random.Next(-30, 31) * _value / 100_000 + Random.Next(-3, 4);
        _value = Math.Max(100, _value + step);
        if (!_opened)
        {
            _open = _high = _low = _value;
            _opened = true;
        }
        _high = Math.Max(_high, _value);
        _low = Math.Min(_low, _value);
        var tickVolume = Random.Next(1, 2_000);
        var tickValue = (long)tickVolume * Random.Next(10, 60);
        _volume += tickVolume;
        _tradeValue += tickValue;

        var change = _value - _previousClose;
        w.Ascii(_code);
        w.Time(Clock);
        w.Fixed(_value, 2);
        w.Sign(change);
        w.Fixed(change, 2);
        w.Int(_volume);
        w.Int(_tradeValue);
        w.Int(tickVolume);
        w.Int(tickValue);
        w.Fixed(Rate(change), 2);
        w.Fixed(_open, 2);
        w.Fixed(_high, 2);
        w.Fixed(_low, 2);
        WriteVersusClose(ref w, _open);
        WriteVersusClose(ref w, _high);
        WriteVersusClose(ref w, _low);
        w.Fixed(Rate(_open - _previousClose), 2);
        w.Fixed(Rate(_high - _previousClose), 2);
        w.Fixed(Rate(_low - _previousClose), 2);

        // Breadth leans with the index: the share of advancing issues follows the change rate.
        var lean = Math.Clamp(50 + (int)(Rate(change) / 10), 5, 95);
        var upperLimit = Random.Next(0, 3);
        var lowerLimit = Random.Next(0, 2);
        var rest = _issues - upperLimit - lowerLimit;
        var unchanged = rest * Random.Next(3, 10) / 100;
        var advancing = (rest - unchanged) * lean / 100;
        var declining = rest - unchanged - advancing;
        w.Int(upperLimit);
        w.Int(advancing);
        w.Int(unchanged);
        w.Int(declining);
        w.Int(lowerLimit);
        w.Int(0);
        w.Int(0);
        w.Int(_value - before);
    }

    private void WriteVersusClose(ref RecordWriter w, long level)
    {
        w.Fixed(level - _previousClose, 2);
        w.Sign(level - _previousClose);
    }

    /// <summary>Change as % of the previous close, in hundredths of a percent, rounded half away from zero.</summary>
    private long Rate(long change)
    {
        var scaled = change * 10_000;
        var q = scaled / _previousClose;
        var r = Math.Abs(scaled % _previousClose) * 2 >= _previousClose ? Math.Sign(scaled) : 0;
        return q + r;
    }
}
