using System.Runtime.CompilerServices;
using Kis.Realtime.Internal;
using Kis.Realtime.Protocol;

namespace Kis.Realtime;

/// <summary>One of the five member firms (거래원) with the most selling or buying in a stock today.</summary>
/// <param name="Name">seln2_mbcr_nameN / byov_mbcr_nameN 회원사명: the firm's Korean name.</param>
/// <param name="EnglishName">seln2_mbcr_eng_nameN / byov_mbcr_eng_nameN 영문회원사명.</param>
/// <param name="Code">seln_mbcr_noN / shnu_mbcr_noN 거래원코드: the member code (leading zeros kept).</param>
/// <param name="ForeignCode">seln_mbcr_glob_yn_N / shnu_mbcr_glob_yn_N 거래원구분: foreign-firm flag, as sent.</param>
/// <param name="Quantity">total_seln_qtyN / total_shnu_qtyN 총 매도/매수 수량: shares sold or bought today.</param>
/// <param name="Share">seln_mbcr_rlimN / shnu_mbcr_rlimN 회원사 비중: the firm's share of the side, %.</param>
/// <param name="QuantityChange">seln_qty_icdcN / shnu_qty_icdcN 수량 증감: change since the last update.</param>
public readonly record struct BrokerRank(string Name, string EnglishName, string Code, string ForeignCode, long Quantity, decimal Share, long QuantityChange);

/// <summary>The top five member firms of one side, stored inline (no array).</summary>
[InlineArray(Count)]
public struct BrokerRanks : IEquatable<BrokerRanks>
{
    /// <summary>Firms per side.</summary>
    public const int Count = 5;

    private BrokerRank _rank0;

    /// <inheritdoc/>
    public readonly bool Equals(BrokerRanks other)
    {
        for (var i = 0; i < Count; i++)
            if (this[i] != other[i]) return false;
        return true;
    }

    /// <inheritdoc/>
    public override readonly bool Equals(object? obj) => obj is BrokerRanks other && Equals(other);

    /// <inheritdoc/>
    public override readonly int GetHashCode()
    {
        var hash = new HashCode();
        for (var i = 0; i < Count; i++) hash.Add(this[i]);
        return hash.ToHashCode();
    }

    /// <summary>Equal ranks.</summary>
    public static bool operator ==(BrokerRanks left, BrokerRanks right) => left.Equals(right);

    /// <summary>Different ranks.</summary>
    public static bool operator !=(BrokerRanks left, BrokerRanks right) => !left.Equals(right);
}

// Hand-written (not in views.json): each side's five firms fill an inline array of BrokerRank; the generator has no such properties.
/// <summary>
/// H0STMBC0 국내주식 실시간회원사 (KRX), H0NXMBC0 (NXT) and H0UNMBC0 (통합): the five member firms (거래원) selling and
/// buying the most of a stock today, and foreign firms' totals.
/// </summary>
public readonly record struct BrokerFlow : IKisRecord<BrokerFlow>
{
    /// <inheritdoc/>
    public static IReadOnlyList<TrDefinition> Trs { get; } = [KisTrs.H0STMBC0, KisTrs.H0NXMBC0, KisTrs.H0UNMBC0];

    /// <summary>Which market's feed this came from.</summary>
    public StockVenue Venue { get; init; }
    /// <summary>mksc_shrn_iscd 유가증권 단축 종목코드.</summary>
    public string StockCode { get; init; }
    /// <summary>The top five sellers (seln…N fields), largest first.</summary>
    public BrokerRanks Sellers { get; init; }
    /// <summary>The top five buyers (byov…/shnu…N fields), largest first.</summary>
    public BrokerRanks Buyers { get; init; }
    /// <summary>glob_total_seln_qty 외국계 총 매도 수량.</summary>
    public long ForeignSellQuantity { get; init; }
    /// <summary>glob_total_shnu_qty 외국계 총 매수2 수량.</summary>
    public long ForeignBuyQuantity { get; init; }
    /// <summary>glob_total_seln_qty_icdc 외국계 총 매도 수량 증감.</summary>
    public long ForeignSellQuantityChange { get; init; }
    /// <summary>glob_total_shnu_qty_icdc 외국계 총 매수2 수량 증감.</summary>
    public long ForeignBuyQuantityChange { get; init; }
    /// <summary>glob_ntby_qty 외국계 순매수 수량.</summary>
    public long ForeignNetBuyQuantity { get; init; }
    /// <summary>glob_seln_rlim 외국계 매도 비중, %.</summary>
    public decimal ForeignSellShare { get; init; }
    /// <summary>glob_shnu_rlim 외국계 매수2 비중, %.</summary>
    public decimal ForeignBuyShare { get; init; }

    string IKisRecord<BrokerFlow>.Key => StockCode;

    /// <inheritdoc/>
    public static bool TryDecode(TrDefinition tr, ReadOnlySpan<byte> record, out BrokerFlow value, out DecodeError error)
    {
        const int N = BrokerRanks.Count;
        var r = new TypedFieldReader(record);
        var code = r.Text();
        BrokerRanks sellers = default, buyers = default;
        // Each attribute comes as five sellers then five buyers: names, quantities, foreign flags, codes, shares, changes.
        for (var i = 0; i < N; i++) sellers[i] = sellers[i] with { Name = r.Text() };
        for (var i = 0; i < N; i++) buyers[i] = buyers[i] with { Name = r.Text() };
        for (var i = 0; i < N; i++) sellers[i] = sellers[i] with { Quantity = r.Int64() };
        for (var i = 0; i < N; i++) buyers[i] = buyers[i] with { Quantity = r.Int64() };
        for (var i = 0; i < N; i++) sellers[i] = sellers[i] with { ForeignCode = r.Text() };
        for (var i = 0; i < N; i++) buyers[i] = buyers[i] with { ForeignCode = r.Text() };
        for (var i = 0; i < N; i++) sellers[i] = sellers[i] with { Code = r.Text() };
        for (var i = 0; i < N; i++) buyers[i] = buyers[i] with { Code = r.Text() };
        for (var i = 0; i < N; i++) sellers[i] = sellers[i] with { Share = r.Decimal() };
        for (var i = 0; i < N; i++) buyers[i] = buyers[i] with { Share = r.Decimal() };
        for (var i = 0; i < N; i++) sellers[i] = sellers[i] with { QuantityChange = r.Int64() };
        for (var i = 0; i < N; i++) buyers[i] = buyers[i] with { QuantityChange = r.Int64() };
        value = new BrokerFlow
        {
            Venue = Codes.Venue(tr),
            StockCode = code,
            ForeignSellQuantity = r.Int64(),
            ForeignBuyQuantity = r.Int64(),
            ForeignSellQuantityChange = r.Int64(),
            ForeignBuyQuantityChange = r.Int64(),
            ForeignNetBuyQuantity = r.Int64(),
            ForeignSellShare = r.Decimal(),
            ForeignBuyShare = r.Decimal(),
        };
        for (var i = 0; i < N; i++) sellers[i] = sellers[i] with { EnglishName = r.Text() };
        for (var i = 0; i < N; i++) buyers[i] = buyers[i] with { EnglishName = r.Text() };
        value = value with { Sellers = sellers, Buyers = buyers };
        error = r.Error;
        return !error.IsError;
    }
}
