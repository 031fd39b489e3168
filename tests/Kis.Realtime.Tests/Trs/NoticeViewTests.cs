using Kis.Realtime.Protocol;
using static Kis.Realtime.Tests.Protocol.DocumentedFrames;

namespace Kis.Realtime.Tests.Trs;

public class NoticeViewTests
{
    [Theory]
    [InlineData("HDFFF1C0")]
    [InlineData("HDFFF2C0")]
    public void Encrypted_overseas_futures_notices_decrypt_and_decode(string id)
    {
        Assert.True(KisTrs.TryGet(id, out var tr));
        var fill = id == "HDFFF2C0";
        var overrides = new Dictionary<string, string> { ["crcy_cd"] = "USD", ["series"] = "6AM24" };
        if (!fill) overrides["lqd_yn"] = "Y";
        var g = new GoldenRecord(tr, overrides);
        using var decoder = new FrameDecoder();
        Assert.True(ControlMessage.TryParse(Utf8(SuccessReply(id, "simuser01")), out var reply));
        Assert.True(decoder.Learn(reply));
        Assert.True(DataFrame.TryParse(Utf8($"1|{id}|001|{EncryptIndependently(g.Record)}"), out var frame, out _));
        Assert.True(decoder.TryOpen(frame, out var opened, out var records, out var error), error.Describe());
        Assert.True(records.TryNext(out var record));
        Assert.True(OverseasFuturesNotice.TryDecode(opened, record, out var n, out error), error.Describe(opened));
        Assert.Equal(fill, n.IsFill);
        Assert.Equal("simuser01", n.UserId);
        Assert.Equal(g["acct_no"], n.AccountNumber);
        Assert.Equal(g.Date("ord_dt"), n.OrderDate);
        Assert.Equal(g["odno"], n.OrderNumber);
        Assert.Equal("6AM24", n.Series);
        Assert.Equal(g["sll_buy_dvsn_cd"], n.SideCode);
        Assert.Equal(g.Int("ord_qty"), n.OrderQuantity);
        Assert.Equal(g.Dec("fm_lmt_pric"), n.LimitPrice);
        Assert.Equal(g.Int("tot_ccld_qty"), n.FilledQuantity);
        Assert.Equal(g.Int("ord_remq"), n.RemainingQuantity);
        Assert.Equal(g["work_empl"], n.Orderer);
        Assert.Equal("USD", n.Currency);
        Assert.Equal(g["fuop_item_dvsn_cd"], n.ProductTypeCode);
        if (fill)
        {
            Assert.Equal(g.Date("ccld_dt"), n.FillDate);
            Assert.Equal(g["ccno"], n.FillNumber);
            Assert.Equal(g.Int("ccld_qty"), n.FillQuantity);
            Assert.Equal(g.Dec("fm_ccld_pric"), n.FillPrice);
            Assert.Equal(g.Dec("trst_fee"), n.Fee);
            Assert.Equal(g.Dec("fm_ccld_amt"), n.FillAmount);
            Assert.Null(n.IsLiquidation);
        }
        else
        {
            Assert.True(n.IsLiquidation);
            Assert.Equal(g.Dec("lqd_lmt_pric"), n.LiquidationLimitPrice);
            Assert.Equal(g.Dec("lqd_stop_pric"), n.LiquidationStopPrice);
            Assert.Equal(g["term_ord_vald_dtime"], n.ValidUntil);
            Assert.Equal(g["auto_ord_dvsn_cd"], n.AutoOrderCode);
            Assert.Null(n.FillQuantity);
        }
    }

    [Fact]
    public void Encrypted_overseas_stock_notices_decrypt_and_decode()
    {
        var tr = KisTrs.H0GSCNI9;
        var g = new GoldenRecord(tr, new Dictionary<string, string> { ["cntg_yn"] = "1", ["rctf_cls"] = "2" });
        using var decoder = new FrameDecoder();
        Assert.True(ControlMessage.TryParse(Utf8(SuccessReply(tr.Id, "simuser01")), out var reply));
        Assert.True(decoder.Learn(reply));
        Assert.True(DataFrame.TryParse(Utf8($"1|H0GSCNI9|001|{EncryptIndependently(g.Record)}"), out var frame, out _));
        Assert.True(decoder.TryOpen(frame, out var opened, out var records, out var error), error.Describe());
        Assert.True(records.TryNext(out var record));
        Assert.True(OverseasStockNotice.TryDecode(opened, record, out var n, out error), error.Describe(opened));
        Assert.Equal(NoticeKind.CancelAccepted, n.Kind);
        Assert.Equal(OrderRevision.Cancel, n.Revision);
        Assert.Equal("simuser01", n.CustomerId);
    }
}
