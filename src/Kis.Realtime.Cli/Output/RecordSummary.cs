using System.Collections.Frozen;
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
        colours = default;
        if (ByTr.TryGetValue(tr, out var describe) && describe(tr, record, format ?? DisplayFormat.Default, out colours) is { } line) return line;
        colours = default;
        var text = KisText.DecodeUncached(record); // decode first: cutting bytes could split a character
        return ("", text.Length > 80 ? text[..80] : text);
    }

    /// <summary>Whether <paramref name="tr"/>'s records get a typed line (a view decodes them); the others show their raw fields.</summary>
    public static bool HasTypedLine(TrDefinition tr) => ByTr.ContainsKey(tr);

    /// <summary>Decodes a record with its view and describes it; null when the record does not decode (shown raw).</summary>
    private delegate (string Time, string Summary)? Describer(TrDefinition tr, ReadOnlySpan<byte> record, DisplayFormat f, out SummaryColours colours);

    /// <summary>One view's line from its decoded value.</summary>
    private delegate (string Time, string Summary) Line<T>(in T value, DisplayFormat f, out SummaryColours colours);

    /// <summary>
    /// The line of each TR, from the TRs each typed view lists (<see cref="IKisRecord{TSelf}.Trs"/>): a TR joins its
    /// view's line when the catalog and views.json put it there, with no TR id written here. A view listed twice, or two
    /// views claiming one TR, throws at start-up (<c>Add</c>).
    /// </summary>
    private static readonly FrozenDictionary<TrDefinition, Describer> ByTr = Table();

    private static FrozenDictionary<TrDefinition, Describer> Table()
    {
        var table = new Dictionary<TrDefinition, Describer>();
        Add<IndexTick>(table, IndexLine);
        Add<BondTrade>(table, BondLine);
        Add<ProgramTrade>(table, ProgramLine);
        Add<FuturesOptionsNotice>(table, FuturesNoticeLine);
        Add<StockTrade>(table, StockTradeLine);
        Add<StockOrderBook>(table, StockBookLine);
        Add<StockExpectedTrade>(table, StockExpectedLine);
        Add<MarketStatus>(table, MarketStatusLine);
        Add<StockNotice>(table, StockNoticeLine);
        Add<OverseasStockNotice>(table, OverseasNoticeLine);
        Add<FuturesTrade>(table, FuturesTradeLine);
        Add<OptionsTrade>(table, OptionsTradeLine);
        Add<DerivativesOrderBook>(table, DerivativesBookLine);
        Add<OverseasStockTrade>(table, OverseasTradeLine);
        Add<OverseasStockOrderBook>(table, OverseasBookLine);
        Add<DerivativesExpectedTrade>(table, DerivativesExpectedLine);
        Add<OverseasFuturesTrade>(table, OverseasFuturesTradeLine);
        Add<OverseasFuturesOrderBook>(table, OverseasFuturesBookLine);
        Add<BondOrderBook>(table, BondBookLine);
        Add<BondIndexTick>(table, BondIndexLine);
        Add<BrokerFlow>(table, BrokerFlowLine);
        Add<OverseasFuturesNotice>(table, OverseasFuturesNoticeLine);
        Add<EtfNav>(table, EtfNavLine);
        Add<ElwTrade>(table, ElwLine);
        return table.ToFrozenDictionary();
    }

    private static void Add<T>(Dictionary<TrDefinition, Describer> table, Line<T> line) where T : struct, IKisRecord<T>
    {
        foreach (var listed in T.Trs)
            table.Add(listed, (TrDefinition tr, ReadOnlySpan<byte> record, DisplayFormat f, out SummaryColours colours) =>
            {
                colours = default;
                return T.TryDecode(tr, record, out var value, out _) ? line(value, f, out colours) : null;
            });
    }

    private static (string, string) IndexLine(in IndexTick t, DisplayFormat f, out SummaryColours colours)
    {
        var head = $"{f.Price(t.Value)} {f.Signed(t.Change)} ({Signed(t.ChangeRate)}%)";
        colours = new(new(0, head.Length, Math.Sign(t.Change)), default);
        return (Hms(t.Time), $"{head}  vol {t.CumulativeVolume:N0}  adv/dec {t.AdvancingIssues}/{t.DecliningIssues}");
    }

    private static (string, string) BondLine(in BondTrade b, DisplayFormat f, out SummaryColours colours)
    {
        var name = $"{b.Name}  ";
        var head = $"{f.Price(b.Price)} ({f.Signed(b.Change)})";
        colours = new(new(name.Length, head.Length, Math.Sign(b.Change)), default);
        return (Hms(b.Time), $"{name}{head}  yield {b.Yield.ToString(Inv)}%  vol {b.Volume:N0}");
    }

    private static (string, string) ProgramLine(in ProgramTrade p, DisplayFormat f, out SummaryColours colours)
    {
        colours = default;
        return (Hms(p.Time), $"net {p.NetBuyVolume:N0} sh / {f.Won(p.NetBuyAmount)}  (buy {p.BuyVolume:N0}, sell {p.SellVolume:N0})");
    }

    private static (string, string) FuturesNoticeLine(in FuturesOptionsNotice n, DisplayFormat f, out SummaryColours colours)
    {
        colours = new(default, new(n.Kind.ToString().Length + 1, n.Side.ToString().Length, SideSign(n.Side)));
        return (n.Time == default ? "" : Hms(n.Time), $"{n.Kind} {n.Side} {n.ProductCode} #{n.OrderNumber} qty {n.Quantity} @ {f.Price(n.Price)}");
    }

    private static (string, string) StockTradeLine(in StockTrade st, DisplayFormat f, out SummaryColours colours)
    {
        var head = $"{st.Price.ToString(Inv)} {Signed(st.Change)} ({Signed(st.ChangeRate)}%)";
        var side = st.Side switch { TradeSide.Buy => 1, TradeSide.Sell => -1, _ => 0 };
        colours = new(new(0, head.Length, Math.Sign(st.Change)), new(head.Length + 2, st.Side.ToString().Length, side));
        return (Hms(st.Time),
            $"{head}  {st.Side} {st.Volume:N0}  vol {st.CumulativeVolume:N0}  bid/ask {st.BestBid.ToString(Inv)}/{st.BestAsk.ToString(Inv)}");
    }

    private static (string, string) StockBookLine(in StockOrderBook sb, DisplayFormat f, out SummaryColours colours)
    {
        colours = default;
        return (Hms(sb.Time),
            $"bid {sb.Bids[0].Price.ToString(Inv)} x {sb.Bids[0].Quantity:N0} | ask {sb.Asks[0].Price.ToString(Inv)} x {sb.Asks[0].Quantity:N0}  " +
            $"total {sb.TotalBidQuantity:N0}/{sb.TotalAskQuantity:N0}"
            + (sb.ExpectedPrice != 0 ? $"  expected {sb.ExpectedPrice.ToString(Inv)}" : ""));
    }

    private static (string, string) StockExpectedLine(in StockExpectedTrade se, DisplayFormat f, out SummaryColours colours)
    {
        colours = default;
        return (Hms(se.Time), $"expected {se.ExpectedPrice.ToString(Inv)} {Signed(se.Change)} ({Signed(se.ChangeRate)}%)  qty {se.ExpectedVolume:N0}");
    }

    private static (string, string) MarketStatusLine(in MarketStatus ms, DisplayFormat f, out SummaryColours colours)
    {
        colours = default;
        return ("", $"{(ms.IsHalted ? "HALTED " + ms.HaltReason : "trading")}  phase {ms.MarketOperationCode}  VI " +
            $"{ms.Vi}{(ms.AfterHoursVi is ViStatus.None or ViStatus.Released ? "" : $" (after-hours {ms.AfterHoursVi})")}");
    }

    private static (string, string) StockNoticeLine(in StockNotice sn, DisplayFormat f, out SummaryColours colours)
    {
        colours = new(default, new(sn.Kind.ToString().Length + 1, sn.Side.ToString().Length, SideSign(sn.Side)));
        return (Hms(sn.Time), $"{sn.Kind} {sn.Side} {sn.StockCode} #{sn.OrderNumber} qty {sn.Quantity} @ {sn.Price.ToString(Inv)}");
    }

    private static (string, string) OverseasNoticeLine(in OverseasStockNotice on, DisplayFormat f, out SummaryColours colours)
    {
        colours = default;
        return (Hms(on.Time), $"{on.Kind} {on.Side} {on.Ticker} #{on.OrderNumber} qty {on.Quantity} @ {on.Price.ToString(Inv)}");
    }

    private static (string, string) FuturesTradeLine(in FuturesTrade ft, DisplayFormat f, out SummaryColours colours)
    {
        var head = $"{ft.Price.ToString(Inv)} {Signed(ft.Change)} ({Signed(ft.ChangeRate)}%)";
        colours = new(new(0, head.Length, Math.Sign(ft.Change)), default);
        return (Hms(ft.Time), $"{head}  qty {ft.Volume:N0}  vol {ft.CumulativeVolume:N0}  OI {ft.OpenInterest:N0}");
    }

    private static (string, string) OptionsTradeLine(in OptionsTrade ot, DisplayFormat f, out SummaryColours colours)
    {
        colours = default;
        return (Hms(ot.Time),
            $"{ot.Price.ToString(Inv)} {Signed(ot.Change)}  qty {ot.Volume:N0}  IV {ot.ImpliedVolatility.ToString(Inv)}  delta {ot.Delta.ToString(Inv)}");
    }

    private static (string, string) DerivativesBookLine(in DerivativesOrderBook db, DisplayFormat f, out SummaryColours colours)
    {
        colours = default;
        return (Hms(db.Time),
            $"bid {db.Bids[0].Price.ToString(Inv)} x {db.Bids[0].Quantity:N0} | ask {db.Asks[0].Price.ToString(Inv)} x {db.Asks[0].Quantity:N0}  " +
            $"total {db.TotalBidQuantity:N0}/{db.TotalAskQuantity:N0}");
    }

    private static (string, string) OverseasTradeLine(in OverseasStockTrade us, DisplayFormat f, out SummaryColours colours)
    {
        colours = default;
        return (Hms(us.KoreaTime),
            $"{us.Ticker} {us.Price.ToString(Inv)} {Signed(us.Change)} ({Signed(us.ChangeRate)}%)  qty {us.Volume:N0}  vol {us.CumulativeVolume:N0}  " +
            $"local {Hms(us.LocalTime)}");
    }

    private static (string, string) OverseasBookLine(in OverseasStockOrderBook ub, DisplayFormat f, out SummaryColours colours)
    {
        colours = default;
        return (Hms(ub.KoreaTime),
            $"{ub.Ticker} bid {ub.Bids[0].Price.ToString(Inv)} x {ub.Bids[0].Quantity:N0} | ask {ub.Asks[0].Price.ToString(Inv)} x {ub.Asks[0].Quantity:N0}");
    }

    private static (string, string) DerivativesExpectedLine(in DerivativesExpectedTrade de, DisplayFormat f, out SummaryColours colours)
    {
        colours = default;
        return (Hms(de.Time), $"expected {de.ExpectedPrice.ToString(Inv)} {Signed(de.ExpectedChange)} ({Signed(de.ExpectedChangeRate)}%)"
            + (de.ExpectedQuantity is { } q ? $"  qty {q:N0}" : ""));
    }

    private static (string, string) OverseasFuturesTradeLine(in OverseasFuturesTrade of, DisplayFormat f, out SummaryColours colours)
    {
        colours = default;
        return ("", $"{of.SeriesCode} {of.Price.ToString(Inv)} {Signed(of.Change)} ({Signed(of.ChangeRate)}%)  qty {of.Volume:N0}  " +
            $"vol {of.CumulativeVolume:N0}");
    }

    private static (string, string) OverseasFuturesBookLine(in OverseasFuturesOrderBook ob, DisplayFormat f, out SummaryColours colours)
    {
        colours = default;
        return ("", $"{ob.SeriesCode} bid {ob.Bids[0].Price.ToString(Inv)} x {ob.Bids[0].Quantity:N0} | ask {ob.Asks[0].Price.ToString(Inv)} x " +
            $"{ob.Asks[0].Quantity:N0}");
    }

    private static (string, string) BondBookLine(in BondOrderBook bb, DisplayFormat f, out SummaryColours colours)
    {
        colours = default;
        return (Hms(bb.Time),
            $"bid {bb.Bids[0].Price.ToString(Inv)} ({bb.BidYields[0].ToString(Inv)}%) x {bb.Bids[0].Quantity:N0} | ask " +
            $"{bb.Asks[0].Price.ToString(Inv)} ({bb.AskYields[0].ToString(Inv)}%) x {bb.Asks[0].Quantity:N0}");
    }

    private static (string, string) BondIndexLine(in BondIndexTick bi, DisplayFormat f, out SummaryColours colours)
    {
        colours = default;
        return (Hms(bi.Time),
            $"{bi.TotalReturnIndex.ToString(Inv)} {Signed(bi.Change)} ({Signed(bi.ChangeRate)}%)  YTM {bi.AverageYieldToMaturity.ToString(Inv)}%  " +
            $"duration {bi.AverageDuration.ToString(Inv)}");
    }

    private static (string, string) BrokerFlowLine(in BrokerFlow bf, DisplayFormat f, out SummaryColours colours)
    {
        colours = default;
        return ("", $"top seller {bf.Sellers[0].Name} {bf.Sellers[0].Quantity:N0} | top buyer {bf.Buyers[0].Name} {bf.Buyers[0].Quantity:N0}  " +
            $"foreign net {bf.ForeignNetBuyQuantity:N0}");
    }

    private static (string, string) OverseasFuturesNoticeLine(in OverseasFuturesNotice fn, DisplayFormat f, out SummaryColours colours)
    {
        colours = default;
        return ("", fn.IsFill
            ? $"Fill {fn.SideCode} {fn.Series} #{fn.OrderNumber} qty {fn.FillQuantity} @ {fn.FillPrice?.ToString(Inv)} {fn.Currency}"
            : $"Order {fn.SideCode} {fn.Series} #{fn.OrderNumber} qty {fn.OrderQuantity} filled {fn.FilledQuantity} open {fn.RemainingQuantity}");
    }

    private static (string, string) EtfNavLine(in EtfNav nav, DisplayFormat f, out SummaryColours colours)
    {
        colours = default;
        return ("", $"NAV {nav.Nav.ToString(Inv)} {Signed(nav.Change)} ({Signed(nav.ChangeRate)}%)");
    }

    private static (string, string) ElwLine(in ElwTrade elw, DisplayFormat f, out SummaryColours colours)
    {
        colours = default;
        return (Hms(elw.Time),
            $"{elw.Price.ToString(Inv)} {Signed(elw.Change)}  vol {elw.CumulativeVolume:N0}  IV {elw.ImpliedVolatility.ToString(Inv)}  " +
            $"LP {elw.LpHoldingRate.ToString(Inv)}%");
    }

    private static string Hms(TimeOnly t) => t.ToString("HH:mm:ss", Inv);

    private static string Signed(decimal d) => (d > 0 ? "+" : "") + d.ToString(Inv);

    private static int SideSign(OrderSide side) => side switch { OrderSide.Buy => 1, OrderSide.Sell => -1, _ => 0 };
}

/// <summary>A part of a summary line to colour: <see cref="Sign"/> +1 red (up, buy), -1 blue (down, sell), 0 neutral.</summary>
internal readonly record struct SummaryPart(int Start, int Length, int Sign);

/// <summary>The summary's price (coloured by the change from the previous close) and side (coloured by side), each optional.</summary>
internal readonly record struct SummaryColours(SummaryPart Price, SummaryPart Side);
