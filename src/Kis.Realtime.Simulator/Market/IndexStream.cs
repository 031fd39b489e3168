namespace Kis.Realtime.Simulator.Market;

/// <summary>
/// H0UPCNT0: an index (held in hundredths) from the instrument master's previous close, moving in small steps with a
/// pull towards the day's drift (so its level stays plausible at any pace), open/high/low against the previous close,
/// and advancing/declining issue counts that lean with the index. Keeps the relations of docs/kis-protocol.md §7: fields
/// 14/16/18 are open/high/low minus the previous close, 20–22 the same as % of the previous close.
/// </summary>
internal sealed class IndexStream : MarketStream
{
    private readonly byte[] _code;
    private readonly long _previousClose, _anchor, _volumePerRecord;
    private readonly int _issues;
    private long _value, _open, _high, _low, _volume, _tradeValue;
    private bool _opened;
    private DayRollover _rollover = new(MarketCalendar.KrxIndices);

    public IndexStream(Random random, string key, InstrumentMaster master, double secondsIntoDay) : base(random)
    {
        _code = System.Text.Encoding.ASCII.GetBytes(key);
        (_previousClose, _issues) = master.Index(key);
        // Today's drift: up to ±1.5 % from the previous close; the walk is pulled towards it.
        _anchor = _previousClose + _previousClose * random.Next(-150, 151) / 10_000;
        _value = _previousClose + _previousClose * random.Next(-50, 51) / 10_000;
        // KOSPI trades ~90 thousand shares and ~2,300 million KRW a second (docs/kis-protocol.md §7's frame); smaller
        // indices in proportion to their issues. acml_vol is in thousands of shares, acml_tr_pbmn in million KRW.
        _volumePerRecord = Math.Max(5, 90L * _issues / 950);
        _volume = (long)(secondsIntoDay * _volumePerRecord);
        _tradeValue = _volume * random.Next(20, 30);
    }

    public override int MaxRecordBytes => 320;

    /// <summary>The day's volume, value and open/high/low start again at each trading day's first tick.</summary>
    public override void WriteRecord(ref RecordWriter w, DateTime now)
    {
        if (_rollover.NewDay(now)) (_volume, _tradeValue, _opened) = (0, 0, false);
        WriteRecord(ref w, (int)now.TimeOfDay.TotalSeconds);
    }

    public override void WriteRecord(ref RecordWriter w, int secondsOfDay)
    {
        var before = _value;
        var noise = Random.Next(-30, 31) * _value / 100_000 + Random.Next(-3, 4);
        _value = Math.Max(100, _value + noise + (_anchor - _value) / 400);
        if (!_opened)
        {
            _open = _high = _low = _value;
            _opened = true;
        }
        _high = Math.Max(_high, _value);
        _low = Math.Min(_low, _value);
        var tickVolume = Random.NextInt64(1, 2 * _volumePerRecord + 1);
        var tickValue = tickVolume * Random.Next(20, 30);
        _volume += tickVolume;
        _tradeValue += tickValue;

        var change = _value - _previousClose;
        w.Ascii(_code);
        w.Time(secondsOfDay);
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
        var rest = Math.Max(0, _issues - upperLimit - lowerLimit);
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
