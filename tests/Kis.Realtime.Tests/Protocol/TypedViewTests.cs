using Kis.Realtime.Protocol;
using static Kis.Realtime.Tests.Protocol.DocumentedFrames;

namespace Kis.Realtime.Tests.Protocol;

public class TypedViewTests
{
    [Fact]
    public void Index_tick_documented_record_decodes_every_field()
    {
        Assert.True(IndexTick.TryDecode(IndexTick.Definition, Utf8(IndexTickRecord), out var t, out var error), error.Describe());
        Assert.Equal("0001", t.IndexCode);
        Assert.Equal(new TimeOnly(9, 12, 40), t.Time);
        Assert.Equal(2624.54m, t.Value);
        Assert.Equal(PriceChangeSign.Rise, t.ChangeSign);
        Assert.Equal(32.68m, t.Change);
        Assert.Equal(63952L, t.CumulativeVolume);
        Assert.Equal(1650684L, t.CumulativeTradeValue);
        Assert.Equal(439L, t.TickVolume);
        Assert.Equal(10335L, t.TickTradeValue);
        Assert.Equal(1.26m, t.ChangeRate);
        Assert.Equal(2615.72m, t.Open);
        Assert.Equal(2624.82m, t.High);
        Assert.Equal(2610.00m, t.Low);
        Assert.Equal(23.86m, t.OpenChange);
        Assert.Equal(PriceChangeSign.Rise, t.OpenChangeSign);
        Assert.Equal(32.96m, t.HighChange);
        Assert.Equal(PriceChangeSign.Rise, t.HighChangeSign);
        Assert.Equal(18.14m, t.LowChange);
        Assert.Equal(PriceChangeSign.Rise, t.LowChangeSign);
        Assert.Equal(0.92m, t.OpenChangeRate);
        Assert.Equal(1.27m, t.HighChangeRate);
        Assert.Equal(0.70m, t.LowChangeRate);
        Assert.Equal(0L, t.UpperLimitIssues);
        Assert.Equal(670L, t.AdvancingIssues);
        Assert.Equal(72L, t.UnchangedIssues);
        Assert.Equal(177L, t.DecliningIssues);
        Assert.Equal(0L, t.LowerLimitIssues);
        Assert.Equal(0L, t.QuotedAdvancingIssues);
        Assert.Equal(0L, t.QuotedDecliningIssues);
        Assert.Equal(19L, t.TickChange);
        // The documented relations: previous close = 2624.54 − 32.68; open − previous close = field 14.
        Assert.Equal(2591.86m, t.PreviousClose);
        Assert.Equal(t.OpenChange, t.Open - t.PreviousClose);
        Assert.Equal(t.HighChange, t.High - t.PreviousClose);
        Assert.Equal(t.LowChange, t.Low - t.PreviousClose);
    }

    [Fact]
    public void Bond_trade_documented_record_decodes_with_korean_name_and_kept_scale()
    {
        Assert.True(BondTrade.TryDecode(BondTrade.Definition, Utf8(BondTradeRecord), out var b, out var error), error.Describe());
        Assert.Equal("KR103502GD31", b.Isin);
        Assert.Equal("국고03250-5303(23-2)", b.Name);
        Assert.Equal(new TimeOnly(13, 17, 43), b.Time);
        Assert.Equal(PriceChangeSign.Rise, b.ChangeSign);
        Assert.Equal(5.00m, b.Change);
        Assert.Equal(0.05m, b.ChangeRate);
        Assert.Equal("10575.00", b.Price.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(1L, b.Volume);
        Assert.Equal(10525.00m, b.Open);
        Assert.Equal(10578.00m, b.High);
        Assert.Equal(10525.00m, b.Low);
        Assert.Equal(0.00m, b.PreviousClose);
        Assert.Equal(3.012m, b.Yield);
        Assert.Equal(3.037m, b.OpenYield);
        Assert.Equal(3.010m, b.HighYield);
        Assert.Equal(3.037m, b.LowYield);
        Assert.Equal(6594124L, b.CumulativeVolume);
        Assert.Equal(9874082L, b.PreviousDayVolume);
        Assert.Equal("2", b.TradeTypeCode);
    }

    [Theory]
    [InlineData("H0NXPGM0", StockVenue.Nxt)]
    [InlineData("H0UNPGM0", StockVenue.Unified)]
    public void Program_trade_documented_record_decodes_64_bit_signed_amounts(string trId, StockVenue venue)
    {
        Assert.True(KisTrs.TryGet(trId, out var tr));
        Assert.True(ProgramTrade.TryDecode(tr, Utf8(ProgramTradeRecord), out var p, out var error), error.Describe());
        Assert.Equal(venue, p.Venue);
        Assert.Equal("005930", p.StockCode);
        Assert.Equal(new TimeOnly(9, 22, 37), p.Time);
        Assert.Equal(1413444L, p.SellVolume);
        Assert.Equal(109159646900L, p.SellAmount);
        Assert.Equal(1189408L, p.BuyVolume);
        Assert.Equal(91931710200L, p.BuyAmount);
        Assert.Equal(-224036L, p.NetBuyVolume);
        Assert.Equal(-17227936700L, p.NetBuyAmount);
        Assert.Equal(65033L, p.SellOrderBookQuantity);
        Assert.Equal(15475L, p.BuyOrderBookQuantity);
        Assert.Equal(-49558L, p.NetOrderBookQuantity);
        Assert.Equal(p.BuyVolume - p.SellVolume, p.NetBuyVolume);
        Assert.Equal(p.BuyAmount - p.SellAmount, p.NetBuyAmount);
        Assert.Equal(p.BuyOrderBookQuantity - p.SellOrderBookQuantity, p.NetOrderBookQuantity);
    }

    [Fact]
    public void Notice_documented_record_is_a_two_lot_fill_at_78400()
    {
        Assert.True(FuturesOptionsNotice.TryDecode(KisTrs.FuturesOptionsNotices, Utf8(NoticeRecord), out var n, out var error), error.Describe());
        Assert.Equal(NoticeKind.Fill, n.Kind);
        Assert.Equal("abcd1234", n.CustomerId);
        Assert.Equal("1234567803", n.AccountNumber);
        Assert.Equal("0000001666", n.OrderNumber); // leading zeros kept
        Assert.Equal("", n.OriginalOrderNumber);
        Assert.Equal(OrderSide.Buy, n.Side);
        Assert.Equal(OrderRevision.New, n.Revision);
        Assert.Equal("111V06", n.ProductCode);
        Assert.Equal(2L, n.FillQuantity);
        Assert.Equal(78400.00m, n.FillPrice);
        Assert.Equal("78400.00", n.FillPrice!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(new TimeOnly(9, 58, 35), n.FillTime);
        Assert.False(n.IsRejected);
        Assert.Equal("2", n.NoticeTypeCode);
        Assert.Equal(AcceptanceStatus.Confirmed, n.Acceptance);
        Assert.Equal("00950", n.BranchNumber);
        Assert.Equal(0L, n.OrderQuantity);
        Assert.Null(n.FilledQuantity);
        Assert.Null(n.AmendedPrice);
        Assert.Null(n.CancelledQuantity);
        Assert.Equal("김한국", n.AccountName);
        Assert.Equal("삼성전자   F 2", n.ProductName);
        Assert.Equal(0m, n.OrderPriceField);
    }

    [Theory]
    [InlineData("0", "0", "0", NoticeKind.Fill)]
    [InlineData("L", "1", "0", NoticeKind.AmendAccepted)]
    [InlineData("L", "2", "0", NoticeKind.CancelAccepted)]
    [InlineData("L", "0", "1", NoticeKind.Rejected)]
    [InlineData("L", "0", "0", NoticeKind.OrderAccepted)]
    public void Notice_kind_follows_kis_rule_and_exposes_kind_specific_meanings(string kind2, string rctf, string rfus, NoticeKind expected)
    {
        var record = $"abcd1234^1234567803^0000001667^0000001666^01^{rctf}^{kind2}^111V06^0000000005^007850000^100102^{rfus}^1^1^00950^0000000003^김한국^삼성전자   " +
            $"F 2^^^^007850000";
        Assert.True(FuturesOptionsNotice.TryDecode(KisTrs.FuturesOptionsNotices, Utf8(record), out var n, out var error), error.Describe());
        Assert.Equal(expected, n.Kind);
        Assert.Equal(OrderSide.Sell, n.Side);
        Assert.Equal(78500.00m, n.OrderPriceField);
        switch (expected)
        {
            case NoticeKind.Fill:
                Assert.Equal(5L, n.FillQuantity); Assert.Equal(78500m, n.FillPrice); Assert.Equal(3L, n.OrderQuantity); Assert.Null(n.FilledQuantity);
                break;
            case NoticeKind.AmendAccepted:
                Assert.Equal(5L, n.AmendedQuantity); Assert.Equal(78500m, n.AmendedPrice); Assert.Equal(3L, n.FilledQuantity); Assert.Null(n.FillQuantity);
                break;
            case NoticeKind.CancelAccepted:
                Assert.Equal(5L, n.CancelledQuantity); Assert.Equal(78500m, n.OrderPrice); Assert.Equal(3L, n.FilledQuantity);
                break;
            case NoticeKind.Rejected:
                Assert.True(n.IsRejected); Assert.Equal(5L, n.OrderQuantity); Assert.Equal(new TimeOnly(10, 1, 2), n.OrderTime); Assert.Equal(3L,
                    n.FilledQuantity);
                break;
            case NoticeKind.OrderAccepted:
                Assert.Equal(5L, n.OrderQuantity); Assert.Equal(78500m, n.OrderPrice); Assert.Equal(3L, n.FilledQuantity); Assert.Null(n.OrderTime);
                break;
        }
    }

    [Fact]
    public void Bad_number_and_bad_time_are_typed_errors_naming_the_field()
    {
        var badNumber = IndexTickRecord.Replace("2624.54", "26x4.54");
        Assert.False(IndexTick.TryDecode(IndexTick.Definition, Utf8(badNumber), out _, out var e1));
        Assert.Equal(DecodeErrorKind.BadNumber, e1.Kind);
        Assert.Equal(2, e1.FieldIndex);
        Assert.Contains("prpr_nmix", e1.Describe(IndexTick.Definition));

        var badTime = IndexTickRecord.Replace("091240", "091290");
        Assert.False(IndexTick.TryDecode(IndexTick.Definition, Utf8(badTime), out _, out var e2));
        Assert.Equal(DecodeErrorKind.BadTime, e2.Kind);
        Assert.Equal(1, e2.FieldIndex);

        Assert.False(IndexTick.TryDecode(IndexTick.Definition, Utf8("0001^091240"), out _, out var e3));
        Assert.Equal(DecodeErrorKind.TooFewFields, e3.Kind);
    }

    [Fact]
    public void The_tr_table_knows_every_seed_tr_and_maps_notices_per_environment()
    {
        foreach (var id in new[] { "H0UPCNT0", "H0BJCNT0", "H0NXPGM0", "H0UNPGM0", "H0IFCNI0", "H0IFCNI9" })
            Assert.True(KisTrs.TryGet(id, out _), id);
        Assert.False(KisTrs.TryGet("H0XXCNT0", out _));
        foreach (var bad in new[] { "H0UP CNT", "H0UP|CNT", "H0UP^CNT", "H0UP\tCNT", "", "H0UPCNT", "국내지수실시" })
            Assert.False(KisTrs.TryGet(bad, out _), bad);
        Assert.Equal(30, KisTrs.IndexTicks.Fields.Count);
        Assert.Equal(19, KisTrs.BondTrades.Fields.Count);
        Assert.Equal(11, KisTrs.ProgramTradesNxt.Fields.Count);
        Assert.Equal(22, KisTrs.FuturesOptionsNotices.Fields.Count);
        Assert.Same(KisTrs.FuturesOptionsNoticesPaper, KisTrs.ForEnvironment(KisTrs.FuturesOptionsNotices, KisEnvironment.Paper));
        Assert.Same(KisTrs.IndexTicks, KisTrs.ForEnvironment(KisTrs.IndexTicks, KisEnvironment.Paper));
        Assert.True(KisTrs.IndexTicks.IsValidKey("0001"));
        Assert.False(KisTrs.IndexTicks.IsValidKey("001"));
        Assert.True(KisTrs.BondTrades.IsValidKey("KR103502GD31"));
        Assert.False(KisTrs.BondTrades.IsValidKey("KR103502GD3"));
        Assert.True(KisTrs.ProgramTradesUnified.IsValidKey("005930"));
    }
}
