using System.Globalization;
using System.Text.Json;

namespace Kis.Realtime.Internal;

/// <summary>
/// KIS's order REST calls as KIS's own samples (examples_llm) make them: paths, tr_ids of both profiles (the paper
/// server's are the real ones with a leading V), upper-case JSON bodies, and the order kinds' codes.
/// </summary>
internal static class KisOrderWire
{
    public const string StockOrder = "/uapi/domestic-stock/v1/trading/order-cash";
    public const string StockAmendCancel = "/uapi/domestic-stock/v1/trading/order-rvsecncl";
    public const string StockOrders = "/uapi/domestic-stock/v1/trading/inquire-daily-ccld";
    public const string StockBalance = "/uapi/domestic-stock/v1/trading/inquire-balance";
    public const string StockBuyingPower = "/uapi/domestic-stock/v1/trading/inquire-psbl-order";
    public const string FuturesOrder = "/uapi/domestic-futureoption/v1/trading/order";
    public const string FuturesAmendCancel = "/uapi/domestic-futureoption/v1/trading/order-rvsecncl";
    public const string FuturesOrders = "/uapi/domestic-futureoption/v1/trading/inquire-ccnl";
    public const string FuturesBalance = "/uapi/domestic-futureoption/v1/trading/inquire-balance";
    public const string FuturesBuyingPower = "/uapi/domestic-futureoption/v1/trading/inquire-psbl-order";

    /// <summary>The tr_id of a call on the real server, or its paper twin (V…).</summary>
    public static string TrId(string real, KisEnvironment environment) => environment == KisEnvironment.Paper ? "V" + real[1..] : real;

    public static string PlaceTrId(KisProduct product, OrderSide side)
        => product == KisProduct.Stock ? side == OrderSide.Buy ? "TTTC0012U" : "TTTC0011U" : "TTTO1101U";

    public static string AmendCancelPath(KisProduct product) => product == KisProduct.Stock ? StockAmendCancel : FuturesAmendCancel;

    public static string AmendCancelTrId(KisProduct product) => product == KisProduct.Stock ? "TTTC0013U" : "TTTO1103U";

    /// <summary>order-cash's ORD_DVSN.</summary>
    public static string StockKindCode(KisOrderKind kind) => kind switch
    {
        KisOrderKind.Limit => "00", KisOrderKind.Market => "01", KisOrderKind.ConditionalLimit => "02", KisOrderKind.BestLimit => "03",
        KisOrderKind.PriorityLimit => "04", KisOrderKind.PreMarketOffHours => "05", KisOrderKind.AfterMarketOffHours => "06",
        KisOrderKind.OffHoursSinglePrice => "07", KisOrderKind.IocLimit => "11", KisOrderKind.FokLimit => "12", KisOrderKind.IocMarket => "13",
        KisOrderKind.FokMarket => "14", KisOrderKind.IocBestLimit => "15", KisOrderKind.FokBestLimit => "16", KisOrderKind.Midpoint => "21",
        KisOrderKind.StopLimit => "22", KisOrderKind.MidpointIoc => "23", KisOrderKind.MidpointFok => "24",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Not an order kind."),
    };

    /// <summary>The futures/options order's ORD_DVSN_CD, NMPR_TYPE_CD and KRX_NMPR_CNDT_CD; null for a stocks-only kind.</summary>
    public static (string Kind, string PriceType, string Condition)? FuturesKindCodes(KisOrderKind kind) => kind switch
    {
        KisOrderKind.Limit => ("01", "01", "0"), KisOrderKind.Market => ("02", "02", "0"),
        KisOrderKind.ConditionalLimit => ("03", "03", "0"), KisOrderKind.BestLimit => ("04", "04", "0"),
        KisOrderKind.IocLimit => ("10", "01", "3"), KisOrderKind.FokLimit => ("11", "01", "4"),
        KisOrderKind.IocMarket => ("12", "02", "3"), KisOrderKind.FokMarket => ("13", "02", "4"),
        KisOrderKind.IocBestLimit => ("14", "04", "3"), KisOrderKind.FokBestLimit => ("15", "04", "4"),
        _ => null,
    };

    /// <summary>Kinds that carry a price (the others are sent with 0).</summary>
    public static bool HasPrice(KisOrderKind kind) => kind is KisOrderKind.Limit or KisOrderKind.ConditionalLimit or KisOrderKind.OffHoursSinglePrice
        or KisOrderKind.IocLimit or KisOrderKind.FokLimit or KisOrderKind.StopLimit
        or KisOrderKind.Midpoint or KisOrderKind.MidpointIoc or KisOrderKind.MidpointFok;

    private static bool NeedsPrice(KisOrderKind kind) => HasPrice(kind)
        && kind is not (KisOrderKind.Midpoint or KisOrderKind.MidpointIoc or KisOrderKind.MidpointFok);

    /// <summary>
    /// Throws <see cref="ArgumentException"/> (parameter <c>code</c>, the rule in the message) for a code of no form KIS
    /// takes for the product, before anything is sent (issue 73: any five to twelve letters and digits went). A stock,
    /// ETF or ETN (order-cash's PDNO): KRX's six-character short code, digits and upper-case letters from a digit
    /// (005930, 069500, KRX's letter-bearing codes such as 0088M0), or an ETN as KIS writes it, Q and six (Q500001). A
    /// future or option: a KRX short code of six, eight or nine upper-case letters and digits, in one of two families.
    /// The older one starts 1 (futures), 2 (calls), 3 (puts) or 4 (spreads) and a two-character underlying, then a
    /// future's year and two-digit month (six characters: 101W09, KIS's sample), a year, a one-character month and three
    /// more (eight: 101W9000, 201W9350, 401W3W6S), or an option's year, two-digit month and three-digit strike (nine:
    /// 201W08427, KIS's sample); those months are checked. KRX's newer codes start with an upper-case letter (A01606,
    /// A0166000, B0166180, B09F1A03, B0Z66001, as KIS's master file fo_idx_code.mst lists them); their layout varies by
    /// product, so only their length and characters are checked. Which of these the exchange lists today is KIS's to
    /// answer (stock futures and options, weeklies, spreads are not refused here).
    /// </summary>
    public static void ValidateCode(KisProduct product, string code)
    {
        if (product == KisProduct.Stock ? IsStockCode(code) : IsDerivativeCode(code)) return;
        throw new ArgumentException(product == KisProduct.Stock
            ? $"'{code}' is not a KRX stock code: six digits and upper-case letters from a digit (005930, 069500), or an ETN's Q and six (Q500001)."
            : $"'{code}' is not a KRX futures/options short code: six, eight or nine upper-case letters and digits "
              + "starting 1-4 (with a valid expiry month) or a letter (101W09, 101W9000, 201W9350, 201W08427, A0166000, B0166180).", nameof(code));
    }

    private static bool IsStockCode(string? code)
        => code is { Length: 6 } ? char.IsAsciiDigit(code[0]) && code.All(IsUpperOrDigit)
            : code is { Length: 7 } && code[0] == 'Q' && IsStockCode(code[1..]);

    private static bool IsDerivativeCode(string? code)
    {
        if (code is not { Length: 6 or 8 or 9 } || !code.All(IsUpperOrDigit)) return false;
        if (char.IsAsciiLetterUpper(code[0])) return true; // KRX's newer codes (A0166000): their layout is KIS's to judge
        if (code[0] is < '1' or > '4') return false;
        return code.Length switch
        {
            6 => code[0] == '1' && IsMonth(code.AsSpan(4, 2)), // a future: year, two-digit month
            9 => code[0] is '2' or '3' && IsMonth(code.AsSpan(4, 2)) && code.AsSpan(6).IndexOfAnyExceptInRange('0', '9') < 0, // an option: strike
            _ => true, // eight: the forms differ by product (a spread names two expiries); KIS judges them
        };
    }

    private static bool IsMonth(ReadOnlySpan<char> month)
        => char.IsAsciiDigit(month[0]) && char.IsAsciiDigit(month[1]) && (month[0] - '0') * 10 + (month[1] - '0') is >= 1 and <= 12;

    private static bool IsUpperOrDigit(char c) => char.IsAsciiDigit(c) || char.IsAsciiLetterUpper(c);

    public static void ValidatePrice(KisProduct product, KisOrderKind kind, decimal price, decimal? stopPrice)
    {
        if (product == KisProduct.FuturesOptions && FuturesKindCodes(kind) is null)
            throw new ArgumentException(
                $"{kind} is a stock order kind: futures/options take Limit, Market, ConditionalLimit, BestLimit and their IOC/FOK forms.", nameof(kind));
        if (price < 0) throw new ArgumentException($"A price cannot be negative ({price}).", nameof(price));
        if (NeedsPrice(kind) && price == 0) throw new ArgumentException($"A {kind} order needs a price.", nameof(price));
        if (!HasPrice(kind) && price != 0) throw new ArgumentException($"A {kind} order has no price: give 0.", nameof(price));
        if (product == KisProduct.Stock && price != decimal.Truncate(price)) throw new ArgumentException($"Stock prices are whole won, not {price}.",
            nameof(price));
        if (product == KisProduct.FuturesOptions && price * 100 != decimal.Truncate(price * 100))
            throw new ArgumentException($"Futures/options prices have at most two decimals, not {price}.", nameof(price));
        if (kind == KisOrderKind.StopLimit && stopPrice is not > 0) throw new ArgumentException("A StopLimit order needs a positive StopPrice.",
            nameof(stopPrice));
    }

    public static string Exchange(KisStockExchange exchange) => exchange switch
    {
        KisStockExchange.Nxt => "NXT", KisStockExchange.Sor => "SOR", _ => "KRX",
    };

    public static string StockPrice(decimal price) => price.ToString("0", CultureInfo.InvariantCulture);

    public static string FuturesPrice(decimal price) => price.ToString("0.00", CultureInfo.InvariantCulture);

    public static string Quantity(long quantity) => quantity.ToString(CultureInfo.InvariantCulture);

    public static Dictionary<string, string> PlaceBody(KisAccount account, KisOrderRequest order)
    {
        if (order.Product == KisProduct.Stock)
        {
            return new()
            {
                ["CANO"] = account.Number, ["ACNT_PRDT_CD"] = account.ProductCode, ["PDNO"] = order.Code,
                ["ORD_DVSN"] = StockKindCode(order.Kind), ["ORD_QTY"] = Quantity(order.Quantity),
                ["ORD_UNPR"] = StockPrice(HasPrice(order.Kind) ? order.Price : 0), ["EXCG_ID_DVSN_CD"] = Exchange(order.Exchange),
                ["SLL_TYPE"] = order.Side == OrderSide.Sell ? "01" : "", ["CNDT_PRIC"] = order.StopPrice is { } stop ? StockPrice(stop) : "",
            };
        }
        var (kind, priceType, condition) = FuturesKindCodes(order.Kind)!.Value;
        return new()
        {
            ["ORD_PRCS_DVSN_CD"] = "02", ["CANO"] = account.Number, ["ACNT_PRDT_CD"] = account.ProductCode,
            ["SLL_BUY_DVSN_CD"] = order.Side == OrderSide.Buy ? "02" : "01", ["SHTN_PDNO"] = order.Code, ["ORD_QTY"] = Quantity(order.Quantity),
            ["UNIT_PRICE"] = FuturesPrice(HasPrice(order.Kind) ? order.Price : 0), ["NMPR_TYPE_CD"] = priceType, ["KRX_NMPR_CNDT_CD"] = condition,
            ["CTAC_TLNO"] = "", ["FUOP_ITEM_DVSN_CD"] = "", ["ORD_DVSN_CD"] = kind,
        };
    }

    public static Dictionary<string, string> AmendCancelBody(KisAccount account, KisProduct product, bool cancel, string original, string branch,
        long? quantity, KisOrderKind kind, decimal price, KisStockExchange exchange)
    {
        var whole = quantity is null;
        if (product == KisProduct.Stock)
        {
            return new()
            {
                ["CANO"] = account.Number, ["ACNT_PRDT_CD"] = account.ProductCode, ["KRX_FWDG_ORD_ORGNO"] = branch, ["ORGN_ODNO"] = original,
                ["ORD_DVSN"] = StockKindCode(kind), ["RVSE_CNCL_DVSN_CD"] = cancel ? "02" : "01", ["ORD_QTY"] = Quantity(quantity ?? 0),
                ["ORD_UNPR"] = StockPrice(cancel || !HasPrice(kind) ? 0 : price), ["QTY_ALL_ORD_YN"] = whole ? "Y" : "N",
                ["EXCG_ID_DVSN_CD"] = Exchange(exchange),
            };
        }
        var (kindCode, priceType, condition) = FuturesKindCodes(kind)!.Value;
        return new()
        {
            ["ORD_PRCS_DVSN_CD"] = "02", ["CANO"] = account.Number, ["ACNT_PRDT_CD"] = account.ProductCode,
            ["RVSE_CNCL_DVSN_CD"] = cancel ? "02" : "01", ["ORGN_ODNO"] = original, ["ORD_QTY"] = Quantity(quantity ?? 0),
            ["UNIT_PRICE"] = FuturesPrice(cancel || !HasPrice(kind) ? 0 : price), ["NMPR_TYPE_CD"] = priceType, ["KRX_NMPR_CNDT_CD"] = condition,
            ["RMN_QTY_YN"] = whole ? "Y" : "N", ["FUOP_ITEM_DVSN_CD"] = "", ["ORD_DVSN_CD"] = kindCode,
        };
    }

    /// <summary>Order numbers compare without their zero padding ("0000012345" is 12345).</summary>
    public static string Normalize(string? number) => string.IsNullOrWhiteSpace(number) ? "" : number.Trim().TrimStart('0') is { Length: > 0 } n ? n : "0";

    public static string? Text(JsonElement e, string name) => RestHttp.Text(e, name)?.Trim();

    public static long Long(JsonElement e, string name)
        => long.TryParse(Text(e, name), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) ? v : 0;

    public static decimal Decimal(JsonElement e, string name)
        => decimal.TryParse(Text(e, name), NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var v) ? v : 0;

    public static TimeOnly? Time(string? hhmmss)
        => TimeOnly.TryParseExact(hhmmss, "HHmmss", CultureInfo.InvariantCulture, DateTimeStyles.None, out var t) ? t : null;

    public static DateOnly Date(string? yyyymmdd)
        => DateOnly.TryParseExact(yyyymmdd, "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d : default;

    /// <summary>An inquiry page's rows named <paramref name="name"/> (none when absent).</summary>
    public static IEnumerable<JsonElement> Rows(JsonDocument page, string name)
        => page.RootElement.TryGetProperty(name, out var rows) && rows.ValueKind == JsonValueKind.Array ? rows.EnumerateArray() : [];

    /// <summary>output2: an object, or an array of one (KIS gives either, by call).</summary>
    public static JsonElement Summary(JsonDocument page)
    {
        if (!page.RootElement.TryGetProperty("output2", out var output2)) return default;
        var element = output2.ValueKind == JsonValueKind.Array ? output2.EnumerateArray().FirstOrDefault() : output2;
        return element.Clone();
    }

    /// <summary>An inquiry row's original order number (orgn_odno), null for none.</summary>
    public static string? Original(JsonElement row) => Text(row, "orgn_odno") is { Length: > 0 } o && Normalize(o) != "0" ? o : null;

    /// <summary>An inquiry row's side (sll_buy_dvsn_cd).</summary>
    public static OrderSide Side(JsonElement row) => Text(row, "sll_buy_dvsn_cd") switch
    {
        "01" => OrderSide.Sell, "02" => OrderSide.Buy, _ => OrderSide.Unknown,
    };
}
