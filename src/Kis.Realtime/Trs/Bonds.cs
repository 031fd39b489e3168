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

// Hand-written (not in views.json): its levels fill inline arrays, interleaved per TR; the generator has no level properties yet.
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
