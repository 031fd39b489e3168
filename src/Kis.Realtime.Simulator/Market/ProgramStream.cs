namespace Kis.Realtime.Simulator.Market;

/// <summary>
/// H0NXPGM0 / H0UNPGM0: cumulative program selling and buying (quantities and KRW amounts, beyond 32 bits) with
/// ntby = shnu − seln for quantities and amounts, and whol_ntby_qty = shnu_rsqn − seln_rsqn.
/// </summary>
internal sealed class ProgramStream : MarketStream
{
    private readonly byte[] _code;
    private readonly long _basePrice;
    private long _sellQty, _sellAmount, _buyQty, _buyAmount;

    public ProgramStream(Random random, string key) : base(random)
    {
        _code = System.Text.Encoding.ASCII.GetBytes(key);
        _basePrice = random.Next(1_000, 200_000);
        _sellQty = random.Next(0, 2_000_000);
        _buyQty = random.Next(0, 2_000_000);
        _sellAmount = _sellQty * _basePrice;
        _buyAmount = _buyQty * _basePrice;
    }

    public override int MaxRecordBytes => 200;

    public override void WriteRecord(ref RecordWriter w)
    {
        Tick(3);
        var price = _basePrice + _basePrice * Random.Next(-100, 101) / 10_000;
        var sell = Random.Next(0, 5_000);
        var buy = Random.Next(0, 5_000);
        _sellQty += sell;
        _sellAmount += sell * price;
        _buyQty += buy;
        _buyAmount += buy * price;
        var sellBook = Random.Next(0, 100_000);
        var buyBook = Random.Next(0, 100_000);
        w.Ascii(_code);
        w.Time(Clock);
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
