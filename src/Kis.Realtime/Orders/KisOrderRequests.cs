using System.Diagnostics.CodeAnalysis;
using Kis.Realtime.Internal;

namespace Kis.Realtime;

/// <summary>Which of KIS's domestic order books an order goes to: its REST calls differ (paths, tr_ids, fields).</summary>
public enum KisProduct
{
    /// <summary>KRX/NXT stocks, ETFs and ETNs: order-cash, order-rvsecncl, inquire-daily-ccld, inquire-balance, inquire-psbl-order.</summary>
    Stock,
    /// <summary>KRX futures and options, day session: the domestic-futureoption order calls.</summary>
    FuturesOptions,
}

/// <summary>Where a stock order is routed (order-cash's <c>EXCG_ID_DVSN_CD</c>). The paper server takes KRX only.</summary>
public enum KisStockExchange
{
    /// <summary>The Korea Exchange (KRX).</summary>
    Krx,
    /// <summary>Nextrade (NXT).</summary>
    Nxt,
    /// <summary>KIS's smart order routing between the two (SOR).</summary>
    Sor,
}

/// <summary>
/// An order's kind: KIS's order-cash <c>ORD_DVSN</c> for stocks, and for futures/options the equivalent
/// <c>ORD_DVSN_CD</c>, <c>NMPR_TYPE_CD</c> and <c>KRX_NMPR_CNDT_CD</c> (the kinds marked "stocks only" are refused for
/// futures/options before anything is sent). Every kind KIS's order-cash takes is here.
/// </summary>
public enum KisOrderKind
{
    /// <summary>00 지정가: limit.</summary>
    Limit,
    /// <summary>01 시장가: market (no price).</summary>
    Market,
    /// <summary>02 조건부지정가: limit that becomes market at the closing auction.</summary>
    ConditionalLimit,
    /// <summary>03 최유리지정가: limit at the best opposite price (no price).</summary>
    BestLimit,
    /// <summary>04 최우선지정가: limit at the best same-side price (no price). Stocks only.</summary>
    PriorityLimit,
    /// <summary>05 장전 시간외: pre-market off-hours at the previous close. Stocks only.</summary>
    PreMarketOffHours,
    /// <summary>06 장후 시간외: after-market off-hours at the close. Stocks only.</summary>
    AfterMarketOffHours,
    /// <summary>07 시간외 단일가: off-hours single-price auction. Stocks only.</summary>
    OffHoursSinglePrice,
    /// <summary>11 IOC지정가: limit, immediate or cancel.</summary>
    IocLimit,
    /// <summary>12 FOK지정가: limit, fill or kill.</summary>
    FokLimit,
    /// <summary>13 IOC시장가: market, immediate or cancel (no price).</summary>
    IocMarket,
    /// <summary>14 FOK시장가: market, fill or kill (no price).</summary>
    FokMarket,
    /// <summary>15 IOC최유리: best limit, immediate or cancel (no price).</summary>
    IocBestLimit,
    /// <summary>16 FOK최유리: best limit, fill or kill (no price).</summary>
    FokBestLimit,
    /// <summary>21 중간가: at the midpoint. Stocks only.</summary>
    Midpoint,
    /// <summary>22 스톱지정가: a limit order placed once the price reaches <see cref="KisOrderRequest.StopPrice"/>. Stocks only.</summary>
    StopLimit,
    /// <summary>23 중간가IOC. Stocks only.</summary>
    MidpointIoc,
    /// <summary>24 중간가FOK. Stocks only.</summary>
    MidpointFok,
}

/// <summary>A KIS account: the 8-digit 종합계좌번호 (CANO) and the 2-digit product code (ACNT_PRDT_CD: 01 stocks, 03 futures/options).</summary>
/// <param name="Number">CANO, 8 digits.</param>
/// <param name="ProductCode">ACNT_PRDT_CD, 2 digits.</param>
public sealed record KisAccount(string Number, string ProductCode)
{
    /// <summary>Parses "12345678-01" or "1234567801".</summary>
    /// <exception cref="FormatException">Not 8 + 2 digits.</exception>
    public static KisAccount Parse(string text)
    {
        var digits = (text ?? "").Replace("-", "", StringComparison.Ordinal).Trim();
        if (digits.Length != 10 || !digits.All(char.IsAsciiDigit))
            throw new FormatException($"'{text}' is not a KIS account: 8 digits and a 2-digit product code, e.g. 12345678-01.");
        return new KisAccount(digits[..8], digits[8..]);
    }

    /// <summary>"12345678-01".</summary>
    public override string ToString() => $"{Number}-{ProductCode}";

    internal void Validate(string what)
    {
        if (Number is not { Length: 8 } || !Number.All(char.IsAsciiDigit) || ProductCode is not { Length: 2 } || !ProductCode.All(char.IsAsciiDigit))
            throw new ArgumentException($"{what}: a KIS account is 8 digits (CANO) and a 2-digit product code (ACNT_PRDT_CD).", what);
    }
}

/// <summary>A new order. Build one with <see cref="Stock"/> or <see cref="FuturesOptions"/>.</summary>
public sealed record KisOrderRequest
{
    /// <summary>Stock or futures/options.</summary>
    public required KisProduct Product { get; init; }
    /// <summary>Stock code (005930) or futures/options short code (101W9000).</summary>
    public required string Code { get; init; }
    /// <summary>Buy or sell.</summary>
    public required OrderSide Side { get; init; }
    /// <summary>Shares or contracts, positive.</summary>
    public required long Quantity { get; init; }
    /// <summary>The kind (limit by default).</summary>
    public KisOrderKind Kind { get; init; } = KisOrderKind.Limit;
    /// <summary>The limit price (KRW for stocks, points for futures/options); 0 for the kinds without one.</summary>
    public decimal Price { get; init; }
    /// <summary>The trigger of a <see cref="KisOrderKind.StopLimit"/> (CNDT_PRIC).</summary>
    public decimal? StopPrice { get; init; }
    /// <summary>Stocks: where it is routed (KRX by default).</summary>
    public KisStockExchange Exchange { get; init; } = KisStockExchange.Krx;

    /// <summary>A stock order (limit when <paramref name="price"/> is given, market otherwise unless <paramref name="kind"/> says).</summary>
    public static KisOrderRequest Stock(string code, OrderSide side, long quantity, decimal? price = null, KisOrderKind? kind = null,
        KisStockExchange exchange = KisStockExchange.Krx)
        => new()
        {
            Product = KisProduct.Stock, Code = code, Side = side, Quantity = quantity, Price = price ?? 0,
            Kind = kind ?? (price is null ? KisOrderKind.Market : KisOrderKind.Limit), Exchange = exchange,
        };

    /// <summary>A futures/options order (limit when <paramref name="price"/> is given, market otherwise unless <paramref name="kind"/> says).</summary>
    public static KisOrderRequest FuturesOptions(string code, OrderSide side, long quantity, decimal? price = null, KisOrderKind? kind = null)
        => new()
        {
            Product = KisProduct.FuturesOptions, Code = code, Side = side, Quantity = quantity, Price = price ?? 0,
            Kind = kind ?? (price is null ? KisOrderKind.Market : KisOrderKind.Limit),
        };

    /// <summary>Throws <see cref="ArgumentException"/> naming what makes this order invalid (plumbing for the simulator's venue).</summary>
    [Experimental("KISRT0001")]
    public void Validate()
    {
        if (Side is not (OrderSide.Buy or OrderSide.Sell)) throw new ArgumentException("An order is a buy or a sell.", nameof(Side));
        if (Quantity <= 0) throw new ArgumentException($"An order's quantity must be positive, not {Quantity}.", nameof(Quantity));
        KisOrderWire.ValidateCode(Product, Code);
        KisOrderWire.ValidatePrice(Product, Kind, Price, StopPrice);
    }
}

/// <summary>Amends a working order: a new quantity (or all that is left) at a new price and kind. KIS gives the amendment its own order number.</summary>
public sealed record KisAmendRequest
{
    /// <summary>Stock or futures/options.</summary>
    public required KisProduct Product { get; init; }
    /// <summary>The order amended (ODNO of its placement).</summary>
    public required string OriginalOrderNumber { get; init; }
    /// <summary>How much of it to amend; null: all that is left (QTY_ALL_ORD_YN / RMN_QTY_YN = Y).</summary>
    public long? Quantity { get; init; }
    /// <summary>The new kind.</summary>
    public KisOrderKind Kind { get; init; } = KisOrderKind.Limit;
    /// <summary>The new price (0 for the kinds without one).</summary>
    public decimal Price { get; init; }
    /// <summary>Stocks: the original's exchange.</summary>
    public KisStockExchange Exchange { get; init; } = KisStockExchange.Krx;
    /// <summary>The original's branch (KRX_FWDG_ORD_ORGNO); null: the one its placement answered, else looked up in today's orders.</summary>
    public string? Branch { get; init; }
}

/// <summary>Cancels what is left of a working order (or part of it).</summary>
public sealed record KisCancelRequest
{
    /// <summary>Stock or futures/options.</summary>
    public required KisProduct Product { get; init; }
    /// <summary>The order cancelled (ODNO of its placement or amendment).</summary>
    public required string OriginalOrderNumber { get; init; }
    /// <summary>How much to cancel; null: all that is left.</summary>
    public long? Quantity { get; init; }
    /// <summary>Stocks: the original's exchange.</summary>
    public KisStockExchange Exchange { get; init; } = KisStockExchange.Krx;
    /// <summary>The original's branch; null: the one its placement answered, else looked up in today's orders.</summary>
    public string? Branch { get; init; }
}
