namespace Kis.Realtime.Simulator.Market;

/// <summary>
/// H0STMKO0 / H0NXMKO0 / H0UNMKO0: a stock's market status from its venue's <see cref="StockBook"/>, sent as KIS does:
/// once when subscribed, then only when it changes, that is when a VI (<see cref="ViSchedule"/>) starts or ends.
/// Modelled fields, as we read KIS's labels: <c>trht_yn</c> 거래정지여부 <c>N</c> (no halts are modelled),
/// <c>tr_susp_reas_cntt</c> 거래정지사유 empty, <c>mkop_cls_code</c> 장운영구분코드 <c>112</c> (장개시: the regular session;
/// KRX keeps it during a VI and flags the VI apart), <c>vi_cls_code</c> VI적용구분코드 <c>N</c> none / <c>1</c> static /
/// <c>2</c> dynamic, <c>ovtm_vi_cls_code</c> 시간외단일가VI <c>N</c>. The other codes stay generic (from their types).
/// </summary>
internal sealed class MarketStatusStream : GenericStream
{
    private enum F : byte { None, Halted, HaltReason, Operation, Vi, AfterHoursVi }

    private readonly StockBook _book;
    private readonly F[] _fields;
    private int _sentVersion = -1;
    private ViStatus _vi;

    public MarketStatusStream(Random random, TrDefinition tr, string key, SimulatedMarket market, StockBook book) : base(random, tr, key, market)
    {
        _book = book;
        _fields = [.. tr.Fields.Select(f => f.Name switch
        {
            "trht_yn" => F.Halted,
            "tr_susp_reas_cntt" => F.HaltReason,
            "mkop_cls_code" => F.Operation,
            "vi_cls_code" => F.Vi,
            "ovtm_vi_cls_code" => F.AfterHoursVi,
            _ => F.None,
        })];
    }

    /// <summary>A number that changes exactly when the status does: odd while VI <c>i</c> is in force, even between VIs.</summary>
    private static int Version((int Active, int Ended) vi) => vi.Active >= 0 ? 2 * vi.Active + 1 : 2 * vi.Ended;

    public override bool HasRecordAt(DateTime now) => Version(_book.Vi.At(now)) != _sentVersion;

    protected override void BeginRecord(DateTime now)
    {
        var vi = _book.Vi.At(now);
        _sentVersion = Version(vi);
        _vi = vi.Active >= 0 ? _book.Vi.KindOf(vi.Active) : ViStatus.Released;
    }

    protected override bool WriteDomainField(ref RecordWriter w, int index, DateTime now)
    {
        switch (_fields[index])
        {
            case F.None: return false;
            case F.Halted: w.Ascii("N"u8); break;
            case F.HaltReason: w.Empty(); break;
            case F.Operation: w.Ascii("112"u8); break;
            case F.Vi: w.Ascii(_vi switch { ViStatus.Static => "1"u8, ViStatus.Dynamic => "2"u8, _ => "N"u8 }); break;
            case F.AfterHoursVi: w.Ascii("N"u8); break;
        }
        return true;
    }
}
