using System.Globalization;
using Kis.Realtime.Protocol;
using Kis.Realtime.Trs;

namespace Kis.Realtime.Cli.Output;

/// <summary>The main typed values of a record, one short line for the live table.</summary>
internal static class RecordSummary
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static (string Time, string Summary) Describe(TrDefinition tr, ReadOnlySpan<byte> record, DisplayFormat? format = null)
    {
        var f = format ?? DisplayFormat.Default;
        switch (tr.Id)
        {
            case "H0UPCNT0" when IndexTick.TryDecode(tr, record, out var t, out _):
                return (t.Time.ToString("HH:mm:ss", Inv), $"{f.Price(t.Value)} {f.Signed(t.Change)} ({Signed(t.ChangeRate)}%)  vol {t.AccumulatedVolume:N0}  adv/dec {t.AdvancingIssues}/{t.DecliningIssues}");
            case "H0BJCNT0" when BondTrade.TryDecode(tr, record, out var b, out _):
                return (b.Time.ToString("HH:mm:ss", Inv), $"{b.Name}  {f.Price(b.Price)} ({f.Signed(b.Change)})  yield {b.Yield.ToString(Inv)}%  vol {b.Volume:N0}");
            case "H0NXPGM0" or "H0UNPGM0" when ProgramTrade.TryDecode(tr, record, out var p, out _):
                return (p.Time.ToString("HH:mm:ss", Inv), $"net {p.NetBuyQuantity:N0} sh / {f.Won(p.NetBuyAmount)}  (buy {p.BuyQuantity:N0}, sell {p.SellQuantity:N0})");
            case "H0IFCNI0" or "H0IFCNI9" when FuturesOptionsNotice.TryDecode(tr, record, out var n, out _):
                return (n.Time11 == default ? "" : n.Time11.ToString("HH:mm:ss", Inv),
                    $"{n.Kind} {n.Side} {n.ProductCode} #{n.OrderNumber} qty {n.Quantity9} @ {f.Price(n.Price10)}");
            default:
                var text = KisText.DecodeUncached(record); // decode first: cutting bytes could split a character
                return ("", text.Length > 80 ? text[..80] : text);
        }
    }

    private static string Signed(decimal d) => (d > 0 ? "+" : "") + d.ToString(Inv);
}
