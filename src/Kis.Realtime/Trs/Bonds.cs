using System.Runtime.CompilerServices;
using Kis.Realtime.Protocol;

namespace Kis.Realtime;

/// <summary>Five decimals stored inline (no allocation): the yields of a bond book's levels, best first.</summary>
[InlineArray(Count)]
public struct YieldLevels : IEquatable<YieldLevels>
{
    /// <summary>Levels of a bond book.</summary>
    public const int Count = 5;

    private decimal _level0;

    /// <inheritdoc/>
    public readonly bool Equals(YieldLevels other)
    {
        for (var i = 0; i < Count; i++)
            if (this[i] != other[i]) return false;
        return true;
    }

    /// <inheritdoc/>
    public override readonly bool Equals(object? obj) => obj is YieldLevels other && Equals(other);

    /// <inheritdoc/>
    public override readonly int GetHashCode()
    {
        var hash = new HashCode();
        for (var i = 0; i < Count; i++) hash.Add(this[i]);
        return hash.ToHashCode();
    }

    /// <summary>Equal yields.</summary>
    public static bool operator ==(YieldLevels left, YieldLevels right) => left.Equals(right);

    /// <summary>Different yields.</summary>
    public static bool operator !=(YieldLevels left, YieldLevels right) => !left.Equals(right);
}

/// <summary>
/// H0BJASP0 일반채권 실시간호가: the 5-level order book of an exchange-listed bond, with each level's yield. Prices per
/// 10,000 KRW face, yields in %.
/// </summary>
public readonly record struct BondOrderBook : IKisRecord<BondOrderBook>
{
    /// <inheritdoc/>
    public static IReadOnlyList<TrDefinition> Trs { get; } = [KisTrs.H0BJASP0];

    /// <summary>stnd_iscd 표준종목코드: the ISIN.</summary>
    public string Isin { get; init; }
    /// <summary>stck_cntg_hour 주식체결시간: time (KST).</summary>
    public TimeOnly Time { get; init; }
    /// <summary>askpN 매도호가N and askp_rsqnN 매도호가잔량N: the ask side, best first (5 levels).</summary>
    public OrderBookLevels Asks { get; init; }
    /// <summary>bidpN 매수호가N and bidp_rsqnN 매수호가잔량N: the bid side, best first.</summary>
    public OrderBookLevels Bids { get; init; }
    /// <summary>askp_ertN 매도호가수익률N: yield at each ask level, %.</summary>
    public YieldLevels AskYields { get; init; }
    /// <summary>bidp_ertN 매수호가수익률N: yield at each bid level, %.</summary>
    public YieldLevels BidYields { get; init; }
    /// <summary>total_askp_rsqn 총매도호가잔량.</summary>
    public long TotalAskQuantity { get; init; }
    /// <summary>total_bidp_rsqn 총매수호가잔량.</summary>
    public long TotalBidQuantity { get; init; }

    string IKisRecord<BondOrderBook>.Key => Isin;

    /// <inheritdoc/>
    public static bool TryDecode(TrDefinition tr, ReadOnlySpan<byte> record, out BondOrderBook value, out DecodeError error)
    {
        var r = new TypedFieldReader(record);
        var isin = r.Text();
        var time = r.Time();
        OrderBookLevels asks = default, bids = default;
        YieldLevels askYields = default, bidYields = default;
        for (var i = 0; i < YieldLevels.Count; i++)
        {
            // Per level: ask yield, bid yield, ask price, bid price, ask quantity, bid quantity.
            askYields[i] = r.Decimal();
            bidYields[i] = r.Decimal();
            var askPrice = r.Decimal();
            var bidPrice = r.Decimal();
            asks[i] = new OrderBookLevel(askPrice, r.Int64());
            bids[i] = new OrderBookLevel(bidPrice, r.Int64());
        }
        value = new BondOrderBook
        {
            Isin = isin,
            Time = time,
            Asks = asks,
            Bids = bids,
            AskYields = askYields,
            BidYields = bidYields,
            TotalAskQuantity = r.Int64(),
            TotalBidQuantity = r.Int64(),
        };
        error = r.Error;
        return !error.IsError;
    }
}

/// <summary>H0BICNT0 채권지수 실시간체결가: a tick of a bond index (total return index and its components, duration, YTM).</summary>
public readonly record struct BondIndexTick : IKisRecord<BondIndexTick>
{
    /// <inheritdoc/>
    public static IReadOnlyList<TrDefinition> Trs { get; } = [KisTrs.H0BICNT0];

    /// <summary>nmix_id 지수ID: the index id, e.g. KBPR01.</summary>
    public string IndexId { get; init; }
    /// <summary>stnd_date1 기준일자1: reference date.</summary>
    public DateOnly? Date { get; init; }
    /// <summary>trnm_hour 전송시간: time (KST).</summary>
    public TimeOnly Time { get; init; }
    /// <summary>totl_ernn_nmix_oprc 총수익지수시가지수: open of the total return index.</summary>
    public decimal Open { get; init; }
    /// <summary>totl_ernn_nmix_hgpr 총수익지수최고가.</summary>
    public decimal High { get; init; }
    /// <summary>totl_ernn_nmix_lwpr 총수익지수최저가.</summary>
    public decimal Low { get; init; }
    /// <summary>totl_ernn_nmix 총수익지수: the total return index.</summary>
    public decimal TotalReturnIndex { get; init; }
    /// <summary>prdy_totl_ernn_nmix 전일총수익지수: previous day's total return index.</summary>
    public decimal PreviousTotalReturnIndex { get; init; }
    /// <summary>totl_ernn_nmix_prdy_vrss 총수익지수전일대비.</summary>
    public decimal Change { get; init; }
    /// <summary>totl_ernn_nmix_prdy_vrss_sign 총수익지수전일대비부호.</summary>
    public PriceChangeSign ChangeSign { get; init; }
    /// <summary>totl_ernn_nmix_prdy_ctrt 총수익지수전일대비율, %.</summary>
    public decimal ChangeRate { get; init; }
    /// <summary>clen_prc_nmix 순가격지수: clean price index.</summary>
    public decimal CleanPriceIndex { get; init; }
    /// <summary>mrkt_prc_nmix 시장가격지수: market price index.</summary>
    public decimal MarketPriceIndex { get; init; }
    /// <summary>bond_call_rnvs_nmix Call재투자지수: call reinvestment index.</summary>
    public decimal CallReinvestmentIndex { get; init; }
    /// <summary>bond_zero_rnvs_nmix Zero재투자지수: zero reinvestment index.</summary>
    public decimal ZeroReinvestmentIndex { get; init; }
    /// <summary>bond_futs_thpr 선물이론가격: bond futures theoretical price.</summary>
    public decimal FuturesTheoreticalPrice { get; init; }
    /// <summary>bond_avrg_drtn_val 평균듀레이션: average duration.</summary>
    public decimal AverageDuration { get; init; }
    /// <summary>bond_avrg_cnvx_val 평균컨벡서티: average convexity.</summary>
    public decimal AverageConvexity { get; init; }
    /// <summary>bond_avrg_ytm_val 평균YTM: average yield to maturity, %.</summary>
    public decimal AverageYieldToMaturity { get; init; }
    /// <summary>bond_avrg_frdl_ytm_val 평균선도YTM: average forward YTM, %.</summary>
    public decimal AverageForwardYieldToMaturity { get; init; }

    string IKisRecord<BondIndexTick>.Key => IndexId;

    /// <inheritdoc/>
    public static bool TryDecode(TrDefinition tr, ReadOnlySpan<byte> record, out BondIndexTick value, out DecodeError error)
    {
        var r = new TypedFieldReader(record);
        value = new BondIndexTick
        {
            IndexId = r.Text(),
            Date = r.Date(),
            Time = r.Time(),
            Open = r.Decimal(),
            High = r.Decimal(),
            Low = r.Decimal(),
            TotalReturnIndex = r.Decimal(),
            PreviousTotalReturnIndex = r.Decimal(),
            Change = r.Decimal(),
            ChangeSign = CodeMapping.Sign(r.Digit()),
            ChangeRate = r.Decimal(),
            CleanPriceIndex = r.Decimal(),
            MarketPriceIndex = r.Decimal(),
            CallReinvestmentIndex = r.Decimal(),
            ZeroReinvestmentIndex = r.Decimal(),
            FuturesTheoreticalPrice = r.Decimal(),
            AverageDuration = r.Decimal(),
            AverageConvexity = r.Decimal(),
            AverageYieldToMaturity = r.Decimal(),
            AverageForwardYieldToMaturity = r.Decimal(),
        };
        error = r.Error;
        return !error.IsError;
    }
}
