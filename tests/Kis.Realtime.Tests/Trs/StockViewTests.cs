using System.Text;
using Kis.Realtime.Protocol;
using static Kis.Realtime.Tests.Protocol.DocumentedFrames;

namespace Kis.Realtime.Tests.Trs;

public class StockViewTests
{
    private static readonly Dictionary<string, string> TradeCodes = new()
    {
        ["prdy_vrss_sign"] = "5", ["oprc_vrss_prpr_sign"] = "2", ["hgpr_vrss_prpr_sign"] = "5", ["lwpr_vrss_prpr_sign"] = "2",
        ["trht_yn"] = "N", ["hour_cls_code"] = "0", ["new_mkop_cls_code"] = "20", ["mrkt_trtm_cls_code"] = "N",
    };

    [Theory]
    [InlineData("H0STCNT0", StockVenue.Krx, "ccld_dvsn")]
    [InlineData("H0NXCNT0", StockVenue.Nxt, "cntg_cls_code")]
    [InlineData("H0UNCNT0", StockVenue.Unified, "cntg_cls_code")]
    public void Stock_trade_reads_every_field_of_each_venue(string id, StockVenue venue, string sideField)
    {
        Assert.True(KisTrs.TryGet(id, out var tr));
        var g = new GoldenRecord(tr, new Dictionary<string, string>(TradeCodes) { [sideField] = "1" });
        Assert.True(StockTrade.TryDecode(tr, g.Bytes, out var t, out var error), error.Describe(tr));
        Assert.Equal(venue, t.Venue);
        Assert.Equal("005930", t.StockCode);
        Assert.Equal(g.Time("stck_cntg_hour"), t.Time);
        Assert.Equal(g.Dec("stck_prpr"), t.Price);
        Assert.Equal(PriceChangeSign.Fall, t.ChangeSign);
        Assert.Equal(g.Dec("prdy_vrss"), t.Change);
        Assert.Equal(g.Dec("prdy_ctrt"), t.ChangeRate);
        Assert.Equal(g.Dec("wghn_avrg_stck_prc"), t.WeightedAveragePrice);
        Assert.Equal(g.Dec("stck_oprc"), t.Open);
        Assert.Equal(g.Dec("stck_hgpr"), t.High);
        Assert.Equal(g.Dec("stck_lwpr"), t.Low);
        Assert.Equal(g.Dec("askp1"), t.BestAsk);
        Assert.Equal(g.Dec("bidp1"), t.BestBid);
        Assert.Equal(g.Int("cntg_vol"), t.Volume);
        Assert.Equal(g.Int("acml_vol"), t.CumulativeVolume);
        Assert.Equal(g.Int("acml_tr_pbmn"), t.CumulativeTradeValue);
        Assert.Equal(g.Int("seln_cntg_csnu"), t.SellTradeCount);
        Assert.Equal(g.Int("shnu_cntg_csnu"), t.BuyTradeCount);
        Assert.Equal(g.Int("ntby_cntg_csnu"), t.NetBuyTradeCount);
        Assert.Equal(g.Dec("cttr"), t.TradeStrength);
        Assert.Equal(g.Int("seln_cntg_smtn"), t.SellVolume);
        Assert.Equal(g.Int("shnu_cntg_smtn"), t.BuyVolume);
        Assert.Equal(TradeSide.Buy, t.Side);
        Assert.Equal(g.Dec("shnu_rate"), t.BuyRatio);
        Assert.Equal(g.Dec("prdy_vol_vrss_acml_vol_rate"), t.VolumeVsPreviousDay);
        Assert.Equal(g.Time("oprc_hour"), t.OpenTime);
        Assert.Equal(PriceChangeSign.Rise, t.VsOpenSign);
        Assert.Equal(g.Dec("oprc_vrss_prpr"), t.VsOpen);
        Assert.Equal(g.Time("hgpr_hour"), t.HighTime);
        Assert.Equal(PriceChangeSign.Fall, t.VsHighSign);
        Assert.Equal(g.Dec("hgpr_vrss_prpr"), t.VsHigh);
        Assert.Equal(g.Time("lwpr_hour"), t.LowTime);
        Assert.Equal(PriceChangeSign.Rise, t.VsLowSign);
        Assert.Equal(g.Dec("lwpr_vrss_prpr"), t.VsLow);
        Assert.Equal(g.Date("bsop_date"), t.BusinessDate);
        Assert.Equal("20", t.MarketOperationCode);
        Assert.False(t.IsHalted);
        Assert.Equal(g.Int("askp_rsqn1"), t.BestAskQuantity);
        Assert.Equal(g.Int("bidp_rsqn1"), t.BestBidQuantity);
        Assert.Equal(g.Int("total_askp_rsqn"), t.TotalAskQuantity);
        Assert.Equal(g.Int("total_bidp_rsqn"), t.TotalBidQuantity);
        Assert.Equal(g.Dec("vol_tnrt"), t.VolumeTurnover);
        Assert.Equal(g.Int("prdy_smns_hour_acml_vol"), t.PreviousDayVolumeSameTime);
        Assert.Equal(g.Dec("prdy_smns_hour_acml_vol_rate"), t.VolumeVsPreviousDaySameTime);
        Assert.Equal("0", t.SessionCode);
        Assert.Equal("N", t.RandomEndCode);
        Assert.Equal(g.Dec("vi_stnd_prc"), t.StaticViReferencePrice);
        Assert.Equal(t.Price - t.Change, t.PreviousClose);
    }

    [Fact]
    public void After_hours_trades_decode_without_the_three_trailing_fields()
    {
        var tr = KisTrs.H0STOUP0;
        var g = new GoldenRecord(tr, new Dictionary<string, string> { ["cntg_cls_code"] = "5", ["trht_yn"] = "N" });
        Assert.True(StockTrade.TryDecode(tr, g.Bytes, out var t, out var error), error.Describe(tr));
        Assert.True(t.IsAfterHours);
        Assert.Equal(StockVenue.Krx, t.Venue);
        Assert.Equal(g.Dec("stck_prpr"), t.Price);
        Assert.Equal(g.Dec("prdy_smns_hour_acml_vol_rate"), t.VolumeVsPreviousDaySameTime);
        Assert.Equal(TradeSide.Sell, t.Side);
        Assert.Equal("", t.SessionCode);
        Assert.Equal(0m, t.StaticViReferencePrice);
        Assert.True(StockTrade.TryDecode(KisTrs.StockTrades, new GoldenRecord(KisTrs.StockTrades).Bytes, out var regular, out _));
        Assert.False(regular.IsAfterHours);
    }

    [Fact]
    public void Index_expected_values_decode_with_the_index_tick_view()
    {
        var g = new GoldenRecord(KisTrs.H0UPANC0);
        Assert.True(IndexTick.TryDecode(KisTrs.H0UPANC0, g.Bytes, out var t, out var error), error.Describe());
        Assert.True(t.IsExpected);
        Assert.Equal("0001", t.IndexCode);
        Assert.Equal(g.Dec("prpr_nmix"), t.Value);
        Assert.Equal(g.Int("tick_vrss"), t.TickChange);
    }

    [Fact]
    public void Multi_record_trade_frames_with_appended_fields_decode_every_record()
    {
        var tr = KisTrs.StockTrades;
        // Three trades of different stocks, each with two fields KIS appended after the known 46.
        var records = new[] { "005930", "000660", "035720" }
            .Select((code, i) => new GoldenRecord(tr, new Dictionary<string, string>(TradeCodes)
            {
                ["mksc_shrn_iscd"] = code, ["stck_prpr"] = (70000 + i * 100).ToString(), ["ccld_dvsn"] = "5",
            }).Record + "^NEW1^NEW2")
            .ToArray();
        var frame = Utf8($"0|H0STCNT0|003|{string.Join('^', records)}");
        Assert.True(DataFrame.TryParse(frame, out var f, out _));
        using var decoder = new FrameDecoder();
        Assert.True(decoder.TryOpen(f, out var opened, out var splitter, out var error), error.Describe());
        Assert.Same(tr, opened);
        Assert.Equal(48, splitter.FieldsPerRecord);
        var trades = new List<StockTrade>();
        while (splitter.TryNext(out var record))
        {
            Assert.True(StockTrade.TryDecode(opened, record, out var t, out error), error.Describe(opened));
            trades.Add(t);
        }
        Assert.Equal(["005930", "000660", "035720"], trades.Select(t => t.StockCode));
        Assert.Equal([70000m, 70100m, 70200m], trades.Select(t => t.Price));
        Assert.All(trades, t => Assert.Equal(TradeSide.Sell, t.Side));
    }

    [Theory]
    [InlineData("H0STASP0", StockVenue.Krx)]
    [InlineData("H0NXASP0", StockVenue.Nxt)]
    [InlineData("H0UNASP0", StockVenue.Unified)]
    public void Stock_order_book_reads_ten_levels_and_the_venue_extras(string id, StockVenue venue)
    {
        Assert.True(KisTrs.TryGet(id, out var tr));
        var g = new GoldenRecord(tr, new Dictionary<string, string> { ["antc_cntg_vrss_sign"] = "2", ["hour_cls_code"] = "0" });
        Assert.True(StockOrderBook.TryDecode(tr, g.Bytes, out var b, out var error), error.Describe(tr));
        Assert.Equal(venue, b.Venue);
        Assert.Equal("005930", b.StockCode);
        Assert.Equal(g.Time("bsop_hour"), b.Time);
        Assert.Equal("0", b.SessionCode);
        Assert.Equal(10, b.Depth);
        for (var i = 0; i < b.Depth; i++)
        {
            Assert.Equal(new OrderBookLevel(g.Dec($"askp{i + 1}"), g.Int($"askp_rsqn{i + 1}")), b.Asks[i]);
            Assert.Equal(new OrderBookLevel(g.Dec($"bidp{i + 1}"), g.Int($"bidp_rsqn{i + 1}")), b.Bids[i]);
        }
        Assert.Equal(g.Dec("askp1"), b.BestAsk);
        Assert.Equal(g.Dec("bidp1"), b.BestBid);
        Assert.Equal(g.Int("total_askp_rsqn"), b.TotalAskQuantity);
        Assert.Equal(g.Int("total_bidp_rsqn"), b.TotalBidQuantity);
        Assert.Equal(g.Int("ovtm_total_askp_rsqn"), b.AfterHoursTotalAskQuantity);
        Assert.Equal(g.Int("ovtm_total_bidp_rsqn"), b.AfterHoursTotalBidQuantity);
        Assert.Equal(g.Dec("antc_cnpr"), b.ExpectedPrice);
        Assert.Equal(g.Int("antc_cnqn"), b.ExpectedQuantity);
        Assert.Equal(g.Int("antc_vol"), b.ExpectedVolume);
        Assert.Equal(g.Dec("antc_cntg_vrss"), b.ExpectedChange);
        Assert.Equal(PriceChangeSign.Rise, b.ExpectedChangeSign);
        Assert.Equal(g.Dec("antc_cntg_prdy_ctrt"), b.ExpectedChangeRate);
        Assert.Equal(g.Int("acml_vol"), b.CumulativeVolume);
        Assert.Equal(g.Int("total_askp_rsqn_icdc"), b.TotalAskQuantityChange);
        Assert.Equal(g.Int("total_bidp_rsqn_icdc"), b.TotalBidQuantityChange);
        Assert.Equal(g.Int("ovtm_total_askp_icdc"), b.AfterHoursTotalAskQuantityChange);
        Assert.Equal(g.Int("ovtm_total_bidp_icdc"), b.AfterHoursTotalBidQuantityChange);
        Assert.Equal(g["stck_deal_cls_code"], b.DealTypeCode);
        if (venue == StockVenue.Krx)
        {
            Assert.Null(b.Mids);
        }
        else
        {
            Assert.Equal(new MidPrices(g.Dec("kmid_prc"), g.Int("kmid_total_rsqn"), g["kmid_cls_code"],
                g.Dec("nmid_prc"), g.Int("nmid_total_rsqn"), g["nmid_cls_code"]), b.Mids);
        }
    }

    [Fact]
    public void After_hours_book_has_nine_levels()
    {
        var tr = KisTrs.H0STOAA0;
        var g = new GoldenRecord(tr);
        Assert.True(StockOrderBook.TryDecode(tr, g.Bytes, out var b, out var error), error.Describe(tr));
        Assert.Equal(9, b.Depth);
        for (var i = 0; i < 9; i++)
        {
            Assert.Equal(new OrderBookLevel(g.Dec($"askp{i + 1}"), g.Int($"askp_rsqn{i + 1}")), b.Asks[i]);
            Assert.Equal(new OrderBookLevel(g.Dec($"bidp{i + 1}"), g.Int($"bidp_rsqn{i + 1}")), b.Bids[i]);
        }
        Assert.Equal(default, b.Asks[9]);
        Assert.Equal(g.Int("ovtm_total_bidp_icdc"), b.AfterHoursTotalBidQuantityChange);
        Assert.Equal("", b.DealTypeCode);
        Assert.Null(b.Mids);
    }

    [Fact]
    public void Books_differing_only_in_the_tenth_level_are_not_equal()
    {
        var tr = KisTrs.StockOrderBooks;
        Assert.True(StockOrderBook.TryDecode(tr, new GoldenRecord(tr).Bytes, out var a, out _));
        Assert.True(StockOrderBook.TryDecode(tr, new GoldenRecord(tr, new Dictionary<string, string> { ["bidp_rsqn10"] = "1" }).Bytes, out var b, out _));
        Assert.NotEqual(a, b);
        Assert.NotEqual(a.Bids, b.Bids);
        Assert.Equal(a.Asks, b.Asks);
    }

    [Theory]
    [InlineData("H0STANC0", StockVenue.Krx)]
    [InlineData("H0NXANC0", StockVenue.Nxt)]
    [InlineData("H0UNANC0", StockVenue.Unified)]
    public void Expected_trades_read_the_auction_price_and_volume(string id, StockVenue venue)
    {
        Assert.True(KisTrs.TryGet(id, out var tr));
        var overrides = new Dictionary<string, string> { ["prdy_vrss_sign"] = "2", ["trht_yn"] = "Y", ["cntg_cls_code"] = "3" };
        if (venue != StockVenue.Krx) overrides["vi_stnd_prc"] = "N";
        var g = new GoldenRecord(tr, overrides);
        Assert.True(StockExpectedTrade.TryDecode(tr, g.Bytes, out var e, out var error), error.Describe(tr));
        Assert.Equal(venue, e.Venue);
        Assert.Equal("005930", e.StockCode);
        Assert.Equal(g.Time("stck_cntg_hour"), e.Time);
        Assert.Equal(g.Dec("stck_prpr"), e.ExpectedPrice);
        Assert.Equal(PriceChangeSign.Rise, e.ChangeSign);
        Assert.Equal(g.Dec("prdy_vrss"), e.Change);
        Assert.Equal(g.Dec("prdy_ctrt"), e.ChangeRate);
        Assert.Equal(g.Dec("stck_oprc"), e.Open);
        Assert.Equal(g.Dec("stck_hgpr"), e.High);
        Assert.Equal(g.Dec("stck_lwpr"), e.Low);
        Assert.Equal(g.Dec("askp1"), e.BestAsk);
        Assert.Equal(g.Dec("bidp1"), e.BestBid);
        Assert.Equal(g.Int("cntg_vol"), e.ExpectedVolume);
        Assert.Equal(g.Int("acml_vol"), e.CumulativeVolume);
        Assert.Equal(g.Int("acml_tr_pbmn"), e.CumulativeTradeValue);
        Assert.Equal(TradeSide.PreOpen, e.Side);
        Assert.Equal(g.Date("bsop_date"), e.BusinessDate);
        Assert.Equal(g["new_mkop_cls_code"], e.MarketOperationCode);
        Assert.True(e.IsHalted);
        Assert.Equal(g.Int("askp_rsqn1"), e.BestAskQuantity);
        Assert.Equal(g.Int("bidp_rsqn1"), e.BestBidQuantity);
        Assert.Equal(g.Int("total_askp_rsqn"), e.TotalAskQuantity);
        Assert.Equal(g.Int("total_bidp_rsqn"), e.TotalBidQuantity);
        Assert.Equal(g["hour_cls_code"], e.SessionCode);
        Assert.Equal(g["mrkt_trtm_cls_code"], e.RandomEndCode);
        Assert.Equal(venue == StockVenue.Krx ? "" : "N", e.ViStatusCode);
    }

    [Theory]
    [InlineData("H0STMKO0", StockVenue.Krx, "005930")]
    [InlineData("H0NXMKO0", StockVenue.Nxt, "005930")]
    [InlineData("H0UNMKO0", StockVenue.Unified, "")]
    public void Market_status_reads_halts_and_vi(string id, StockVenue venue, string code)
    {
        Assert.True(KisTrs.TryGet(id, out var tr));
        var g = new GoldenRecord(tr, new Dictionary<string, string>
        {
            ["trht_yn"] = "Y", ["tr_susp_reas_cntt"] = "거래정지 사유", ["vi_cls_code"] = "2", ["ovtm_vi_cls_code"] = "N",
        });
        Assert.True(MarketStatus.TryDecode(tr, g.Bytes, out var s, out var error), error.Describe(tr));
        Assert.Equal(venue, s.Venue);
        Assert.Equal(code, s.StockCode);
        Assert.True(s.IsHalted);
        Assert.Equal("거래정지 사유", s.HaltReason);
        Assert.Equal(g["mkop_cls_code"], s.MarketOperationCode);
        Assert.Equal(g["antc_mkop_cls_code"], s.ExpectedMarketOperationCode);
        Assert.Equal(g["mrkt_trtm_cls_code"], s.RandomExtensionCode);
        Assert.Equal(g["divi_app_cls_code"], s.AuctionAllocationCode);
        Assert.Equal(g["iscd_stat_cls_code"], s.IssueStatusCode);
        Assert.Equal(ViStatus.Dynamic, s.Vi);
        Assert.Equal(ViStatus.Released, s.AfterHoursVi);
        Assert.True(s.IsViActive);
        Assert.Equal(g["exch_cls_code"], s.ExchangeCode);
    }

    [Theory]
    [InlineData("2", "0", "0", NoticeKind.Fill)]
    [InlineData("1", "0", "0", NoticeKind.OrderAccepted)]
    [InlineData("1", "1", "0", NoticeKind.AmendAccepted)]
    [InlineData("1", "2", "0", NoticeKind.CancelAccepted)]
    [InlineData("1", "0", "1", NoticeKind.Rejected)]
    public void Stock_notice_kinds_follow_the_fill_flag_then_revision_then_rejection(string fill, string revision, string rejected, NoticeKind kind)
    {
        var g = new GoldenRecord(KisTrs.StockNotices, new Dictionary<string, string> { ["cntg_yn"] = fill, ["rctf_cls"] = revision, ["rfus_yn"] = rejected });
        Assert.True(StockNotice.TryDecode(KisTrs.StockNotices, g.Bytes, out var n, out var error), error.Describe());
        Assert.Equal(kind, n.Kind);
        Assert.Equal(kind == NoticeKind.Fill ? n.Quantity : null, n.FillQuantity);
    }

    [Theory]
    [InlineData("H0STCNI0")]
    [InlineData("H0STCNI9")]
    public void Encrypted_stock_notices_decrypt_and_decode_every_field(string id)
    {
        Assert.True(KisTrs.TryGet(id, out var tr));
        var g = new GoldenRecord(tr, new Dictionary<string, string>
        {
            ["cust_id"] = "simuser01", ["acnt_no"] = "0012345601", ["seln_byov_cls"] = "02", ["rctf_cls"] = "0", ["cntg_yn"] = "2",
            ["rfus_yn"] = "0", ["acpt_yn"] = "2", ["cntg_qty"] = "0000000010", ["cntg_unpr"] = "000071500", ["acnt_name"] = "김한국",
            ["cntg_isnm40"] = "삼성전자", ["crdt_loan_date"] = "00000000",
        });
        using var decoder = new FrameDecoder();
        Assert.True(ControlMessage.TryParse(Utf8(SuccessReply(id, "simuser01")), out var reply));
        Assert.True(decoder.Learn(reply));
        var message = Utf8($"1|{id}|002|{EncryptIndependently(g.Record + "^" + g.Record)}");
        Assert.True(DataFrame.TryParse(message, out var frame, out _));
        Assert.True(decoder.TryOpen(frame, out var opened, out var records, out var error), error.Describe());
        Assert.Same(tr, opened);
        var count = 0;
        while (records.TryNext(out var record))
        {
            count++;
            Assert.Equal(g.Record, Encoding.UTF8.GetString(record));
            Assert.True(StockNotice.TryDecode(opened, record, out var n, out error), error.Describe(opened));
            Assert.Equal(NoticeKind.Fill, n.Kind);
            Assert.Equal("simuser01", n.CustomerId);
            Assert.Equal("0012345601", n.AccountNumber);
            Assert.Equal(g["oder_no"], n.OrderNumber);
            Assert.Equal(g["ooder_no"], n.OriginalOrderNumber);
            Assert.Equal(OrderSide.Buy, n.Side);
            Assert.Equal(OrderRevision.New, n.Revision);
            Assert.Equal(g["oder_kind"], n.OrderTypeCode);
            Assert.Equal(g["oder_cond"], n.OrderConditionCode);
            Assert.Equal(g["stck_shrn_iscd"], n.StockCode);
            Assert.Equal(10L, n.FillQuantity);
            Assert.Equal(71500m, n.FillPrice);
            Assert.Equal(g.Time("stck_cntg_hour"), n.Time);
            Assert.False(n.IsRejected);
            Assert.True(n.IsFill);
            Assert.Equal(AcceptanceStatus.Confirmed, n.Acceptance);
            Assert.Equal(g["brnc_no"], n.BranchNumber);
            Assert.Equal(g.Int("oder_qty"), n.OrderQuantity);
            Assert.Equal("김한국", n.AccountName);
            Assert.Equal(g.Dec("ord_cond_prc"), n.OrderConditionPrice);
            Assert.Equal(g["ord_exg_gb"], n.OrderExchangeCode);
            Assert.Equal(g["popup_yn"], n.PopupCode);
            Assert.Equal(g["crdt_cls"], n.CreditTypeCode);
            Assert.Null(n.CreditLoanDate);
            Assert.Equal("삼성전자", n.StockName);
            Assert.Equal(g.Dec("oder_prc"), n.OrderPrice);
        }
        Assert.Equal(2, count);
    }

    [Theory]
    [InlineData("H0STMBC0", StockVenue.Krx)]
    [InlineData("H0UNMBC0", StockVenue.Unified)]
    public void Broker_flow_reads_five_sellers_and_buyers(string id, StockVenue venue)
    {
        Assert.True(KisTrs.TryGet(id, out var tr));
        var g = new GoldenRecord(tr, new Dictionary<string, string> { ["seln2_mbcr_name1"] = "모건스탠리", ["byov_mbcr_name5"] = "키움증권" });
        Assert.True(BrokerFlow.TryDecode(tr, g.Bytes, out var f, out var error), error.Describe(tr));
        Assert.Equal(venue, f.Venue);
        Assert.Equal("005930", f.StockCode);
        Assert.Equal("모건스탠리", f.Sellers[0].Name);
        Assert.Equal("키움증권", f.Buyers[4].Name);
        for (var i = 0; i < BrokerRanks.Count; i++)
        {
            var n = i + 1;
            Assert.Equal(new BrokerRank(g[$"seln2_mbcr_name{n}"], g[$"seln2_mbcr_eng_name{n}"], g[$"seln_mbcr_no{n}"], g[$"seln_mbcr_glob_yn_{n}"],
                g.Int($"total_seln_qty{n}"), g.Dec($"seln_mbcr_rlim{n}"), g.Int($"seln_qty_icdc{n}")), f.Sellers[i]);
            Assert.Equal(new BrokerRank(g[$"byov_mbcr_name{n}"], g[$"byov_mbcr_eng_name{n}"], g[$"shnu_mbcr_no{n}"], g[$"shnu_mbcr_glob_yn_{n}"],
                g.Int($"total_shnu_qty{n}"), g.Dec($"shnu_mbcr_rlim{n}"), g.Int($"shnu_qty_icdc{n}")), f.Buyers[i]);
        }
        Assert.Equal(g.Int("glob_total_seln_qty"), f.ForeignSellQuantity);
        Assert.Equal(g.Int("glob_total_shnu_qty"), f.ForeignBuyQuantity);
        Assert.Equal(g.Int("glob_total_seln_qty_icdc"), f.ForeignSellQuantityChange);
        Assert.Equal(g.Int("glob_total_shnu_qty_icdc"), f.ForeignBuyQuantityChange);
        Assert.Equal(g.Int("glob_ntby_qty"), f.ForeignNetBuyQuantity);
        Assert.Equal(g.Dec("glob_seln_rlim"), f.ForeignSellShare);
        Assert.Equal(g.Dec("glob_shnu_rlim"), f.ForeignBuyShare);
    }
}
