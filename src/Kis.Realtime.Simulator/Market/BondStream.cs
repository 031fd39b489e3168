namespace Kis.Realtime.Simulator.Market;

/// <summary>
/// H0BJCNT0: bond trades with a Korean name, prices per 10,000 KRW face (hundredths) and yields (thousandths of a
/// percent) that move inversely to the price.
/// </summary>
internal sealed class BondStream : MarketStream
{
    /// <summary>Names in KIS's style: spaces and brackets included.</summary>
    internal static readonly string[] Names =
    [
        "국고03250-5303(23-2)", "국고02625-2803(18-1)", "국고01125-3909(19-6)", "국민주택1종 23-05",
        "서울도시철도 24-03", "한국전력 1345", "국고04250-2512(22-13)", "지역개발 24-11",
    ];

    private readonly byte[] _code;
    private readonly string _name;
    private readonly long _previousClose, _baseYield, _previousDayVolume;
    private long _price, _open, _high, _low, _volume;
    private bool _opened;

    public BondStream(Random random, string key) : base(random)
    {
        _code = System.Text.Encoding.ASCII.GetBytes(key);
        _name = Names[StableHash.Of(key) % Names.Length];
        _previousClose = random.Next(9_500, 10_800) * 100L;
        _baseYield = random.Next(2_500, 4_000);
        _price = _previousClose;
        _previousDayVolume = random.Next(1_000_000, 10_000_000);
        _volume = random.Next(0, 5_000_000);
        Clock += random.Next(0, 3600);
    }

    public override int MaxRecordBytes => 320;

    /// <summary>Yield at a price: about 0.5 thousandths of a percent down per KRW up (the documented frame's slope).</summary>
    private long YieldAt(long price) => Math.Max(1, _baseYield - (price - _previousClose) / 200);

    public override void WriteRecord(ref RecordWriter w)
    {
        Tick(30);
        _price = Math.Max(100, _price + Random.Next(-5, 6) * 100);
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
        w.Time(Clock);
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
