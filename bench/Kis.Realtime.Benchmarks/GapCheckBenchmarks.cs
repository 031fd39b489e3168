using System.Text;
using BenchmarkDotNet.Attributes;
using Kis.Realtime.Internal;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kis.Realtime.Benchmarks;

/// <summary>
/// What gap detection adds to each trade record a subscription delivers (a client's default: on): reading time,
/// cntg_vol and acml_vol from the record and checking them, next to the typed decode every typed subscription does
/// anyway. ns and bytes per record; the records continue one another (no gap), as a healthy feed's do.
/// </summary>
[MemoryDiagnoser]
public class GapCheckBenchmarks
{
    private const int Records = 1_000;
    private byte[][] _stockTrades = null!;
    private byte[][] _indexTicks = null!;
    private ClientGaps _gaps = null!;

    [GlobalSetup]
    public void Setup()
    {
        _stockTrades = new byte[Records][];
        _indexTicks = new byte[Records][];
        long acml = 1_000_000, indexAcml = 63_952;
        for (var i = 0; i < Records; i++)
        {
            var volume = 1 + i % 17;
            acml += volume;
            var time = $"09{i / 60 % 60:D2}{i % 60:D2}";
            _stockTrades[i] = Encoding.UTF8.GetBytes(
                $"005930^{time}^71900^2^400^0.56^71850.23^71500^72000^71400^71900^71800^{volume}^{acml}^84719658000^41535^64208^22673^62.23^3364882^" +
                $"2932213^1^0.38^36.21^090017^5^-400^091018^2^500^090400^5^-100^20260105^20^N^35373^157318^2160893^938003^0.18^3158410^137.21^0^^71500");
            indexAcml += volume;
            _indexTicks[i] = Encoding.UTF8.GetBytes(
                $"0001^{time}^2600.00^2^32.68^{indexAcml}^1650684^{volume}^10335^1.26^2615.72^2624.82^2610.00^23.86^2^32.96^2^18.14^2^0.92^1.27^0.70^0^670^" +
                $"72^177^0^0^0^19");
        }
        _gaps = new ClientGaps(enabled: true, NullLogger.Instance, TimeProvider.System, meter: null);
    }

    [GlobalCleanup]
    public void Cleanup() => _gaps.Dispose();

    /// <summary>Baseline: the typed decode of a stock trade (what SubscribeStockTradesAsync does per record).</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Records)]
    public long StockTrade_TypedDecode()
    {
        long sum = 0;
        foreach (var record in _stockTrades)
            if (StockTrade.TryDecode(KisTrs.H0STCNT0, record, out var trade, out _)) sum += trade.CumulativeVolume;
        return sum;
    }

    /// <summary>Gap detection's check of a stock trade (a new subscription's check each invocation: state from its first record).</summary>
    [Benchmark(OperationsPerInvoke = Records)]
    public long StockTrade_GapCheck()
    {
        var check = _gaps.For(KisTrs.H0STCNT0, "005930")!;
        foreach (var record in _stockTrades) check.Observe(record, DateTimeOffset.UnixEpoch);
        return check.Detector.Checked;
    }

    /// <summary>Gap detection's check of an index tick (H0UPCNT0: pcas_vol against acml_vol).</summary>
    [Benchmark(OperationsPerInvoke = Records)]
    public long IndexTick_GapCheck()
    {
        var check = _gaps.For(KisTrs.H0UPCNT0, "0001")!;
        foreach (var record in _indexTicks) check.Observe(record, DateTimeOffset.UnixEpoch);
        return check.Detector.Checked;
    }
}
