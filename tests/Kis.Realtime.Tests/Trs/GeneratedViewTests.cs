using System.Reflection;
using System.Text;
using Kis.Realtime.Protocol;

namespace Kis.Realtime.Tests.Trs;

/// <summary>
/// The views generated from tools/trs/views.json read, in every TR they list, the field each property is documented to
/// read. The expected mapping below is written independently of the spec, so a wrong field in the spec (or a generator
/// that reads the wrong position) fails here.
/// </summary>
public class GeneratedViewTests
{
    // Property -> the field it reads; "a|b": the first of them the TR has (none: the property is null there);
    // "-": not a field (Market, Venue and flags such as IsExpected come from the TR id, checked in MoreViewTests and
    // StockViewTests; PreviousClose and IsViActive are computed from other properties).
    private static readonly Dictionary<Type, Dictionary<string, string>> Expected = new()
    {
        [typeof(FuturesTrade)] = new()
        {
            ["Market"] = "-", ["Code"] = "futs_shrn_iscd", ["Time"] = "bsop_hour", ["Price"] = "futs_prpr|stck_prpr",
            ["ChangeSign"] = "prdy_vrss_sign", ["Change"] = "futs_prdy_vrss|prdy_vrss",
            ["ChangeRate"] = "futs_prdy_ctrt", ["Open"] = "futs_oprc|stck_oprc", ["High"] = "futs_hgpr|stck_hgpr",
            ["Low"] = "futs_lwpr|stck_lwpr", ["Volume"] = "last_cnqn", ["CumulativeVolume"] = "acml_vol",
            ["CumulativeTradeValue"] = "acml_tr_pbmn", ["TheoreticalPrice"] = "hts_thpr",
            ["MarketBasis"] = "mrkt_basis", ["DeviationRate"] = "dprt", ["NearMonthPrice"] = "nmsc_fctn_stpl_prc",
            ["FarMonthPrice"] = "fmsc_fctn_stpl_prc", ["Spread"] = "spead_prc",
            ["OpenInterest"] = "hts_otst_stpl_qty", ["OpenInterestChange"] = "otst_stpl_qty_icdc",
            ["BuyRatio"] = "shnu_rate", ["TradeStrength"] = "cttr", ["Deviation"] = "esdg",
            ["TheoreticalBasis"] = "thpr_basis", ["BestAsk"] = "futs_askp1|askp1", ["BestBid"] = "futs_bidp1|bidp1",
            ["BestAskQuantity"] = "askp_rsqn1", ["BestBidQuantity"] = "bidp_rsqn1", ["SellVolume"] = "seln_cntg_smtn",
            ["BuyVolume"] = "shnu_cntg_smtn", ["TotalAskQuantity"] = "total_askp_rsqn",
            ["TotalBidQuantity"] = "total_bidp_rsqn", ["BlockTradeVolume"] = "dscs_bltr_acml_qty",
            ["DynamicUpperLimit"] = "dynm_mxpr", ["DynamicLowerLimit"] = "dynm_llam",
            ["DynamicLimitCode"] = "dynm_prc_limt_yn",
        },
        [typeof(OptionsTrade)] = new()
        {
            ["Market"] = "-", ["Code"] = "optn_shrn_iscd", ["Time"] = "bsop_hour", ["Price"] = "optn_prpr",
            ["ChangeSign"] = "prdy_vrss_sign", ["Change"] = "optn_prdy_vrss", ["ChangeRate"] = "prdy_ctrt",
            ["Open"] = "optn_oprc", ["High"] = "optn_hgpr", ["Low"] = "optn_lwpr", ["Volume"] = "last_cnqn",
            ["CumulativeVolume"] = "acml_vol", ["CumulativeTradeValue"] = "acml_tr_pbmn",
            ["TheoreticalPrice"] = "hts_thpr", ["OpenInterest"] = "hts_otst_stpl_qty",
            ["OpenInterestChange"] = "otst_stpl_qty_icdc", ["Premium"] = "prmm_val", ["IntrinsicValue"] = "invl_val",
            ["TimeValue"] = "tmvl_val", ["Delta"] = "delta", ["Gamma"] = "gama", ["Vega"] = "vega",
            ["Theta"] = "theta", ["Rho"] = "rho", ["ImpliedVolatility"] = "hts_ints_vltl",
            ["HistoricalVolatility"] = "unas_hist_vltl", ["BestAsk"] = "optn_askp1", ["BestBid"] = "optn_bidp1",
            ["BestAskQuantity"] = "askp_rsqn1", ["BestBidQuantity"] = "bidp_rsqn1",
            ["TotalAskQuantity"] = "total_askp_rsqn", ["TotalBidQuantity"] = "total_bidp_rsqn",
            ["DynamicUpperLimit"] = "dynm_mxpr", ["DynamicLowerLimit"] = "dynm_llam",
        },
        [typeof(ElwTrade)] = new()
        {
            ["ElwCode"] = "mksc_shrn_iscd", ["Time"] = "stck_cntg_hour", ["Price"] = "stck_prpr",
            ["ChangeSign"] = "prdy_vrss_sign", ["Change"] = "prdy_vrss", ["ChangeRate"] = "prdy_ctrt",
            ["Open"] = "stck_oprc", ["High"] = "stck_hgpr", ["Low"] = "stck_lwpr", ["BestAsk"] = "askp1",
            ["BestBid"] = "bidp1", ["Volume"] = "cntg_vol", ["CumulativeVolume"] = "acml_vol",
            ["CumulativeTradeValue"] = "acml_tr_pbmn", ["Side"] = "cntg_cls_code", ["BusinessDate"] = "bsop_date",
            ["IsHalted"] = "trht_yn", ["TimeValue"] = "tmvl_val", ["Parity"] = "prit", ["Premium"] = "prmm_val",
            ["Gearing"] = "gear", ["BreakEvenRate"] = "prls_qryr_rate", ["IntrinsicValue"] = "invl_val",
            ["PremiumRate"] = "prmm_rate", ["CapitalFulcrumPoint"] = "cfp", ["Leverage"] = "lvrg_val",
            ["Delta"] = "delta", ["Gamma"] = "gama", ["Vega"] = "vega", ["Theta"] = "theta", ["Rho"] = "rho",
            ["ImpliedVolatility"] = "hts_ints_vltl", ["TheoreticalPrice"] = "hts_thpr",
            ["ApproachRate"] = "apprch_rate", ["LpHolding"] = "lp_hvol", ["LpHoldingRate"] = "lp_hldn_rate",
            ["LpNetQuantity"] = "lp_ntby_qty",
        },
        [typeof(DerivativesExpectedTrade)] = new()
        {
            ["Market"] = "-", ["Code"] = "futs_shrn_iscd|optn_shrn_iscd", ["Time"] = "bsop_hour", ["ExpectedPrice"] = "antc_cnpr",
            ["ExpectedChange"] = "antc_cntg_vrss", ["ExpectedChangeSign"] = "antc_cntg_vrss_sign",
            ["ExpectedChangeRate"] = "antc_cntg_prdy_ctrt", ["ExpectedMarketOperationCode"] = "antc_mkop_cls_code",
            ["ExpectedQuantity"] = "antc_cnqn",
        },
        [typeof(OverseasFuturesTrade)] = new()
        {
            ["SeriesCode"] = "series_cd", ["BusinessDate"] = "bsns_date", ["MarketOpenDate"] = "mrkt_open_date",
            ["MarketOpenTime"] = "mrkt_open_time", ["MarketCloseDate"] = "mrkt_close_date", ["MarketCloseTime"] = "mrkt_close_time",
            ["PreviousClose"] = "prev_price", ["ReceivedDate"] = "recv_date", ["ReceivedTime"] = "recv_time",
            ["SessionCode"] = "active_flag", ["Price"] = "last_price", ["Volume"] = "last_qntt", ["Change"] = "prev_diff_price",
            ["ChangeRate"] = "prev_diff_rate", ["Open"] = "open_price", ["High"] = "high_price", ["Low"] = "low_price",
            ["CumulativeVolume"] = "vol", ["ChangeSign"] = "prev_sign", ["TradeSideCode"] = "quotsign",
            ["ReceivedTimePrecise"] = "recv_time2", ["PreviousSettlement"] = "psttl_price",
            ["SettlementChangeSign"] = "psttl_sign", ["SettlementChange"] = "psttl_diff_price",
            ["SettlementChangeRate"] = "psttl_diff_rate",
        },
        [typeof(EtfNav)] = new()
        {
            ["EtfCode"] = "mksc_shrn_iscd", ["Nav"] = "nav", ["ChangeSign"] = "nav_prdy_vrss_sign",
            ["Change"] = "nav_prdy_vrss", ["ChangeRate"] = "nav_prdy_ctrt", ["Open"] = "oprc_nav",
            ["High"] = "hprc_nav", ["Low"] = "lprc_nav",
        },
        [typeof(ProgramTrade)] = new()
        {
            ["Venue"] = "-", ["StockCode"] = "mksc_shrn_iscd", ["Time"] = "stck_cntg_hour",
            ["SellVolume"] = "seln_cnqn", ["SellAmount"] = "seln_tr_pbmn", ["BuyVolume"] = "shnu_cnqn",
            ["BuyAmount"] = "shnu_tr_pbmn", ["NetBuyVolume"] = "ntby_cnqn", ["NetBuyAmount"] = "ntby_tr_pbmn",
            ["SellOrderBookQuantity"] = "seln_rsqn", ["BuyOrderBookQuantity"] = "shnu_rsqn",
            ["NetOrderBookQuantity"] = "whol_ntby_qty",
        },
        [typeof(BondTrade)] = new()
        {
            ["Isin"] = "stnd_iscd", ["Name"] = "bond_isnm", ["Time"] = "stck_cntg_hour",
            ["ChangeSign"] = "prdy_vrss_sign", ["Change"] = "prdy_vrss", ["ChangeRate"] = "prdy_ctrt",
            ["Price"] = "stck_prpr", ["Volume"] = "cntg_vol", ["Open"] = "stck_oprc", ["High"] = "stck_hgpr",
            ["Low"] = "stck_lwpr", ["PreviousClose"] = "stck_prdy_clpr", ["Yield"] = "bond_cntg_ert",
            ["OpenYield"] = "oprc_ert", ["HighYield"] = "hgpr_ert", ["LowYield"] = "lwpr_ert",
            ["CumulativeVolume"] = "acml_vol", ["PreviousDayVolume"] = "prdy_vol",
            ["TradeTypeCode"] = "cntg_type_cls_code",
        },
        [typeof(BondIndexTick)] = new()
        {
            ["IndexId"] = "nmix_id", ["Date"] = "stnd_date1", ["Time"] = "trnm_hour",
            ["Open"] = "totl_ernn_nmix_oprc", ["High"] = "totl_ernn_nmix_hgpr", ["Low"] = "totl_ernn_nmix_lwpr",
            ["TotalReturnIndex"] = "totl_ernn_nmix", ["PreviousTotalReturnIndex"] = "prdy_totl_ernn_nmix",
            ["Change"] = "totl_ernn_nmix_prdy_vrss", ["ChangeSign"] = "totl_ernn_nmix_prdy_vrss_sign",
            ["ChangeRate"] = "totl_ernn_nmix_prdy_ctrt", ["CleanPriceIndex"] = "clen_prc_nmix",
            ["MarketPriceIndex"] = "mrkt_prc_nmix", ["CallReinvestmentIndex"] = "bond_call_rnvs_nmix",
            ["ZeroReinvestmentIndex"] = "bond_zero_rnvs_nmix", ["FuturesTheoreticalPrice"] = "bond_futs_thpr",
            ["AverageDuration"] = "bond_avrg_drtn_val", ["AverageConvexity"] = "bond_avrg_cnvx_val",
            ["AverageYieldToMaturity"] = "bond_avrg_ytm_val",
            ["AverageForwardYieldToMaturity"] = "bond_avrg_frdl_ytm_val",
        },
        [typeof(IndexTick)] = new()
        {
            ["IsExpected"] = "-", ["IndexCode"] = "bstp_cls_code", ["Time"] = "bsop_hour",
            ["Value"] = "prpr_nmix", ["ChangeSign"] = "prdy_vrss_sign", ["Change"] = "bstp_nmix_prdy_vrss",
            ["CumulativeVolume"] = "acml_vol", ["CumulativeTradeValue"] = "acml_tr_pbmn",
            ["TickVolume"] = "pcas_vol", ["TickTradeValue"] = "pcas_tr_pbmn", ["ChangeRate"] = "prdy_ctrt",
            ["Open"] = "oprc_nmix", ["High"] = "nmix_hgpr", ["Low"] = "nmix_lwpr",
            ["OpenChange"] = "oprc_vrss_nmix_prpr", ["OpenChangeSign"] = "oprc_vrss_nmix_sign",
            ["HighChange"] = "hgpr_vrss_nmix_prpr", ["HighChangeSign"] = "hgpr_vrss_nmix_sign",
            ["LowChange"] = "lwpr_vrss_nmix_prpr", ["LowChangeSign"] = "lwpr_vrss_nmix_sign",
            ["OpenChangeRate"] = "prdy_clpr_vrss_oprc_rate", ["HighChangeRate"] = "prdy_clpr_vrss_hgpr_rate",
            ["LowChangeRate"] = "prdy_clpr_vrss_lwpr_rate", ["UpperLimitIssues"] = "uplm_issu_cnt",
            ["AdvancingIssues"] = "ascn_issu_cnt", ["UnchangedIssues"] = "stnr_issu_cnt",
            ["DecliningIssues"] = "down_issu_cnt", ["LowerLimitIssues"] = "lslm_issu_cnt",
            ["QuotedAdvancingIssues"] = "qtqt_ascn_issu_cnt", ["QuotedDecliningIssues"] = "qtqt_down_issu_cnt",
            ["TickChange"] = "tick_vrss", ["PreviousClose"] = "-",
        },
        [typeof(MarketStatus)] = new()
        {
            ["Venue"] = "-", ["StockCode"] = "mksc_shrn_iscd", ["IsHalted"] = "trht_yn",
            ["HaltReason"] = "tr_susp_reas_cntt", ["MarketOperationCode"] = "mkop_cls_code",
            ["ExpectedMarketOperationCode"] = "antc_mkop_cls_code",
            ["RandomExtensionCode"] = "mrkt_trtm_cls_code", ["AuctionAllocationCode"] = "divi_app_cls_code",
            ["IssueStatusCode"] = "iscd_stat_cls_code", ["Vi"] = "vi_cls_code",
            ["AfterHoursVi"] = "ovtm_vi_cls_code", ["ExchangeCode"] = "exch_cls_code", ["IsViActive"] = "-",
        },
        [typeof(OverseasStockTrade)] = new()
        {
            ["Symbol"] = "rsym", ["Ticker"] = "symb", ["PriceDecimals"] = "zdiv", ["BusinessDate"] = "tymd",
            ["LocalDate"] = "xymd", ["LocalTime"] = "xhms", ["KoreaDate"] = "kymd", ["KoreaTime"] = "khms",
            ["Open"] = "open", ["High"] = "high", ["Low"] = "low", ["Price"] = "last", ["ChangeSign"] = "sign",
            ["Change"] = "diff", ["ChangeRate"] = "rate", ["BestBid"] = "pbid", ["BestAsk"] = "pask",
            ["BestBidQuantity"] = "vbid", ["BestAskQuantity"] = "vask", ["Volume"] = "evol",
            ["CumulativeVolume"] = "tvol", ["CumulativeTradeValue"] = "tamt", ["SellVolume"] = "bivl",
            ["BuyVolume"] = "asvl", ["TradeStrength"] = "strn", ["SessionCode"] = "mtyp",
        },
        [typeof(StockTrade)] = new()
        {
            ["IsAfterHours"] = "-", ["Venue"] = "-", ["StockCode"] = "mksc_shrn_iscd",
            ["Time"] = "stck_cntg_hour", ["Price"] = "stck_prpr", ["ChangeSign"] = "prdy_vrss_sign",
            ["Change"] = "prdy_vrss", ["ChangeRate"] = "prdy_ctrt",
            ["WeightedAveragePrice"] = "wghn_avrg_stck_prc", ["Open"] = "stck_oprc", ["High"] = "stck_hgpr",
            ["Low"] = "stck_lwpr", ["BestAsk"] = "askp1", ["BestBid"] = "bidp1", ["Volume"] = "cntg_vol",
            ["CumulativeVolume"] = "acml_vol", ["CumulativeTradeValue"] = "acml_tr_pbmn",
            ["SellTradeCount"] = "seln_cntg_csnu", ["BuyTradeCount"] = "shnu_cntg_csnu",
            ["NetBuyTradeCount"] = "ntby_cntg_csnu", ["TradeStrength"] = "cttr",
            ["SellVolume"] = "seln_cntg_smtn", ["BuyVolume"] = "shnu_cntg_smtn",
            ["Side"] = "ccld_dvsn|cntg_cls_code", ["BuyRatio"] = "shnu_rate",
            ["VolumeVsPreviousDay"] = "prdy_vol_vrss_acml_vol_rate", ["OpenTime"] = "oprc_hour",
            ["VsOpenSign"] = "oprc_vrss_prpr_sign", ["VsOpen"] = "oprc_vrss_prpr", ["HighTime"] = "hgpr_hour",
            ["VsHighSign"] = "hgpr_vrss_prpr_sign", ["VsHigh"] = "hgpr_vrss_prpr", ["LowTime"] = "lwpr_hour",
            ["VsLowSign"] = "lwpr_vrss_prpr_sign", ["VsLow"] = "lwpr_vrss_prpr", ["BusinessDate"] = "bsop_date",
            ["MarketOperationCode"] = "new_mkop_cls_code", ["IsHalted"] = "trht_yn",
            ["BestAskQuantity"] = "askp_rsqn1", ["BestBidQuantity"] = "bidp_rsqn1",
            ["TotalAskQuantity"] = "total_askp_rsqn", ["TotalBidQuantity"] = "total_bidp_rsqn",
            ["VolumeTurnover"] = "vol_tnrt", ["PreviousDayVolumeSameTime"] = "prdy_smns_hour_acml_vol",
            ["VolumeVsPreviousDaySameTime"] = "prdy_smns_hour_acml_vol_rate", ["SessionCode"] = "hour_cls_code",
            ["RandomEndCode"] = "mrkt_trtm_cls_code", ["StaticViReferencePrice"] = "vi_stnd_prc",
            ["PreviousClose"] = "-",
        },
        [typeof(StockExpectedTrade)] = new()
        {
            ["IsAfterHours"] = "-", ["Venue"] = "-", ["StockCode"] = "mksc_shrn_iscd",
            ["Time"] = "stck_cntg_hour", ["ExpectedPrice"] = "stck_prpr", ["ChangeSign"] = "prdy_vrss_sign",
            ["Change"] = "prdy_vrss", ["ChangeRate"] = "prdy_ctrt", ["Open"] = "stck_oprc",
            ["High"] = "stck_hgpr", ["Low"] = "stck_lwpr", ["BestAsk"] = "askp1", ["BestBid"] = "bidp1",
            ["ExpectedVolume"] = "cntg_vol", ["CumulativeVolume"] = "acml_vol",
            ["CumulativeTradeValue"] = "acml_tr_pbmn", ["Side"] = "cntg_cls_code", ["BusinessDate"] = "bsop_date",
            ["MarketOperationCode"] = "new_mkop_cls_code", ["IsHalted"] = "trht_yn",
            ["BestAskQuantity"] = "askp_rsqn1", ["BestBidQuantity"] = "bidp_rsqn1",
            ["TotalAskQuantity"] = "total_askp_rsqn", ["TotalBidQuantity"] = "total_bidp_rsqn",
            ["SessionCode"] = "hour_cls_code", ["RandomEndCode"] = "mrkt_trtm_cls_code",
            ["ViStatusCode"] = "vi_stnd_prc",
        },
        [typeof(OverseasFuturesNotice)] = new()
        {
            ["IsFill"] = "-", ["UserId"] = "user_id", ["AccountNumber"] = "acct_no", ["OrderDate"] = "ord_dt",
            ["OrderNumber"] = "odno", ["OriginalOrderDate"] = "orgn_ord_dt",
            ["OriginalOrderNumber"] = "orgn_odno", ["Series"] = "series", ["RevisionCode"] = "rvse_cncl_dvsn_cd",
            ["SideCode"] = "sll_buy_dvsn_cd", ["ComplexOrderCode"] = "cplx_ord_dvsn_cd",
            ["PriceTypeCode"] = "prce_tp", ["ExchangeReceiptCode"] = "fm_excg_rcit_dvsn_cd",
            ["OrderQuantity"] = "ord_qty", ["LimitPrice"] = "fm_lmt_pric", ["StopPrice"] = "fm_stop_ord_pric",
            ["FilledQuantity"] = "tot_ccld_qty", ["AverageFillPrice"] = "tot_ccld_uv",
            ["RemainingQuantity"] = "ord_remq", ["OrderGroupDate"] = "fm_ord_grp_dt",
            ["OrderGroupNumber"] = "ord_grp_stno", ["OrderDateTime"] = "ord_dtl_dtime",
            ["OperationDateTime"] = "oprt_dtl_dtime", ["Orderer"] = "work_empl", ["Currency"] = "crcy_cd",
            ["ProductTypeCode"] = "fuop_item_dvsn_cd", ["IsLiquidation"] = "lqd_yn",
            ["LiquidationLimitPrice"] = "lqd_lmt_pric", ["LiquidationStopPrice"] = "lqd_stop_pric",
            ["FillConditionCode"] = "trd_cond", ["ValidUntil"] = "term_ord_vald_dtime",
            ["AccountLiquidationCode"] = "spec_tp", ["ExerciseReservationCode"] = "ecis_rsvn_ord_yn",
            ["AutoOrderCode"] = "auto_ord_dvsn_cd", ["FillDate"] = "ccld_dt", ["FillNumber"] = "ccno",
            ["ApiFillNumber"] = "api_ccno", ["FillQuantity"] = "ccld_qty", ["FillPrice"] = "fm_ccld_pric",
            ["Fee"] = "trst_fee", ["OnlineOrderCode"] = "ord_mdia_online_yn", ["FillAmount"] = "fm_ccld_amt",
        },
    };

    private static object Decode<T>(TrDefinition tr, byte[] record) where T : struct, IKisRecord<T>
    {
        Assert.True(T.TryDecode(tr, record, out var value, out var error), $"{tr.Id}: {error.Describe(tr)}");
        return value;
    }

    public static TheoryData<string> ViewNames => [.. Expected.Keys.Select(t => t.Name)];

    /// <summary>
    /// For every TR of the view and every property: two records that differ only in the expected field (two values of
    /// the property's type) decode to those two values; where the TR lacks the field the property is null.
    /// </summary>
    [Theory]
    [MemberData(nameof(ViewNames))]
    public void Every_property_reads_its_own_field_in_every_tr(string viewName)
    {
        var type = Expected.Keys.Single(t => t.Name == viewName);
        var trs = (IReadOnlyList<TrDefinition>)type.GetProperty("Trs", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!;
        var decodeOne = typeof(GeneratedViewTests).GetMethod(nameof(Decode), BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(type);
        object DecodeRecord(TrDefinition tr, byte[] record) => decodeOne.Invoke(null, [tr, record])!;
        var expected = Expected[type];
        var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance);
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), properties.Select(p => p.Name).Order(StringComparer.Ordinal));
        foreach (var tr in trs)
        {
            foreach (var property in properties)
            {
                var fields = expected[property.Name];
                if (fields == "-") continue;
                var where = $"{tr.Id} {viewName}.{property.Name}";
                var field = fields.Split('|').FirstOrDefault(f => tr.IndexOf(f) >= 0);
                if (field is null)
                {
                    // A TR without the field: null, or the empty value of a type that is not nullable ("", 0).
                    var nullable = Nullable.GetUnderlyingType(property.PropertyType) is not null
                        || new NullabilityInfoContext().Create(property).ReadState == NullabilityState.Nullable;
                    var empty = nullable ? null : property.PropertyType == typeof(string) ? "" : Activator.CreateInstance(property.PropertyType);
                    Assert.Equal(empty, property.GetValue(DecodeRecord(tr, new GoldenRecord(tr).Bytes)));
                    continue;
                }
                foreach (var (text, value) in Samples(property.PropertyType, tr.Fields[tr.IndexOf(field)]))
                {
                    var record = new GoldenRecord(tr, new Dictionary<string, string> { [field] = text });
                    Assert.True(Equals(value, property.GetValue(DecodeRecord(tr, record.Bytes))), $"{where} should read {field} = {text}");
                }
            }
        }
    }

    /// <summary>Two field texts with the value each must decode to, for a property of <paramref name="type"/>.</summary>
    private static IEnumerable<(string Text, object Value)> Samples(Type type, FieldDefinition field)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(decimal))
            return new[] { "1234.5", "-77.25" }.Select(t => (t, (object)ParseDecimal(t, field.ImpliedDecimals)));
        if (type == typeof(long)) return [("987654321", 987_654_321L), ("-42", -42L)];
        if (type == typeof(int)) return [("4", 4), ("-2", -2)];
        if (type == typeof(ViStatus)) return [("1", ViStatus.Static), ("N", ViStatus.Released)];
        if (type == typeof(string)) return [("ABC", "ABC"), ("XYZ", "XYZ")];
        if (type == typeof(TimeOnly)) return [("093015", new TimeOnly(9, 30, 15)), ("152959", new TimeOnly(15, 29, 59))];
        if (type == typeof(DateOnly)) return [("20261123", new DateOnly(2026, 11, 23)), ("20250102", new DateOnly(2025, 1, 2))];
        if (type == typeof(PriceChangeSign)) return [("2", PriceChangeSign.Rise), ("5", PriceChangeSign.Fall)];
        if (type == typeof(TradeSide)) return [("1", TradeSide.Buy), ("5", TradeSide.Sell)];
        if (type == typeof(bool)) return [("Y", true), ("N", false)];
        throw new InvalidOperationException($"no samples for {type}");
    }

    private static decimal ParseDecimal(string text, int implied)
    {
        Assert.True(FieldParsers.TryParseDecimal(Encoding.ASCII.GetBytes(text), implied, out var value));
        return value;
    }

    /// <summary>
    /// Adding a typed view is one entry in tools/trs/views.json, the generator's run (CatalogGeneratorTests holds the
    /// checked-in files to it) and the view's expected mapping above: a view in the spec without one fails here.
    /// </summary>
    [Fact]
    public void Every_view_in_the_spec_has_its_expected_mapping()
    {
        var spec = System.Text.Json.JsonDocument.Parse(File.ReadAllText(
            Path.Combine(Packaging.ReadmeSamples.RepositoryRoot(), "tools", "trs", "views.json")));
        var views = spec.RootElement.GetProperty("views").EnumerateArray().Select(v => v.GetProperty("name").GetString()!);
        Assert.Equal(views.Order(StringComparer.Ordinal), Expected.Keys.Select(t => t.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_tr_the_view_does_not_list_is_refused()
    {
        var g = new GoldenRecord(KisTrs.H0IFCNT0);
        Assert.False(OptionsTrade.TryDecode(KisTrs.H0IFCNT0, g.Bytes, out _, out var error));
        Assert.Equal(DecodeErrorKind.UnknownTr, error.Kind);
    }
}
