using System.Text;
using BenchmarkDotNet.Attributes;
using Kis.Realtime.Protocol;

namespace Kis.Realtime.Benchmarks;

/// <summary>
/// Typed decode of the two busiest catalog TRs: H0STCNT0 stock trades (46 fields) and H0STASP0 10-level order books
/// (59 fields). Targets (issue #10): ≥ 3 M and ≥ 2.5 M records/s on one core, 0 B allocated per record.
/// records/s = 1e9 / (ns per record).
/// </summary>
[MemoryDiagnoser]
public class CatalogDecodeBenchmarks
{
    private const int MultiCount = 100;

    // A realistic Samsung Electronics trade, every field filled as KIS sends it.
    internal static readonly string TradeRecord = string.Join('^',
        "005930", "093354", "71900", "5", "-100", "-0.14", "72023.83", "72100", "72400", "71700", "71900", "71800", "15",
        "3052507", "219853170100", "5105", "6937", "1832", "84.90", "1366638", "1160296", "1", "0.42", "95.21", "090020",
        "5", "-200", "093222", "5", "-500", "092322", "2", "200", "20261121", "20", "N", "65945", "216924", "1118750",
        "2268313", "0.05", "2731764", "111.74", "0", "N", "71900");

    // A realistic 10-level book: asks 71,900–72,800, bids 71,800–70,900.
    internal static readonly string BookRecord = string.Join('^',
        new[] { "005930", "093354", "0" }
            .Concat(Enumerable.Range(0, 10).Select(i => (71900 + 100 * i).ToString()))
            .Concat(Enumerable.Range(0, 10).Select(i => (71800 - 100 * i).ToString()))
            .Concat(Enumerable.Range(0, 10).Select(i => (65945 + 1731 * i).ToString()))
            .Concat(Enumerable.Range(0, 10).Select(i => (216924 - 9713 * i).ToString()))
            .Concat(["1118750", "2268313", "0", "0", "0", "0", "0", "0", "0", "0", "3052507", "-2113", "4511", "0", "0", "01"]));

    private byte[] _tradeRecord = null!;
    private byte[] _bookRecord = null!;
    private byte[] _tradeMultiFrame = null!;
    private byte[] _bookMultiFrame = null!;
    private FrameDecoder _decoder = null!;

    [GlobalSetup]
    public void Setup()
    {
        _tradeRecord = Encoding.UTF8.GetBytes(TradeRecord);
        _bookRecord = Encoding.UTF8.GetBytes(BookRecord);
        _tradeMultiFrame = Encoding.UTF8.GetBytes($"0|H0STCNT0|{MultiCount:D3}|" + string.Join("^", Enumerable.Repeat(TradeRecord, MultiCount)));
        _bookMultiFrame = Encoding.UTF8.GetBytes($"0|H0STASP0|{MultiCount:D3}|" + string.Join("^", Enumerable.Repeat(BookRecord, MultiCount)));
        _decoder = new FrameDecoder();
        if (!StockTrade.TryDecode(KisTrs.StockTrades, _tradeRecord, out _, out var e1)) throw new InvalidOperationException(e1.Describe());
        if (!StockOrderBook.TryDecode(KisTrs.StockOrderBooks, _bookRecord, out _, out var e2)) throw new InvalidOperationException(e2.Describe());
    }

    [GlobalCleanup]
    public void Cleanup() => _decoder.Dispose();

    /// <summary>One H0STCNT0 record, all 46 fields into a <see cref="StockTrade"/>.</summary>
    [Benchmark(Baseline = true)]
    public decimal StockTrade_Record()
    {
        StockTrade.TryDecode(KisTrs.StockTrades, _tradeRecord, out var trade, out _);
        return trade.Price;
    }

    /// <summary>One H0STASP0 record, all 59 fields into a <see cref="StockOrderBook"/> (20 inline levels).</summary>
    [Benchmark]
    public decimal StockOrderBook_Record()
    {
        StockOrderBook.TryDecode(KisTrs.StockOrderBooks, _bookRecord, out var book, out _);
        return book.Bids[9].Price;
    }

    /// <summary>Frame split + typed decode, per record of a 100-record H0STCNT0 frame.</summary>
    [Benchmark(OperationsPerInvoke = MultiCount)]
    public decimal StockTrade_Frame_100Records_PerRecord()
    {
        decimal sum = 0;
        DataFrame.TryParse(_tradeMultiFrame, out var frame, out _);
        _decoder.TryOpen(frame, out var tr, out var records, out _);
        while (records.TryNext(out var record))
        {
            StockTrade.TryDecode(tr, record, out var trade, out _);
            sum += trade.Price;
        }
        return sum;
    }

    /// <summary>Frame split + typed decode, per record of a 100-record H0STASP0 frame.</summary>
    [Benchmark(OperationsPerInvoke = MultiCount)]
    public decimal StockOrderBook_Frame_100Records_PerRecord()
    {
        decimal sum = 0;
        DataFrame.TryParse(_bookMultiFrame, out var frame, out _);
        _decoder.TryOpen(frame, out var tr, out var records, out _);
        while (records.TryNext(out var record))
        {
            StockOrderBook.TryDecode(tr, record, out var book, out _);
            sum += book.Asks[0].Price;
        }
        return sum;
    }
}
