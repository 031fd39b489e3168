using Kis.Realtime.Protocol;

namespace Kis.Realtime;

/// <summary>
/// HDFSCNT0 해외주식 실시간지연체결가: one trade of an overseas stock (US real-time for free, other markets delayed).
/// Records start with RSYM (the subscription key, e.g. DNASAAPL), as KIS's portal spec and legacy samples say; KIS's
/// newest samples omit it. Prices are in the market's currency, as sent.
/// </summary>
public readonly record struct OverseasStockTrade : IKisRecord<OverseasStockTrade>
{
    /// <inheritdoc/>
    public static IReadOnlyList<TrDefinition> Trs { get; } = [KisTrs.HDFSCNT0];

    /// <summary>rsym 실시간종목코드: the subscription key, e.g. DNASAAPL.</summary>
    public string Symbol { get; init; }
    /// <summary>symb 종목코드: the ticker, e.g. AAPL.</summary>
    public string Ticker { get; init; }
    /// <summary>zdiv 소숫점자리수: decimals the market quotes prices with.</summary>
    public int PriceDecimals { get; init; }
    /// <summary>tymd 현지영업일자: local business date.</summary>
    public DateOnly? BusinessDate { get; init; }
    /// <summary>xymd 현지일자: local date of the trade.</summary>
    public DateOnly? LocalDate { get; init; }
    /// <summary>xhms 현지시간: local time of the trade.</summary>
    public TimeOnly LocalTime { get; init; }
    /// <summary>kymd 한국일자: date of the trade in Korea.</summary>
    public DateOnly? KoreaDate { get; init; }
    /// <summary>khms 한국시간: time of the trade in Korea (KST).</summary>
    public TimeOnly KoreaTime { get; init; }
    /// <summary>open 시가.</summary>
    public decimal Open { get; init; }
    /// <summary>high 고가.</summary>
    public decimal High { get; init; }
    /// <summary>low 저가.</summary>
    public decimal Low { get; init; }
    /// <summary>last 현재가: the trade price.</summary>
    public decimal Price { get; init; }
    /// <summary>sign 대비구분: direction vs the previous close.</summary>
    public PriceChangeSign ChangeSign { get; init; }
    /// <summary>diff 전일대비: change vs the previous close.</summary>
    public decimal Change { get; init; }
    /// <summary>rate 등락율: change, %.</summary>
    public decimal ChangeRate { get; init; }
    /// <summary>pbid 매수호가: best bid.</summary>
    public decimal BestBid { get; init; }
    /// <summary>pask 매도호가: best ask.</summary>
    public decimal BestAsk { get; init; }
    /// <summary>vbid 매수잔량: quantity at the best bid.</summary>
    public long BestBidQuantity { get; init; }
    /// <summary>vask 매도잔량: quantity at the best ask.</summary>
    public long BestAskQuantity { get; init; }
    /// <summary>evol 체결량: shares in this trade.</summary>
    public long Volume { get; init; }
    /// <summary>tvol 거래량: the day's volume.</summary>
    public long CumulativeVolume { get; init; }
    /// <summary>tamt 거래대금: the day's traded value, in the market's currency.</summary>
    public decimal CumulativeTradeValue { get; init; }
    /// <summary>bivl 매도체결량: seller-initiated volume (KIS's label).</summary>
    public long SellVolume { get; init; }
    /// <summary>asvl 매수체결량: buyer-initiated volume (KIS's label).</summary>
    public long BuyVolume { get; init; }
    /// <summary>strn 체결강도: trade strength.</summary>
    public decimal TradeStrength { get; init; }
    /// <summary>mtyp 시장구분: session code (regular, pre-, after-market), as sent.</summary>
    public string SessionCode { get; init; }

    string IKisRecord<OverseasStockTrade>.Key => Symbol;

    /// <inheritdoc/>
    public static bool TryDecode(TrDefinition tr, ReadOnlySpan<byte> record, out OverseasStockTrade value, out DecodeError error)
    {
        var r = new TypedFieldReader(record);
        value = new OverseasStockTrade
        {
            Symbol = r.Text(),
            Ticker = r.Text(),
            PriceDecimals = (int)r.Int64(),
            BusinessDate = r.Date(),
            LocalDate = r.Date(),
            LocalTime = r.Time(),
            KoreaDate = r.Date(),
            KoreaTime = r.Time(),
            Open = r.Decimal(),
            High = r.Decimal(),
            Low = r.Decimal(),
            Price = r.Decimal(),
            ChangeSign = CodeMapping.Sign(r.Digit()),
            Change = r.Decimal(),
            ChangeRate = r.Decimal(),
            BestBid = r.Decimal(),
            BestAsk = r.Decimal(),
            BestBidQuantity = r.Int64(),
            BestAskQuantity = r.Int64(),
            Volume = r.Int64(),
            CumulativeVolume = r.Int64(),
            CumulativeTradeValue = r.Decimal(),
            SellVolume = r.Int64(),
            BuyVolume = r.Int64(),
            TradeStrength = r.Decimal(),
            SessionCode = r.Text(),
        };
        error = r.Error;
        return !error.IsError;
    }
}

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
