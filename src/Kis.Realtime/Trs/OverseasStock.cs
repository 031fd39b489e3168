using Kis.Realtime.Protocol;

namespace Kis.Realtime;

// Hand-written (not in views.json): its levels fill inline arrays, interleaved per TR; the generator has no level properties yet.
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
        var r = new TypedFieldReader(record);
        value = new OverseasStockOrderBook
        {
            Symbol = r.Text(),
            Ticker = r.Text(),
            PriceDecimals = (int)r.Int64(),
            LocalDate = r.Date(),
            LocalTime = r.Time(),
            KoreaDate = r.Date(),
            KoreaTime = r.Time(),
            TotalBidQuantity = r.Int64(),
            TotalAskQuantity = r.Int64(),
            TotalBidQuantityChange = r.Int64(),
            TotalAskQuantityChange = r.Int64(),
        };
        var depth = (tr.Fields.Count - 11) / 6;
        OrderBookLevels asks = default, bids = default;
        for (var i = 0; i < depth; i++)
        {
            // Per level: pbid, pask, vbid, vask, dbid, dask.
            var bidPrice = r.Decimal();
            var askPrice = r.Decimal();
            bids[i] = new OrderBookLevel(bidPrice, r.Int64());
            asks[i] = new OrderBookLevel(askPrice, r.Int64());
            r.Skip();
            r.Skip();
        }
        value = value with { Depth = depth, Asks = asks, Bids = bids };
        error = r.Error;
        return !error.IsError;
    }
}
