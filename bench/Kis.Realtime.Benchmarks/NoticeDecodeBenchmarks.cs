using System.Text;
using BenchmarkDotNet.Attributes;

namespace Kis.Realtime.Benchmarks;

/// <summary>
/// Typed decode of one already-decrypted order-notice record per TR family (stock, overseas stock, futures/options):
/// the decode alone, without the AES that dominates <see cref="DecodeBenchmarks.Notice_DecryptAndDecode"/>, so a change
/// to the notices' shared head/event reads (Trs/Internal/NoticeFields.cs) shows here.
/// </summary>
[MemoryDiagnoser]
public class NoticeDecodeBenchmarks
{
    // H0STCNI0, 26 fields: a fill of 10 Samsung Electronics at 71,500.
    internal static readonly string StockRecord = string.Join('^',
        "abcd1234", "5012345601", "0000012345", "", "02", "0", "00", "0", "005930", "10", "71500", "093015", "0", "2", "2",
        "01000", "10", "홍길동", "0", "1", "Y", "", "00", "", "삼성전자", "71500");

    // H0GSCNI0, 25 fields: a fill of 5 AAPL at 227.5.
    internal static readonly string OverseasRecord = string.Join('^',
        "abcd1234", "5012345601", "0000012345", "", "02", "0", "00", "AAPL", "5", "227.5000", "223015", "0", "2", "2",
        "01000", "5", "홍길동", "APPLE INC", "1", "00", "", "", "", "", "227.500000000000");

    // H0IFCNI0, 22 fields: the fill DecodeBenchmarks decrypts first.
    internal const string FuturesOptionsRecord =
        "abcd1234^1234567803^0000001666^^02^0^0^111V06^0000000002^007840000^095835^0^2^2^00950^000000000^김한국^삼성전자   F 2^^^^000000000";

    private byte[] _stock = null!;
    private byte[] _overseas = null!;
    private byte[] _futuresOptions = null!;

    [GlobalSetup]
    public void Setup()
    {
        _stock = Encoding.UTF8.GetBytes(StockRecord);
        _overseas = Encoding.UTF8.GetBytes(OverseasRecord);
        _futuresOptions = Encoding.UTF8.GetBytes(FuturesOptionsRecord);
        if (!StockNotice.TryDecode(KisTrs.H0STCNI0, _stock, out _, out var e1)) throw new InvalidOperationException(e1.Describe());
        if (!OverseasStockNotice.TryDecode(KisTrs.H0GSCNI0, _overseas, out _, out var e2)) throw new InvalidOperationException(e2.Describe());
        if (!FuturesOptionsNotice.TryDecode(KisTrs.H0IFCNI0, _futuresOptions, out _, out var e3)) throw new InvalidOperationException(e3.Describe());
    }

    /// <summary>One H0STCNI0 record into a <see cref="StockNotice"/>.</summary>
    [Benchmark]
    public decimal StockNotice_Record()
    {
        StockNotice.TryDecode(KisTrs.H0STCNI0, _stock, out var n, out _);
        return n.Price;
    }

    /// <summary>One H0GSCNI0 record into an <see cref="OverseasStockNotice"/>.</summary>
    [Benchmark]
    public decimal OverseasStockNotice_Record()
    {
        OverseasStockNotice.TryDecode(KisTrs.H0GSCNI0, _overseas, out var n, out _);
        return n.Price;
    }

    /// <summary>One H0IFCNI0 record into a <see cref="FuturesOptionsNotice"/>.</summary>
    [Benchmark]
    public decimal FuturesOptionsNotice_Record()
    {
        FuturesOptionsNotice.TryDecode(KisTrs.H0IFCNI0, _futuresOptions, out var n, out _);
        return n.Price;
    }
}
