using Kis.Realtime.Protocol;

namespace Kis.Realtime.Tests.Trs;

public class MoreViewTests
{
    private delegate bool Decoder(TrDefinition tr, ReadOnlySpan<byte> record, out DecodeError error);

    private static bool Decode<T>(TrDefinition tr, ReadOnlySpan<byte> record, out DecodeError error) where T : struct, IKisRecord<T>
        => T.TryDecode(tr, record, out _, out error);

    private static readonly (IReadOnlyList<TrDefinition> Trs, Decoder Decode)[] Views =
    [
        (IndexTick.Trs, Decode<IndexTick>), (BondTrade.Trs, Decode<BondTrade>), (ProgramTrade.Trs, Decode<ProgramTrade>),
        (FuturesOptionsNotice.Trs, Decode<FuturesOptionsNotice>), (StockTrade.Trs, Decode<StockTrade>),
        (StockOrderBook.Trs, Decode<StockOrderBook>), (StockExpectedTrade.Trs, Decode<StockExpectedTrade>),
        (MarketStatus.Trs, Decode<MarketStatus>), (StockNotice.Trs, Decode<StockNotice>), (FuturesTrade.Trs, Decode<FuturesTrade>),
        (OptionsTrade.Trs, Decode<OptionsTrade>), (DerivativesOrderBook.Trs, Decode<DerivativesOrderBook>),
        (OverseasStockTrade.Trs, Decode<OverseasStockTrade>), (OverseasStockOrderBook.Trs, Decode<OverseasStockOrderBook>),
        (OverseasStockNotice.Trs, Decode<OverseasStockNotice>), (EtfNav.Trs, Decode<EtfNav>), (ElwTrade.Trs, Decode<ElwTrade>),
        (DerivativesExpectedTrade.Trs, Decode<DerivativesExpectedTrade>), (OverseasFuturesTrade.Trs, Decode<OverseasFuturesTrade>),
        (OverseasFuturesOrderBook.Trs, Decode<OverseasFuturesOrderBook>), (BondOrderBook.Trs, Decode<BondOrderBook>),
        (BondIndexTick.Trs, Decode<BondIndexTick>), (BrokerFlow.Trs, Decode<BrokerFlow>),
        (OverseasFuturesNotice.Trs, Decode<OverseasFuturesNotice>),
    ];

    [Fact]
    public void Every_view_decodes_its_trs_golden_records_with_appended_fields_and_rejects_a_missing_field()
    {
        foreach (var (trs, decode) in Views)
        {
            foreach (var tr in trs)
            {
                var g = new GoldenRecord(tr);
                Assert.True(decode(tr, g.Bytes, out var error), $"{tr.Id}: {error.Describe(tr)}");
                Assert.True(decode(tr, Utf8(g.Record + "^X1^X2"), out error), $"{tr.Id} + appended: {error.Describe(tr)}");
                var truncated = string.Join('^', g.Values.Take(g.Values.Count - 1));
                Assert.False(decode(tr, Utf8(truncated), out error), $"{tr.Id} without its last field decoded");
                Assert.Equal(DecodeErrorKind.TooFewFields, error.Kind);
            }
        }
    }

    [Fact]
    public void Typed_views_cover_the_priority_trs()
    {
        var typed = Views.SelectMany(v => v.Trs).Select(t => t.Id).ToHashSet();
        foreach (var id in new[]
                 {
                     "H0STCNT0", "H0NXCNT0", "H0UNCNT0", "H0STASP0", "H0NXASP0", "H0UNASP0", "H0STCNI0", "H0STCNI9", "H0STMKO0",
                     "H0NXMKO0", "H0UNMKO0", "H0STANC0", "H0NXANC0", "H0UNANC0", "H0IFCNT0", "H0IFASP0", "H0ZFCNT0", "H0ZFASP0",
                     "H0IOCNT0", "H0ZOCNT0", "H0MFCNT0", "H0MFASP0", "H0EUCNT0", "H0EUASP0", "HDFSCNT0", "HDFSASP0", "H0GSCNI0",
                     "H0GSCNI9", "H0STNAV0", "H0EWCNT0", "H0MFCNI0", "H0EUCNI0", "H0STOUP0", "H0UPANC0", "H0STPGM0",
                 })
            Assert.Contains(id, typed);
    }

    [Theory]
    [InlineData("H0IFCNT0", DerivativesMarket.IndexFutures, "futs_prpr", "futs_prdy_vrss", "futs_askp1", true)]
    [InlineData("H0CFCNT0", DerivativesMarket.CommodityFutures, "futs_prpr", "futs_prdy_vrss", "futs_askp1", true)]
    [InlineData("H0MFCNT0", DerivativesMarket.NightFutures, "futs_prpr", "futs_prdy_vrss", "futs_askp1", false)]
    [InlineData("H0ZFCNT0", DerivativesMarket.StockFutures, "stck_prpr", "prdy_vrss", "askp1", false)]
    public void Futures_trades_read_each_trs_own_order(string id, DerivativesMarket market, string price, string change, string ask, bool hasBlock)
    {
        Assert.True(KisTrs.TryGet(id, out var tr));
        var g = new GoldenRecord(tr, new Dictionary<string, string> { ["prdy_vrss_sign"] = "2", ["dynm_prc_limt_yn"] = "Y" });
        Assert.True(FuturesTrade.TryDecode(tr, g.Bytes, out var t, out var error), error.Describe(tr));
        Assert.Equal(market, t.Market);
        Assert.Equal(tr.KeyExample, t.Code);
        Assert.Equal(g.Time("bsop_hour"), t.Time);
        Assert.Equal(g.Dec(price), t.Price);
        Assert.Equal(g.Dec(change), t.Change);
        Assert.Equal(PriceChangeSign.Rise, t.ChangeSign);
        Assert.Equal(g.Dec("futs_prdy_ctrt"), t.ChangeRate);
        Assert.Equal(g.Int("last_cnqn"), t.Volume);
        Assert.Equal(g.Int("acml_vol"), t.CumulativeVolume);
        Assert.Equal(g.Int("acml_tr_pbmn"), t.CumulativeTradeValue);
        Assert.Equal(g.Dec("hts_thpr"), t.TheoreticalPrice);
        Assert.Equal(g.Dec("mrkt_basis"), t.MarketBasis);
        Assert.Equal(g.Dec("dprt"), t.DeviationRate);
        Assert.Equal(g.Dec("spead_prc"), t.Spread);
        Assert.Equal(g.Int("hts_otst_stpl_qty"), t.OpenInterest);
        Assert.Equal(g.Int("otst_stpl_qty_icdc"), t.OpenInterestChange);
        Assert.Equal(g.Dec("shnu_rate"), t.BuyRatio);
        Assert.Equal(g.Dec("cttr"), t.TradeStrength);
        Assert.Equal(g.Dec("esdg"), t.Deviation);
        Assert.Equal(g.Dec("thpr_basis"), t.TheoreticalBasis);
        Assert.Equal(g.Dec(ask), t.BestAsk);
        Assert.Equal(g.Int("askp_rsqn1"), t.BestAskQuantity);
        Assert.Equal(g.Int("bidp_rsqn1"), t.BestBidQuantity);
        Assert.Equal(g.Int("seln_cntg_smtn"), t.SellVolume);
        Assert.Equal(g.Int("shnu_cntg_smtn"), t.BuyVolume);
        Assert.Equal(g.Int("total_askp_rsqn"), t.TotalAskQuantity);
        Assert.Equal(g.Int("total_bidp_rsqn"), t.TotalBidQuantity);
        Assert.Equal(hasBlock ? g.Int("dscs_bltr_acml_qty") : null, t.BlockTradeVolume);
        Assert.Equal(g.Dec("dynm_mxpr"), t.DynamicUpperLimit);
        Assert.Equal(g.Dec("dynm_llam"), t.DynamicLowerLimit);
        Assert.Equal("Y", t.DynamicLimitCode);
    }

    [Theory]
    [InlineData("H0IOCNT0", DerivativesMarket.IndexOptions, true)]
    [InlineData("H0EUCNT0", DerivativesMarket.NightOptions, true)]
    [InlineData("H0ZOCNT0", DerivativesMarket.StockOptions, false)]
    public void Options_trades_read_greeks_and_the_per_tr_tail(string id, DerivativesMarket market, bool hasLimits)
    {
        Assert.True(KisTrs.TryGet(id, out var tr));
        var g = new GoldenRecord(tr);
        Assert.True(OptionsTrade.TryDecode(tr, g.Bytes, out var t, out var error), error.Describe(tr));
        Assert.Equal(market, t.Market);
        Assert.Equal(g.Dec("optn_prpr"), t.Price);
        Assert.Equal(g.Dec("optn_prdy_vrss"), t.Change);
        Assert.Equal(g.Int("hts_otst_stpl_qty"), t.OpenInterest);
        Assert.Equal(g.Dec("prmm_val"), t.Premium);
        Assert.Equal(g.Dec("invl_val"), t.IntrinsicValue);
        Assert.Equal(g.Dec("tmvl_val"), t.TimeValue);
        Assert.Equal(g.Dec("delta"), t.Delta);
        Assert.Equal(g.Dec("gama"), t.Gamma);
        Assert.Equal(g.Dec("vega"), t.Vega);
        Assert.Equal(g.Dec("theta"), t.Theta);
        Assert.Equal(g.Dec("rho"), t.Rho);
        Assert.Equal(g.Dec("hts_ints_vltl"), t.ImpliedVolatility);
        Assert.Equal(g.Dec("unas_hist_vltl"), t.HistoricalVolatility);
        Assert.Equal(g.Dec("optn_askp1"), t.BestAsk);
        Assert.Equal(g.Dec("optn_bidp1"), t.BestBid);
        Assert.Equal(g.Int("total_askp_rsqn"), t.TotalAskQuantity);
        Assert.Equal(g.Int("total_bidp_rsqn"), t.TotalBidQuantity);
        Assert.Equal(hasLimits ? g.Dec("dynm_mxpr") : null, t.DynamicUpperLimit);
        Assert.Equal(hasLimits ? g.Dec("dynm_llam") : null, t.DynamicLowerLimit);
    }

    [Theory]
    [InlineData("H0IFASP0", 5, "futs_askp", "futs_bidp")]
    [InlineData("H0IOASP0", 5, "optn_askp", "optn_bidp")]
    [InlineData("H0CFASP0", 5, "futs_askp", "futs_bidp")]
    [InlineData("H0MFASP0", 5, "futs_askp", "futs_bidp")]
    [InlineData("H0EUASP0", 5, "optn_askp", "optn_bidp")]
    [InlineData("H0ZFASP0", 10, "askp", "bidp")]
    [InlineData("H0ZOASP0", 10, "optn_askp", "optn_bidp")]
    public void Derivatives_books_put_every_level_in_order(string id, int depth, string askPrice, string bidPrice)
    {
        Assert.True(KisTrs.TryGet(id, out var tr));
        var g = new GoldenRecord(tr);
        Assert.True(DerivativesOrderBook.TryDecode(tr, g.Bytes, out var b, out var error), error.Describe(tr));
        Assert.Equal(depth, b.Depth);
        for (var i = 0; i < depth; i++)
        {
            Assert.Equal(new OrderBookLevel(g.Dec($"{askPrice}{i + 1}"), g.Int($"askp_rsqn{i + 1}"), g.Int($"askp_csnu{i + 1}")), b.Asks[i]);
            Assert.Equal(new OrderBookLevel(g.Dec($"{bidPrice}{i + 1}"), g.Int($"bidp_rsqn{i + 1}"), g.Int($"bidp_csnu{i + 1}")), b.Bids[i]);
        }
        for (var i = depth; i < OrderBookLevels.MaxDepth; i++) Assert.Equal(default, b.Asks[i]);
        Assert.Equal(g.Int("total_askp_csnu"), b.TotalAskOrders);
        Assert.Equal(g.Int("total_bidp_csnu"), b.TotalBidOrders);
        Assert.Equal(g.Int("total_askp_rsqn"), b.TotalAskQuantity);
        Assert.Equal(g.Int("total_bidp_rsqn"), b.TotalBidQuantity);
        Assert.Equal(g.Int("total_askp_rsqn_icdc"), b.TotalAskQuantityChange);
        Assert.Equal(g.Int("total_bidp_rsqn_icdc"), b.TotalBidQuantityChange);
    }

    [Fact]
    public void Overseas_trade_starts_with_rsym_and_reads_local_and_korean_times()
    {
        var tr = KisTrs.OverseasStockTrades;
        var g = new GoldenRecord(tr, new Dictionary<string, string>
        {
            ["symb"] = "AAPL", ["zdiv"] = "4", ["last"] = "189.7400", ["sign"] = "2", ["tamt"] = "1234567.89", ["mtyp"] = "1",
        });
        Assert.True(OverseasStockTrade.TryDecode(tr, g.Bytes, out var t, out var error), error.Describe(tr));
        Assert.Equal("DNASAAPL", t.Symbol);
        Assert.Equal("AAPL", t.Ticker);
        Assert.Equal(4, t.PriceDecimals);
        Assert.Equal(g.Date("tymd"), t.BusinessDate);
        Assert.Equal(g.Date("xymd"), t.LocalDate);
        Assert.Equal(g.Time("xhms"), t.LocalTime);
        Assert.Equal(g.Date("kymd"), t.KoreaDate);
        Assert.Equal(g.Time("khms"), t.KoreaTime);
        Assert.Equal(g.Dec("open"), t.Open);
        Assert.Equal(g.Dec("high"), t.High);
        Assert.Equal(g.Dec("low"), t.Low);
        Assert.Equal(189.7400m, t.Price);
        Assert.Equal(PriceChangeSign.Rise, t.ChangeSign);
        Assert.Equal(g.Dec("diff"), t.Change);
        Assert.Equal(g.Dec("rate"), t.ChangeRate);
        Assert.Equal(g.Dec("pbid"), t.BestBid);
        Assert.Equal(g.Dec("pask"), t.BestAsk);
        Assert.Equal(g.Int("vbid"), t.BestBidQuantity);
        Assert.Equal(g.Int("vask"), t.BestAskQuantity);
        Assert.Equal(g.Int("evol"), t.Volume);
        Assert.Equal(g.Int("tvol"), t.CumulativeVolume);
        Assert.Equal(1234567.89m, t.CumulativeTradeValue);
        Assert.Equal(g.Int("bivl"), t.SellVolume);
        Assert.Equal(g.Int("asvl"), t.BuyVolume);
        Assert.Equal(g.Dec("strn"), t.TradeStrength);
        Assert.Equal("1", t.SessionCode);
    }

    [Theory]
    [InlineData("HDFSASP0", 10)]
    [InlineData("HDFSASP1", 1)]
    public void Overseas_books_read_their_levels(string id, int depth)
    {
        Assert.True(KisTrs.TryGet(id, out var tr));
        var g = new GoldenRecord(tr);
        Assert.True(OverseasStockOrderBook.TryDecode(tr, g.Bytes, out var b, out var error), error.Describe(tr));
        Assert.Equal(tr.KeyExample, b.Symbol);
        Assert.Equal(depth, b.Depth);
        Assert.Equal(g.Int("bvol"), b.TotalBidQuantity);
        Assert.Equal(g.Int("avol"), b.TotalAskQuantity);
        Assert.Equal(g.Int("bdvl"), b.TotalBidQuantityChange);
        Assert.Equal(g.Int("advl"), b.TotalAskQuantityChange);
        Assert.Equal(g.Time("khms"), b.KoreaTime);
        for (var i = 0; i < depth; i++)
        {
            Assert.Equal(new OrderBookLevel(g.Dec($"pask{i + 1}"), g.Int($"vask{i + 1}")), b.Asks[i]);
            Assert.Equal(new OrderBookLevel(g.Dec($"pbid{i + 1}"), g.Int($"vbid{i + 1}")), b.Bids[i]);
        }
    }

    [Fact]
    public void Overseas_notice_reads_the_appended_precise_price()
    {
        var tr = KisTrs.H0GSCNI0;
        var g = new GoldenRecord(tr, new Dictionary<string, string>
        {
            ["cntg_yn"] = "2", ["seln_byov_cls"] = "01", ["cntg_unpr"] = "189.74", ["cntg_unpr12"] = "189.740000000001", ["debt_date"] = "",
        });
        Assert.True(OverseasStockNotice.TryDecode(tr, g.Bytes, out var n, out var error), error.Describe(tr));
        Assert.Equal(NoticeKind.Fill, n.Kind);
        Assert.Equal(OrderSide.Sell, n.Side);
        Assert.Equal(189.74m, n.Price);
        Assert.Equal(189.740000000001m, n.PrecisePrice);
        Assert.Equal(g.Int("cntg_qty"), n.Quantity);
        Assert.Equal(g.Int("oder_qty"), n.OrderQuantity);
        Assert.Equal(g["stck_shrn_iscd"], n.Ticker);
        Assert.Equal(g["start_tm"], n.SplitStartTime);
        Assert.Equal(g["tm_div_tp"], n.SplitTypeCode);
        Assert.Null(n.CollateralLoanDate);
    }

    [Fact]
    public void Etf_nav_and_elw_trade_read_their_fields()
    {
        var nav = new GoldenRecord(KisTrs.EtfNav, new Dictionary<string, string> { ["nav_prdy_vrss_sign"] = "5" });
        Assert.True(EtfNav.TryDecode(KisTrs.EtfNav, nav.Bytes, out var n, out var error), error.Describe());
        Assert.Equal("069500", n.EtfCode);
        Assert.Equal(nav.Dec("nav"), n.Nav);
        Assert.Equal(PriceChangeSign.Fall, n.ChangeSign);
        Assert.Equal(nav.Dec("nav_prdy_vrss"), n.Change);
        Assert.Equal(nav.Dec("nav_prdy_ctrt"), n.ChangeRate);
        Assert.Equal(nav.Dec("oprc_nav"), n.Open);
        Assert.Equal(nav.Dec("hprc_nav"), n.High);
        Assert.Equal(nav.Dec("lprc_nav"), n.Low);

        var elw = new GoldenRecord(KisTrs.ElwTrades, new Dictionary<string, string> { ["cntg_cls_code"] = "5", ["trht_yn"] = "N" });
        Assert.True(ElwTrade.TryDecode(KisTrs.ElwTrades, elw.Bytes, out var e, out error), error.Describe());
        Assert.Equal("57LA24", e.ElwCode);
        Assert.Equal(elw.Dec("stck_prpr"), e.Price);
        Assert.Equal(elw.Int("acml_vol"), e.CumulativeVolume);
        Assert.Equal(TradeSide.Sell, e.Side);
        Assert.Equal(elw.Date("bsop_date"), e.BusinessDate);
        Assert.False(e.IsHalted);
        Assert.Equal(elw.Dec("tmvl_val"), e.TimeValue);
        Assert.Equal(elw.Dec("prit"), e.Parity);
        Assert.Equal(elw.Dec("gear"), e.Gearing);
        Assert.Equal(elw.Dec("lvrg_val"), e.Leverage);
        Assert.Equal(elw.Dec("delta"), e.Delta);
        Assert.Equal(elw.Dec("hts_thpr"), e.TheoreticalPrice);
        Assert.Equal(elw.Dec("apprch_rate"), e.ApproachRate);
        Assert.Equal(elw.Int("lp_hvol"), e.LpHolding);
        Assert.Equal(elw.Dec("lp_hldn_rate"), e.LpHoldingRate);
        Assert.Equal(elw.Int("lp_ntby_qty"), e.LpNetQuantity);
    }

    [Theory]
    [InlineData("H0MFCNI0", FuturesOptionsSession.NightFutures)]
    [InlineData("H0EUCNI0", FuturesOptionsSession.NightOptions)]
    [InlineData("H0IFCNI0", FuturesOptionsSession.Day)]
    public void Night_futures_notices_decode_with_the_day_notice_view(string id, FuturesOptionsSession session)
    {
        Assert.True(KisTrs.TryGet(id, out var tr));
        var g = new GoldenRecord(tr, new Dictionary<string, string> { ["oder_kind2"] = "0", ["cntg_unpr"] = "007840000" });
        Assert.True(FuturesOptionsNotice.TryDecode(tr, g.Bytes, out var n, out var error), error.Describe(tr));
        Assert.Equal(session, n.Session);
        Assert.Equal(NoticeKind.Fill, n.Kind);
        Assert.Equal(78400.00m, n.FillPrice);
        Assert.Equal(g["oder_cond"], n.OrderCondition);
        Assert.Equal(session == FuturesOptionsSession.Day ? g["ord_grp"] : "", n.OrderGroup);
    }

    [Theory]
    [InlineData("H0ZFANC0", DerivativesMarket.StockFutures, true)]
    [InlineData("H0EUANC0", DerivativesMarket.NightOptions, true)]
    [InlineData("H0ZOANC0", DerivativesMarket.StockOptions, false)]
    public void Derivatives_expected_trades_read_the_expected_price(string id, DerivativesMarket market, bool hasQuantity)
    {
        Assert.True(KisTrs.TryGet(id, out var tr));
        var g = new GoldenRecord(tr, new Dictionary<string, string> { ["antc_cntg_vrss_sign"] = "5" });
        Assert.True(DerivativesExpectedTrade.TryDecode(tr, g.Bytes, out var e, out var error), error.Describe(tr));
        Assert.Equal(market, e.Market);
        Assert.Equal(tr.KeyExample, e.Code);
        Assert.Equal(g.Time("bsop_hour"), e.Time);
        Assert.Equal(g.Dec("antc_cnpr"), e.ExpectedPrice);
        Assert.Equal(g.Dec("antc_cntg_vrss"), e.ExpectedChange);
        Assert.Equal(PriceChangeSign.Fall, e.ExpectedChangeSign);
        Assert.Equal(g.Dec("antc_cntg_prdy_ctrt"), e.ExpectedChangeRate);
        Assert.Equal(g["antc_mkop_cls_code"], e.ExpectedMarketOperationCode);
        Assert.Equal(hasQuantity ? g.Int("antc_cnqn") : null, e.ExpectedQuantity);
    }

    [Fact]
    public void After_hours_expected_trades_decode_with_the_expected_trade_view()
    {
        var g = new GoldenRecord(KisTrs.H0STOAC0);
        Assert.True(StockExpectedTrade.TryDecode(KisTrs.H0STOAC0, g.Bytes, out var e, out var error), error.Describe());
        Assert.True(e.IsAfterHours);
        Assert.Equal(g.Dec("stck_prpr"), e.ExpectedPrice);
        Assert.Equal(g.Int("total_bidp_rsqn"), e.TotalBidQuantity);
        Assert.Equal("", e.SessionCode);
    }

    [Fact]
    public void Overseas_futures_trade_and_book_read_their_fields()
    {
        var t = new GoldenRecord(KisTrs.HDFFF020, new Dictionary<string, string> { ["prev_sign"] = "2", ["psttl_sign"] = "5", ["recv_time"] = "093015" });
        Assert.True(OverseasFuturesTrade.TryDecode(KisTrs.HDFFF020, t.Bytes, out var trade, out var error), error.Describe());
        Assert.Equal("1OZQ25", trade.SeriesCode);
        Assert.Equal(t.Date("bsns_date"), trade.BusinessDate);
        Assert.Equal(t["mrkt_open_time"], trade.MarketOpenTime);
        Assert.Equal("093015", trade.ReceivedTime);
        Assert.Equal(t.Dec("last_price"), trade.Price);
        Assert.Equal(t.Int("last_qntt"), trade.Volume);
        Assert.Equal(t.Int("vol"), trade.CumulativeVolume);
        Assert.Equal(PriceChangeSign.Rise, trade.ChangeSign);
        Assert.Equal(PriceChangeSign.Fall, trade.SettlementChangeSign);
        Assert.Equal(t.Dec("psttl_diff_rate"), trade.SettlementChangeRate);

        var b = new GoldenRecord(KisTrs.HDFFF010);
        Assert.True(OverseasFuturesOrderBook.TryDecode(KisTrs.HDFFF010, b.Bytes, out var book, out error), error.Describe());
        for (var i = 0; i < OverseasFuturesOrderBook.Depth; i++)
        {
            Assert.Equal(new OrderBookLevel(b.Dec($"bid_price_{i + 1}"), b.Int($"bid_qntt_{i + 1}"), b.Int($"bid_num_{i + 1}")), book.Bids[i]);
            Assert.Equal(new OrderBookLevel(b.Dec($"ask_price_{i + 1}"), b.Int($"ask_qntt_{i + 1}"), b.Int($"ask_num_{i + 1}")), book.Asks[i]);
        }
        Assert.Equal(b.Dec("sttl_price"), book.PreviousSettlement);
        Assert.Equal(b.Dec("prev_price"), book.PreviousClose);
    }

    [Fact]
    public void Bond_book_and_bond_index_read_their_fields()
    {
        var b = new GoldenRecord(KisTrs.H0BJASP0);
        Assert.True(BondOrderBook.TryDecode(KisTrs.H0BJASP0, b.Bytes, out var book, out var error), error.Describe());
        Assert.Equal("KR103502GD31", book.Isin);
        Assert.Equal(b.Time("stck_cntg_hour"), book.Time);
        for (var i = 0; i < YieldLevels.Count; i++)
        {
            Assert.Equal(new OrderBookLevel(b.Dec($"askp{i + 1}"), b.Int($"askp_rsqn{i + 1}")), book.Asks[i]);
            Assert.Equal(new OrderBookLevel(b.Dec($"bidp{i + 1}"), b.Int($"bidp_rsqn{i + 1}")), book.Bids[i]);
            Assert.Equal(b.Dec($"askp_ert{i + 1}"), book.AskYields[i]);
            Assert.Equal(b.Dec($"bidp_ert{i + 1}"), book.BidYields[i]);
        }
        Assert.Equal(b.Int("total_askp_rsqn"), book.TotalAskQuantity);
        Assert.Equal(b.Int("total_bidp_rsqn"), book.TotalBidQuantity);

        var x = new GoldenRecord(KisTrs.H0BICNT0, new Dictionary<string, string> { ["totl_ernn_nmix_prdy_vrss_sign"] = "3" });
        Assert.True(BondIndexTick.TryDecode(KisTrs.H0BICNT0, x.Bytes, out var index, out error), error.Describe());
        Assert.Equal("KBPR01", index.IndexId);
        Assert.Equal(x.Date("stnd_date1"), index.Date);
        Assert.Equal(x.Time("trnm_hour"), index.Time);
        Assert.Equal(x.Dec("totl_ernn_nmix"), index.TotalReturnIndex);
        Assert.Equal(PriceChangeSign.Unchanged, index.ChangeSign);
        Assert.Equal(x.Dec("clen_prc_nmix"), index.CleanPriceIndex);
        Assert.Equal(x.Dec("bond_avrg_drtn_val"), index.AverageDuration);
        Assert.Equal(x.Dec("bond_avrg_frdl_ytm_val"), index.AverageForwardYieldToMaturity);
    }

    private static byte[] Utf8(string s) => System.Text.Encoding.UTF8.GetBytes(s);
}
