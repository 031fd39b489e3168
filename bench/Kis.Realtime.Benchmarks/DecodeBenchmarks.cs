using System.Text;
using BenchmarkDotNet.Attributes;
using Kis.Realtime.Protocol;

namespace Kis.Realtime.Benchmarks;

/// <summary>
/// Typed decode of the five seed TRs from the documented KIS frames. The figures that matter: ns per record
/// (records/s = 1e9 / ns) and bytes allocated per record.
/// </summary>
[MemoryDiagnoser]
public class DecodeBenchmarks
{
    private const int MultiCount = 100;
    private const string IndexRecord = "0001^091240^2624.54^2^32.68^63952^1650684^439^10335^1.26^2615.72^2624.82^2610.00^23.86^2^32.96^2^18.14^2^0.92^1.27^" +
        "0.70^0^670^72^177^0^0^0^19";
    private const string BondRecord = "KR103502GD31^국고03250-5303(23-2)^131743^2^5.00^0.05^10575.00^1^10525.00^10578.00^10525.00^0.00^3.012^3.037^3.010^" +
        "3.037^6594124^9874082^2";
    private const string ProgramRecord = "005930^092237^1413444^109159646900^1189408^91931710200^-224036^-17227936700^65033^15475^-49558";
    private const string NoticeRecord = "abcd1234^1234567803^0000001666^^02^0^0^111V06^0000000002^007840000^095835^0^2^2^00950^000000000^김한국^삼성전자   F " +
        "2^^^^000000000";
    private const string Key = "abcdefghijklmnopabcdefghijklmnop";
    private const string Iv = "0123456789abcdef";

    private byte[] _indexRecord = null!;
    private byte[] _indexFrame = null!;
    private byte[] _indexMultiFrame = null!;
    private byte[] _bondFrame = null!;
    private byte[] _programFrame = null!;
    private byte[] _programMultiFrame = null!;
    private byte[] _noticeFrame = null!;
    private FrameDecoder _decoder = null!;
    private readonly System.Buffers.ArrayBufferWriter<byte> _json = new(64 * 1024);
    private System.Text.Json.Utf8JsonWriter _jsonWriter = null!;

    [GlobalSetup]
    public void Setup()
    {
        _indexRecord = Encoding.UTF8.GetBytes(IndexRecord);
        _indexFrame = Encoding.UTF8.GetBytes("0|H0UPCNT0|001|" + IndexRecord);
        _indexMultiFrame = Encoding.UTF8.GetBytes($"0|H0UPCNT0|{MultiCount:D3}|" + string.Join("^", Enumerable.Repeat(IndexRecord, MultiCount)));
        _bondFrame = Encoding.UTF8.GetBytes("0|H0BJCNT0|001|" + BondRecord);
        _programFrame = Encoding.UTF8.GetBytes("0|H0UNPGM0|001|" + ProgramRecord);
        _programMultiFrame = Encoding.UTF8.GetBytes($"0|H0NXPGM0|{MultiCount:D3}|" + string.Join("^", Enumerable.Repeat(ProgramRecord, MultiCount)));
        _decoder = new FrameDecoder();
        _decoder.Keys.Set(KisTrs.FuturesOptionsNotices.TrId, Key, Iv);
        using var cipher = new NoticeCipher(Key, Iv);
        _noticeFrame = [.. "1|H0IFCNI0|001|"u8, .. cipher.EncryptToBase64(Encoding.UTF8.GetBytes(NoticeRecord))];
    }

    /// <summary>The `kisrt decode` / `stream --format jsonl` path for one index record.</summary>
    [Benchmark]
    public int IndexTick_Record_ToJson()
    {
        _json.ResetWrittenCount();
        _jsonWriter ??= new System.Text.Json.Utf8JsonWriter(_json, Kis.Realtime.Formatting.RecordJson.WriterOptions);
        _jsonWriter.Reset(_json);
        Kis.Realtime.Formatting.RecordJson.Write(_jsonWriter, IndexTick.Definition, _indexRecord, "0001", DateTimeOffset.UnixEpoch);
        _jsonWriter.Flush();
        return _json.WrittenCount;
    }

    [GlobalCleanup]
    public void Cleanup() => _decoder.Dispose();

    /// <summary>The headline figure: one H0UPCNT0 record, all 30 fields into typed values.</summary>
    [Benchmark(Baseline = true)]
    public decimal IndexTick_Record()
    {
        IndexTick.TryDecode(IndexTick.Definition, _indexRecord, out var tick, out _);
        return tick.Value;
    }

    [Benchmark]
    public decimal IndexTick_Frame_1Record() => DecodeAll<IndexTick>(_indexFrame, static t => t.Value);

    [Benchmark(OperationsPerInvoke = MultiCount)]
    public decimal IndexTick_Frame_100Records_PerRecord() => DecodeAll<IndexTick>(_indexMultiFrame, static t => t.Value);

    [Benchmark]
    public decimal BondTrade_Frame_1Record() => DecodeAll<BondTrade>(_bondFrame, static t => t.Price);

    [Benchmark]
    public decimal ProgramTrade_Frame_1Record() => DecodeAll<ProgramTrade>(_programFrame, static t => t.NetBuyAmount);

    [Benchmark(OperationsPerInvoke = MultiCount)]
    public decimal ProgramTrade_Frame_100Records_PerRecord() => DecodeAll<ProgramTrade>(_programMultiFrame, static t => t.NetBuyAmount);

    /// <summary>Base64 + AES-256-CBC + typed decode of one notice.</summary>
    [Benchmark]
    public decimal Notice_DecryptAndDecode() => DecodeAll<FuturesOptionsNotice>(_noticeFrame, static t => t.Price);

    private decimal DecodeAll<T>(byte[] message, Func<T, decimal> pick) where T : struct, IKisRecord<T>
    {
        decimal sum = 0;
        DataFrame.TryParse(message, out var frame, out _);
        if (!_decoder.TryOpen(frame, out var tr, out var records, out _)) throw new InvalidOperationException("bad frame");
        while (records.TryNext(out var record))
        {
            if (!T.TryDecode(tr, record, out var value, out _)) throw new InvalidOperationException("bad record");
            sum += pick(value);
        }
        return sum;
    }
}
