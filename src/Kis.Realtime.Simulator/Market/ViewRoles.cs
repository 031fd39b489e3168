namespace Kis.Realtime.Simulator.Market;

/// <summary>
/// What the simulator writes for each typed-view property: the field a view reads (<see cref="ViewFields"/>, generated
/// from tools/trs/views.json) is written by its property's role here, so KIS's field names are stated only in
/// views.json. Keyed by property name, with <c>View.Property</c> where one name means two things. A property missing
/// here leaves its field to the name rules of <see cref="FieldRoles"/> (ViewRoleTests lists such properties).
/// </summary>
internal static class ViewRoles
{
    /// <summary>The role of <paramref name="view"/>'s <paramref name="property"/>; false when it has none here.</summary>
    public static bool TryGet(string view, string property, out FieldRole role, out int level)
    {
        level = 0;
        if (!ByProperty.TryGetValue($"{view}.{property}", out role) && !ByProperty.TryGetValue(property, out role)) return false;
        if (role is FieldRole.AskLevel or FieldRole.BidLevel) level = 1; // BestAsk, BestBid: the touch
        return true;
    }

    /// <summary>Every property with a role here, by role (for the tests).</summary>
    public static IReadOnlyDictionary<string, FieldRole> All => ByProperty;

    private static readonly Dictionary<string, FieldRole> ByProperty = Build(new()
    {
        [FieldRole.Time] = ["Time", "KoreaTime", "OpenTime", "HighTime", "LowTime"],
        [FieldRole.LocalTime] = ["LocalTime"],
        [FieldRole.TimeText] = ["MarketOpenTime", "MarketCloseTime", "ReceivedTime", "ReceivedTimePrecise", "OrderDateTime", "OperationDateTime", "ValidUntil"],
        [FieldRole.Date] = ["BusinessDate", "Date", "KoreaDate", "MarketOpenDate", "MarketCloseDate", "ReceivedDate", "OrderDate", "OriginalOrderDate",
            "OrderGroupDate", "FillDate"],
        [FieldRole.LocalDate] = ["LocalDate"],
        // The overseas market's own trading day (tymd); a domestic business date is the day itself.
        [FieldRole.TradingDate] = ["OverseasStockTrade.BusinessDate"],
        [FieldRole.Price] = ["Price", "ExpectedPrice", "Value", "Nav", "WeightedAveragePrice", "TheoreticalPrice", "NearMonthPrice", "FarMonthPrice",
            "DynamicUpperLimit", "DynamicLowerLimit", "StaticViReferencePrice", "IntrinsicValue", "TimeValue", "CapitalFulcrumPoint", "FillPrice",
            "LimitPrice", "StopPrice", "LiquidationLimitPrice", "LiquidationStopPrice", "TotalReturnIndex", "CleanPriceIndex", "MarketPriceIndex",
            "CallReinvestmentIndex", "ZeroReinvestmentIndex", "FuturesTheoreticalPrice", "AverageDuration", "AverageConvexity",
            "AverageYieldToMaturity", "AverageForwardYieldToMaturity"],
        [FieldRole.Open] = ["Open"],
        [FieldRole.High] = ["High"],
        [FieldRole.Low] = ["Low"],
        [FieldRole.PreviousClose] = ["PreviousClose", "PreviousSettlement", "PreviousTotalReturnIndex"],
        [FieldRole.AskLevel] = ["BestAsk"],
        [FieldRole.BidLevel] = ["BestBid"],
        // Price minus its reference (the previous close, or the open/high/low a name says: GenericStream.ChangeReference).
        [FieldRole.Change] = ["Change", "ExpectedChange", "SettlementChange", "OpenChange", "HighChange", "LowChange", "VsOpen", "VsHigh", "VsLow",
            "MarketBasis", "TheoreticalBasis", "Spread", "OpenChangeRate", "HighChangeRate", "LowChangeRate", "SettlementChangeRate",
            "VolumeVsPreviousDay"],
        [FieldRole.ChangeRate] = ["ChangeRate", "ExpectedChangeRate"],
        [FieldRole.Rate] = ["BuyRatio", "TradeStrength", "DeviationRate", "VolumeTurnover", "VolumeVsPreviousDaySameTime", "Yield", "OpenYield",
            "HighYield", "LowYield", "ImpliedVolatility", "HistoricalVolatility", "Premium", "PremiumRate", "Parity", "Gearing", "Leverage",
            "BreakEvenRate", "ApproachRate", "LpHoldingRate"],
        [FieldRole.Greek] = ["Delta", "Gamma", "Theta", "Vega", "Rho", "Deviation"],
        [FieldRole.Decimal] = ["AverageFillPrice", "Fee", "FillAmount"],
        [FieldRole.Sign] = ["ChangeSign", "ExpectedChangeSign", "SettlementChangeSign", "OpenChangeSign", "HighChangeSign", "LowChangeSign",
            "VsOpenSign", "VsHighSign", "VsLowSign", "TradeSideCode"],
        [FieldRole.Quantity] = ["Volume", "ExpectedVolume", "ExpectedQuantity", "TickVolume", "BestAskQuantity", "BestBidQuantity",
            "TotalAskQuantity", "TotalBidQuantity", "SellOrderBookQuantity", "BuyOrderBookQuantity", "OpenInterest", "PreviousDayVolume",
            "LpHolding", "OrderQuantity", "FilledQuantity", "RemainingQuantity", "FillQuantity", "AdvancingIssues", "DecliningIssues",
            "UnchangedIssues", "UpperLimitIssues", "LowerLimitIssues", "QuotedAdvancingIssues", "QuotedDecliningIssues",
            // Overseas bivl/asvl: the trade's own seller/buyer-initiated volume, not the day's.
            "OverseasStockTrade.SellVolume", "OverseasStockTrade.BuyVolume"],
        [FieldRole.Cumulative] = ["CumulativeVolume", "SellVolume", "BuyVolume", "SellTradeCount", "BuyTradeCount", "BlockTradeVolume",
            "PreviousDayVolumeSameTime"],
        [FieldRole.CumulativeAmount] = ["CumulativeTradeValue", "TickTradeValue", "SellAmount", "BuyAmount"],
        [FieldRole.SignedInteger] = ["NetBuyVolume", "NetBuyAmount", "NetBuyTradeCount", "NetOrderBookQuantity", "OpenInterestChange",
            "LpNetQuantity", "TickChange"],
        [FieldRole.Digits] = ["PriceDecimals"],
        [FieldRole.YesNo] = ["IsHalted", "IsLiquidation", "DynamicLimitCode", "ExerciseReservationCode", "OnlineOrderCode"],
        [FieldRole.SideCode] = ["SideCode"],
        [FieldRole.Code] = ["Side", "SessionCode", "MarketOperationCode", "ExpectedMarketOperationCode", "RandomEndCode", "RandomExtensionCode",
            "AuctionAllocationCode", "IssueStatusCode", "Vi", "AfterHoursVi", "ViStatusCode", "ExchangeCode", "TradeTypeCode", "RevisionCode",
            "ComplexOrderCode", "PriceTypeCode", "ExchangeReceiptCode", "Currency", "ProductTypeCode", "FillConditionCode",
            "AccountLiquidationCode", "AutoOrderCode"],
        [FieldRole.Name] = ["Name"],
        [FieldRole.Symbol] = ["Ticker"],
        [FieldRole.KeyText] = ["Series"],
        [FieldRole.Account] = ["AccountNumber"],
        [FieldRole.OrderNumber] = ["OrderNumber"],
        [FieldRole.OriginalOrderNumber] = ["OriginalOrderNumber"],
        // Identifiers the simulator does not model (fill and group numbers, the orderer, a halt's reason): empty.
        [FieldRole.EmptyText] = ["FillNumber", "ApiFillNumber", "OrderGroupNumber", "Orderer", "HaltReason"],
    });

    private static Dictionary<string, FieldRole> Build(Dictionary<FieldRole, string[]> byRole)
    {
        var byProperty = new Dictionary<string, FieldRole>(StringComparer.Ordinal);
        foreach (var (role, properties) in byRole)
            foreach (var property in properties)
                if (!byProperty.TryAdd(property, role)) throw new InvalidOperationException($"{property} has two roles");
        return byProperty;
    }
}
