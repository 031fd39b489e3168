using System.Globalization;
using Kis.Realtime.Protocol;

namespace Kis.Realtime.Cli.Output;

/// <summary>The main typed values of a record, one short line for the live table.</summary>
internal static class RecordSummary
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static (string Time, string Summary) Describe(TrDefinition tr, ReadOnlySpan<byte> record, DisplayFormat? format = null)
        => Describe(tr, record, format, out _);

    /// <summary>
    /// The summary and the parts of it the live table colours (Korean convention): the price and its change by the change
    /// from the previous close (up red, down blue, unchanged neutral), and the side (buy red, sell blue) on its own.
    /// </summary>
    public static (string Time, string Summary) Describe(TrDefinition tr, ReadOnlySpan<byte> record, DisplayFormat? format, out SummaryColours colours)
    {
        var f = format ?? DisplayFormat.Default;
        colours = default;
        switch (tr.Id)
        {
            case "H0UPCNT0" or "H0UPANC0" when IndexTick.TryDecode(tr, record, out var t, out _):
            {
                var head = $"{f.Price(t.Value)} {f.Signed(t.Change)} ({Signed(t.ChangeRate)}%)";
                colours = new(new(0, head.Length, Math.Sign(t.Change)), default);
                return (t.Time.ToString("HH:mm:ss", Inv), $"{head}  vol {t.CumulativeVolume:N0}  adv/dec {t.AdvancingIssues}/{t.DecliningIssues}");
            }
            case "H0BJCNT0" when BondTrade.TryDecode(tr, record, out var b, out _):
            {
                var name = $"{b.Name}  ";
                var head = $"{f.Price(b.Price)} ({f.Signed(b.Change)})";
                colours = new(new(name.Length, head.Length, Math.Sign(b.Change)), default);
                return (b.Time.ToString("HH:mm:ss", Inv), $"{name}{head}  yield {b.Yield.ToString(Inv)}%  vol {b.Volume:N0}");
            }
            case "H0NXPGM0" or "H0UNPGM0" when ProgramTrade.TryDecode(tr, record, out var p, out _):
                return (p.Time.ToString("HH:mm:ss", Inv),
                    $"net {p.NetBuyVolume:N0} sh / {f.Won(p.NetBuyAmount)}  (buy {p.BuyVolume:N0}, sell {p.SellVolume:N0})");
            case "H0IFCNI0" or "H0IFCNI9" when FuturesOptionsNotice.TryDecode(tr, record, out var n, out _):
                colours = new(default, new(n.Kind.ToString().Length + 1, n.Side.ToString().Length, SideSign(n.Side)));
                return (n.Time == default ? "" : n.Time.ToString("HH:mm:ss", Inv),
                    $"{n.Kind} {n.Side} {n.ProductCode} #{n.OrderNumber} qty {n.Quantity} @ {f.Price(n.Price)}");
            case "H0STCNT0" or "H0NXCNT0" or "H0UNCNT0" or "H0STOUP0" when StockTrade.TryDecode(tr, record, out var st, out _):
            {
                var head = $"{st.Price.ToString(Inv)} {Signed(st.Change)} ({Signed(st.ChangeRate)}%)";
                var side = st.Side switch { TradeSide.Buy => 1, TradeSide.Sell => -1, _ => 0 };
                colours = new(new(0, head.Length, Math.Sign(st.Change)), new(head.Length + 2, st.Side.ToString().Length, side));
                return (Hms(st.Time),
                    $"{head}  {st.Side} {st.Volume:N0}  vol {st.CumulativeVolume:N0}  bid/ask {st.BestBid.ToString(Inv)}/{st.BestAsk.ToString(Inv)}");
            }
            case "H0STASP0" or "H0NXASP0" or "H0UNASP0" or "H0STOAA0" when StockOrderBook.TryDecode(tr, record, out var sb, out _):
                return (Hms(sb.Time),
                    $"bid {sb.Bids[0].Price.ToString(Inv)} x {sb.Bids[0].Quantity:N0} | ask {sb.Asks[0].Price.ToString(Inv)} x {sb.Asks[0].Quantity:N0}  " +
                    $"total {sb.TotalBidQuantity:N0}/{sb.TotalAskQuantity:N0}"
                    + (sb.ExpectedPrice != 0 ? $"  expected {sb.ExpectedPrice.ToString(Inv)}" : ""));
            case "H0STANC0" or "H0NXANC0" or "H0UNANC0" or "H0STOAC0" when StockExpectedTrade.TryDecode(tr, record, out var se, out _):
                return (Hms(se.Time), $"expected {se.ExpectedPrice.ToString(Inv)} {Signed(se.Change)} ({Signed(se.ChangeRate)}%)  qty {se.ExpectedVolume:N0}");
            case "H0STMKO0" or "H0NXMKO0" or "H0UNMKO0" when MarketStatus.TryDecode(tr, record, out var ms, out _):
                return ("", $"{(ms.IsHalted ? "HALTED " + ms.HaltReason : "trading")}  phase {ms.MarketOperationCode}  VI " +
                    $"{ms.Vi}{(ms.AfterHoursVi is ViStatus.None or ViStatus.Released ? "" : $" (after-hours {ms.AfterHoursVi})")}");
            case "H0STCNI0" or "H0STCNI9" when StockNotice.TryDecode(tr, record, out var sn, out _):
                colours = new(default, new(sn.Kind.ToString().Length + 1, sn.Side.ToString().Length, SideSign(sn.Side)));
                return (Hms(sn.Time), $"{sn.Kind} {sn.Side} {sn.StockCode} #{sn.OrderNumber} qty {sn.Quantity} @ {sn.Price.ToString(Inv)}");
            case "H0MFCNI0" or "H0EUCNI0" when FuturesOptionsNotice.TryDecode(tr, record, out var nn, out _):
                return (nn.Time == default ? "" : Hms(nn.Time),
                    $"{nn.Kind} {nn.Side} {nn.ProductCode} #{nn.OrderNumber} qty {nn.Quantity} @ {nn.Price.ToString(Inv)}");
            case "H0GSCNI0" or "H0GSCNI9" when OverseasStockNotice.TryDecode(tr, record, out var on, out _):
                return (Hms(on.Time), $"{on.Kind} {on.Side} {on.Ticker} #{on.OrderNumber} qty {on.Quantity} @ {on.Price.ToString(Inv)}");
            case "H0IFCNT0" or "H0CFCNT0" or "H0ZFCNT0" or "H0MFCNT0" when FuturesTrade.TryDecode(tr, record, out var ft, out _):
                colours = new(new(0, $"{ft.Price.ToString(Inv)} {Signed(ft.Change)} ({Signed(ft.ChangeRate)}%)".Length, Math.Sign(ft.Change)), default);
                return (Hms(ft.Time),
                    $"{ft.Price.ToString(Inv)} {Signed(ft.Change)} ({Signed(ft.ChangeRate)}%)  qty {ft.Volume:N0}  vol {ft.CumulativeVolume:N0}  OI " +
                    $"{ft.OpenInterest:N0}");
            case "H0IOCNT0" or "H0ZOCNT0" or "H0EUCNT0" when OptionsTrade.TryDecode(tr, record, out var ot, out _):
                return (Hms(ot.Time),
                    $"{ot.Price.ToString(Inv)} {Signed(ot.Change)}  qty {ot.Volume:N0}  IV {ot.ImpliedVolatility.ToString(Inv)}  delta " +
                    $"{ot.Delta.ToString(Inv)}");
            case "H0IFASP0" or "H0IOASP0" or "H0CFASP0" or "H0MFASP0" or "H0EUASP0" or "H0ZFASP0" or "H0ZOASP0"
                when DerivativesOrderBook.TryDecode(tr, record, out var db, out _):
                return (Hms(db.Time),
                    $"bid {db.Bids[0].Price.ToString(Inv)} x {db.Bids[0].Quantity:N0} | ask {db.Asks[0].Price.ToString(Inv)} x {db.Asks[0].Quantity:N0}  " +
                    $"total {db.TotalBidQuantity:N0}/{db.TotalAskQuantity:N0}");
            case "HDFSCNT0" when OverseasStockTrade.TryDecode(tr, record, out var us, out _):
                return (Hms(us.KoreaTime),
                    $"{us.Ticker} {us.Price.ToString(Inv)} {Signed(us.Change)} ({Signed(us.ChangeRate)}%)  qty {us.Volume:N0}  vol {us.CumulativeVolume:N0}  " +
                    $"local {Hms(us.LocalTime)}");
            case "HDFSASP0" or "HDFSASP1" when OverseasStockOrderBook.TryDecode(tr, record, out var ub, out _):
                return (Hms(ub.KoreaTime),
                    $"{ub.Ticker} bid {ub.Bids[0].Price.ToString(Inv)} x {ub.Bids[0].Quantity:N0} | ask {ub.Asks[0].Price.ToString(Inv)} x " +
                    $"{ub.Asks[0].Quantity:N0}");
            case "H0ZFANC0" or "H0ZOANC0" or "H0EUANC0" when DerivativesExpectedTrade.TryDecode(tr, record, out var de, out _):
                return (Hms(de.Time), $"expected {de.ExpectedPrice.ToString(Inv)} {Signed(de.ExpectedChange)} ({Signed(de.ExpectedChangeRate)}%)"
                    + (de.ExpectedQuantity is { } q ? $"  qty {q:N0}" : ""));
            case "HDFFF020" when OverseasFuturesTrade.TryDecode(tr, record, out var of, out _):
                return ("", $"{of.SeriesCode} {of.Price.ToString(Inv)} {Signed(of.Change)} ({Signed(of.ChangeRate)}%)  qty {of.Volume:N0}  vol " +
                    $"{of.CumulativeVolume:N0}");
            case "HDFFF010" when OverseasFuturesOrderBook.TryDecode(tr, record, out var ob, out _):
                return ("", $"{ob.SeriesCode} bid {ob.Bids[0].Price.ToString(Inv)} x {ob.Bids[0].Quantity:N0} | ask {ob.Asks[0].Price.ToString(Inv)} x " +
                    $"{ob.Asks[0].Quantity:N0}");
            case "H0BJASP0" when BondOrderBook.TryDecode(tr, record, out var bb, out _):
                return (Hms(bb.Time),
                    $"bid {bb.Bids[0].Price.ToString(Inv)} ({bb.BidYields[0].ToString(Inv)}%) x {bb.Bids[0].Quantity:N0} | ask " +
                    $"{bb.Asks[0].Price.ToString(Inv)} ({bb.AskYields[0].ToString(Inv)}%) x {bb.Asks[0].Quantity:N0}");
            case "H0BICNT0" when BondIndexTick.TryDecode(tr, record, out var bi, out _):
                return (Hms(bi.Time),
                    $"{bi.TotalReturnIndex.ToString(Inv)} {Signed(bi.Change)} ({Signed(bi.ChangeRate)}%)  YTM {bi.AverageYieldToMaturity.ToString(Inv)}%  " +
                    $"duration {bi.AverageDuration.ToString(Inv)}");
            case "H0STMBC0" or "H0NXMBC0" or "H0UNMBC0" when BrokerFlow.TryDecode(tr, record, out var bf, out _):
                return ("", $"top seller {bf.Sellers[0].Name} {bf.Sellers[0].Quantity:N0} | top buyer {bf.Buyers[0].Name} {bf.Buyers[0].Quantity:N0}  " +
                    $"foreign net {bf.ForeignNetBuyQuantity:N0}");
            case "HDFFF1C0" or "HDFFF2C0" when OverseasFuturesNotice.TryDecode(tr, record, out var fn, out _):
                return ("", fn.IsFill
                    ? $"Fill {fn.SideCode} {fn.Series} #{fn.OrderNumber} qty {fn.FillQuantity} @ {fn.FillPrice?.ToString(Inv)} {fn.Currency}"
                    : $"Order {fn.SideCode} {fn.Series} #{fn.OrderNumber} qty {fn.OrderQuantity} filled {fn.FilledQuantity} open {fn.RemainingQuantity}");
            case "H0STNAV0" when EtfNav.TryDecode(tr, record, out var nav, out _):
                return ("", $"NAV {nav.Nav.ToString(Inv)} {Signed(nav.Change)} ({Signed(nav.ChangeRate)}%)");
            case "H0EWCNT0" when ElwTrade.TryDecode(tr, record, out var elw, out _):
                return (Hms(elw.Time),
                    $"{elw.Price.ToString(Inv)} {Signed(elw.Change)}  vol {elw.CumulativeVolume:N0}  IV {elw.ImpliedVolatility.ToString(Inv)}  LP " +
                    $"{elw.LpHoldingRate.ToString(Inv)}%");
            case "H0STPGM0" when ProgramTrade.TryDecode(tr, record, out var kp, out _):
                return (Hms(kp.Time), $"net {kp.NetBuyVolume:N0} sh / {kp.NetBuyAmount:N0} KRW  (buy {kp.BuyVolume:N0}, sell {kp.SellVolume:N0})");
            default:
                var text = KisText.DecodeUncached(record); // decode first: cutting bytes could split a character
                return ("", text.Length > 80 ? text[..80] : text);
        }
    }

    private static string Hms(TimeOnly t) => t.ToString("HH:mm:ss", Inv);

    private static string Signed(decimal d) => (d > 0 ? "+" : "") + d.ToString(Inv);

    private static int SideSign(OrderSide side) => side switch { OrderSide.Buy => 1, OrderSide.Sell => -1, _ => 0 };
}

/// <summary>A part of a summary line to colour: <see cref="Sign"/> +1 red (up, buy), -1 blue (down, sell), 0 neutral.</summary>
internal readonly record struct SummaryPart(int Start, int Length, int Sign);

/// <summary>The summary's price (coloured by the change from the previous close) and side (coloured by side), each optional.</summary>
internal readonly record struct SummaryColours(SummaryPart Price, SummaryPart Side);
