using System.Text;
using BenchmarkDotNet.Attributes;
using Kis.Realtime.Protocol;

namespace Kis.Realtime.Benchmarks;

/// <summary>
/// Typed decode of the views generated from tools/trs/views.json: a futures trade in the common layout (H0IFCNT0, 50
/// fields) and in H0ZFCNT0's own order, an index options trade (58 fields), an ELW trade (63 fields). Records are filled
/// per field type (prices with decimals, volumes, times, codes), as KIS sends them.
/// </summary>
[MemoryDiagnoser]
public class DerivativesDecodeBenchmarks
{
    private byte[] _index = null!, _stock = null!, _options = null!, _elw = null!;

    [GlobalSetup]
    public void Setup()
    {
        (_index, _stock, _options, _elw) = (Record(KisTrs.H0IFCNT0), Record(KisTrs.H0ZFCNT0), Record(KisTrs.H0IOCNT0), Record(KisTrs.H0EWCNT0));
        if (!FuturesTrade.TryDecode(KisTrs.H0ZFCNT0, _stock, out _, out var e)) throw new InvalidOperationException(e.Describe());
        if (!ElwTrade.TryDecode(KisTrs.H0EWCNT0, _elw, out _, out e)) throw new InvalidOperationException(e.Describe());
    }

    internal static byte[] Record(TrDefinition tr) => Encoding.UTF8.GetBytes(string.Join('^', tr.Fields.Select((f, i) => f.Type switch
    {
        _ when i == tr.KeyField => tr.KeyExample,
        FieldType.Time => "093015",
        FieldType.Date => "20261123",
        FieldType.Code => "2",
        FieldType.Integer => (1234 + 97 * i).ToString(System.Globalization.CultureInfo.InvariantCulture),
        FieldType.Decimal => $"{350 + i}.{i % 100:D2}",
        _ => "N",
    })));

    /// <summary>H0IFCNT0: KOSPI200 futures, the common futures layout.</summary>
    [Benchmark(Baseline = true)]
    public decimal FuturesTrade_Index()
    {
        FuturesTrade.TryDecode(KisTrs.H0IFCNT0, _index, out var t, out _);
        return t.Price;
    }

    /// <summary>H0ZFCNT0: stock futures, their own field order and no block volume.</summary>
    [Benchmark]
    public decimal FuturesTrade_Stock()
    {
        FuturesTrade.TryDecode(KisTrs.H0ZFCNT0, _stock, out var t, out _);
        return t.Price;
    }

    /// <summary>H0IOCNT0: KOSPI200 options with greeks and dynamic limits.</summary>
    [Benchmark]
    public decimal OptionsTrade_Index()
    {
        OptionsTrade.TryDecode(KisTrs.H0IOCNT0, _options, out var t, out _);
        return t.Price;
    }

    /// <summary>H0EWCNT0: an ELW trade.</summary>
    [Benchmark]
    public decimal ElwTrade_Record()
    {
        ElwTrade.TryDecode(KisTrs.H0EWCNT0, _elw, out var t, out _);
        return t.Price;
    }
}
