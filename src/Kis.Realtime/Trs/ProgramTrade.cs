using Kis.Realtime.Protocol;

namespace Kis.Realtime;

/// <summary>
/// H0NXPGM0 / H0UNPGM0 / H0STPGM0 국내주식 실시간프로그램매매: cumulative program-trading flow of one stock. Volumes are shares traded
/// (as <see cref="StockTrade.BuyVolume"/>), order book quantities shares resting, amounts KRW (beyond 32 bits). Net = buy − sell.
/// </summary>
public readonly record struct ProgramTrade : IKisRecord<ProgramTrade>
{

    /// <summary>The H0NXPGM0 (NXT) field table.</summary>
    public static TrDefinition NxtDefinition => KisTrs.H0NXPGM0;

    /// <summary>The H0UNPGM0 (KRX+NXT) field table.</summary>
    public static TrDefinition UnifiedDefinition => KisTrs.H0UNPGM0;

    /// <summary>The H0STPGM0 (KRX) field table.</summary>
    public static TrDefinition KrxDefinition => KisTrs.H0STPGM0;

    /// <inheritdoc/>
    public static IReadOnlyList<TrDefinition> Trs { get; } = [KisTrs.H0NXPGM0, KisTrs.H0UNPGM0, KisTrs.H0STPGM0];

    /// <summary>Which feed this came from (from the frame's TR id).</summary>
    public StockVenue Venue { get; init; }
    /// <summary>mksc_shrn_iscd: stock short code, e.g. 005930.</summary>
    public string StockCode { get; init; }
    /// <summary>stck_cntg_hour: time (KST).</summary>
    public TimeOnly Time { get; init; }
    /// <summary>seln_cnqn: program sell volume, shares traded (cumulative).</summary>
    public long SellVolume { get; init; }
    /// <summary>seln_tr_pbmn: program sell amount, KRW (cumulative).</summary>
    public long SellAmount { get; init; }
    /// <summary>shnu_cnqn: program buy volume, shares traded (cumulative).</summary>
    public long BuyVolume { get; init; }
    /// <summary>shnu_tr_pbmn: program buy amount, KRW (cumulative).</summary>
    public long BuyAmount { get; init; }
    /// <summary>ntby_cnqn: net buy volume = buy − sell.</summary>
    public long NetBuyVolume { get; init; }
    /// <summary>ntby_tr_pbmn: net buy amount, KRW = buy − sell.</summary>
    public long NetBuyAmount { get; init; }
    /// <summary>seln_rsqn: sell order book quantity (매도호가잔량).</summary>
    public long SellOrderBookQuantity { get; init; }
    /// <summary>shnu_rsqn: buy order book quantity (매수호가잔량).</summary>
    public long BuyOrderBookQuantity { get; init; }
    /// <summary>whol_ntby_qty: net order book quantity = buy − sell book.</summary>
    public long NetOrderBookQuantity { get; init; }

    string IKisRecord<ProgramTrade>.Key => StockCode;

    /// <inheritdoc/>
    public static bool TryDecode(TrDefinition tr, ReadOnlySpan<byte> record, out ProgramTrade value, out DecodeError error)
    {
        var r = new TypedFieldReader(record);
        value = new ProgramTrade
        {
            Venue = Codes.Venue(tr),
            StockCode = r.Text(),
            Time = r.Time(),
            SellVolume = r.Int64(),
            SellAmount = r.Int64(),
            BuyVolume = r.Int64(),
            BuyAmount = r.Int64(),
            NetBuyVolume = r.Int64(),
            NetBuyAmount = r.Int64(),
            SellOrderBookQuantity = r.Int64(),
            BuyOrderBookQuantity = r.Int64(),
            NetOrderBookQuantity = r.Int64(),
        };
        error = r.Error;
        return !error.IsError;
    }
}
