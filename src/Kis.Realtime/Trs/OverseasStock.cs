using Kis.Realtime.Internal;
using Kis.Realtime.Protocol;

namespace Kis.Realtime;

// Its reads are generated (OverseasStockOrderBookLayouts: views.json's books, by TR id); what each field becomes is here.
/// <summary>
/// HDFSASP0 해외주식 실시간호가 (US: 10 levels) and HDFSASP1 해외주식 지연호가(아시아) (1 level): an overseas stock's order
/// book. Records start with RSYM. Per-level quantity changes (dbidN/daskN 잔량대비) are not in this view; read them by
/// name through <c>SubscribeRecordsAsync</c>.
/// </summary>
public readonly record struct OverseasStockOrderBook : IKisRecord<OverseasStockOrderBook>
{
    /// <inheritdoc/>
    public static IReadOnlyList<TrDefinition> Trs { get; } = [KisTrs.HDFSASP0, KisTrs.HDFSASP1];

    /// <summary>rsym 실시간종목코드: the subscription key.</summary>
    public string Symbol { get; init; }
    /// <summary>symb 종목코드: the ticker.</summary>
    public string Ticker { get; init; }
    /// <summary>zdiv 소숫점자리수: decimals of the prices.</summary>
    public int PriceDecimals { get; init; }
    /// <summary>xymd 현지일자: local date.</summary>
    public DateOnly? LocalDate { get; init; }
    /// <summary>xhms 현지시간: local time.</summary>
    public TimeOnly LocalTime { get; init; }
    /// <summary>kymd 한국일자: date in Korea.</summary>
    public DateOnly? KoreaDate { get; init; }
    /// <summary>khms 한국시간: time in Korea (KST).</summary>
    public TimeOnly KoreaTime { get; init; }
    /// <summary>bvol 매수총잔량: total bid quantity.</summary>
    public long TotalBidQuantity { get; init; }
    /// <summary>avol 매도총잔량: total ask quantity.</summary>
    public long TotalAskQuantity { get; init; }
    /// <summary>bdvl 매수총잔량대비: change in total bid quantity.</summary>
    public long TotalBidQuantityChange { get; init; }
    /// <summary>advl 매도총잔량대비: change in total ask quantity.</summary>
    public long TotalAskQuantityChange { get; init; }
    /// <summary>Levels per side: 10 (HDFSASP0) or 1 (HDFSASP1).</summary>
    public int Depth { get; init; }
    /// <summary>paskN 매도호가 and vaskN 매도잔량: the ask side, best first.</summary>
    public OrderBookLevels Asks { get; init; }
    /// <summary>pbidN 매수호가 and vbidN 매수잔량: the bid side, best first.</summary>
    public OrderBookLevels Bids { get; init; }

    string IKisRecord<OverseasStockOrderBook>.Key => Symbol;

    /// <inheritdoc/>
    public static bool TryDecode(TrDefinition tr, ReadOnlySpan<byte> record, out OverseasStockOrderBook value, out DecodeError error)
    {
        var f = new FieldReads(record);
        if (!OverseasStockOrderBookLayouts.Read(tr.Id, ref f))
        {
            value = default;
            error = new DecodeError(DecodeErrorKind.UnknownTr);
            return false;
        }
        value = new OverseasStockOrderBook
        {
            Symbol = f.Rsym,
            Ticker = f.Symb,
            PriceDecimals = f.Decimals,
            LocalDate = f.Xymd,
            LocalTime = f.Xhms,
            KoreaDate = f.Kymd,
            KoreaTime = f.Khms,
            TotalBidQuantity = f.Bvol,
            TotalAskQuantity = f.Avol,
            TotalBidQuantityChange = f.Bdvl,
            TotalAskQuantityChange = f.Advl,
            Depth = f.Levels,
            Asks = f.Asks,
            Bids = f.Bids,
        };
        error = f.Error;
        return !error.IsError;
    }

    // What each field becomes, by its role; the order and the count are the TR's generated layout (OverseasStockOrderBookLayouts).
    private ref struct FieldReads(ReadOnlySpan<byte> record) : IOverseasStockOrderBookFields
    {
        private TypedFieldReader _r = new(record);
        public OrderBookLevels Asks, Bids;
        public int Levels, Decimals;
        public string Rsym = "", Symb = "";
        public DateOnly? Xymd, Kymd;
        public TimeOnly Xhms, Khms;
        public long Bvol, Avol, Bdvl, Advl;

        public readonly DecodeError Error => _r.Error;

        public void Depth(int levels) => Levels = levels;
        public void Symbol() => Rsym = _r.Text();
        public void Ticker() => Symb = _r.Text();
        public void PriceDecimals() => Decimals = (int)_r.Int64();
        public void LocalDate() => Xymd = _r.Date();
        public void LocalTime() => Xhms = _r.Time();
        public void KoreaDate() => Kymd = _r.Date();
        public void KoreaTime() => Khms = _r.Time();
        public void TotalBidQuantity() => Bvol = _r.Int64();
        public void TotalAskQuantity() => Avol = _r.Int64();
        public void TotalBidQuantityChange() => Bdvl = _r.Int64();
        public void TotalAskQuantityChange() => Advl = _r.Int64();
        public void BidPrice(int level) => Bids[level] = Bids[level] with { Price = _r.Decimal() };
        public void AskPrice(int level) => Asks[level] = Asks[level] with { Price = _r.Decimal() };
        public void BidQuantity(int level) => Bids[level] = Bids[level] with { Quantity = _r.Int64() };
        public void AskQuantity(int level) => Asks[level] = Asks[level] with { Quantity = _r.Int64() };
        public void BidQuantityChange(int level) => _r.Skip(); // dbidN: not kept
        public void AskQuantityChange(int level) => _r.Skip(); // daskN: not kept
    }
}
