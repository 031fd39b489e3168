using System.Globalization;
using System.Net;
using System.Text;

namespace Kis.Realtime.Simulator.Backtest;

/// <summary>
/// report.html: the summary, the equity curve and each traded stock's price with the fills on it, as inline SVG. One
/// file, no script, no external URL: it opens anywhere, offline, and is the same bytes for the same run.
/// </summary>
internal static class BacktestReport
{
    private const int Width = 960, Height = 260, Pad = 48;

    public static string Html(KisBacktestResult result)
    {
        var s = result.Summary;
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/><title>Backtest report</title>\n<style>")
            .Append("body{font:14px system-ui,sans-serif;margin:24px;color:#222}table{border-collapse:collapse}")
            .Append("td,th{padding:2px 10px;text-align:right;border-bottom:1px solid #ddd}")
            .Append("th{text-align:left}svg{background:#fafafa;border:1px solid #ddd;margin:8px 0}")
            .Append(".buy{fill:#d1242f}.sell{fill:#0969da}.line{fill:none;stroke:#57606a;stroke-width:1.5}")
            .Append("</style></head><body>\n<h1>Backtest report</h1>\n<table>\n");
        foreach (var (name, value) in new (string, string)[]
        {
            ("Net P&L (KRW)", M(s.NetProfitLoss)), ("Gross P&L (KRW)", M(s.GrossProfitLoss)), ("Commission (KRW)", M(s.Commission)),
            ("Tax (KRW)", M(s.Tax)), ("Turnover (KRW)", M(s.Turnover)), ("Max drawdown (KRW)", M(s.MaxDrawdown)),
            ("Max drawdown (%)", (s.MaxDrawdownFraction * 100).ToString("0.###", CultureInfo.InvariantCulture)),
            ("Starting cash (KRW)", M(s.StartingCash)), ("Ending equity (KRW)", M(s.EndingEquity)),
            ("Order calls / refused / fills", $"{N(s.Calls)} / {N(s.Refused)} / {N(s.FillCount)}"), ("Records read", N(s.Records)),
            ("Latency (ms)", result.Options.Latency.TotalMilliseconds.ToString("#,##0.###", CultureInfo.InvariantCulture)),
            ("Commission / sell tax rate", $"{result.Options.CommissionRate.ToString(CultureInfo.InvariantCulture)} / " +
                $"{result.Options.SellTaxRate.ToString(CultureInfo.InvariantCulture)}"),
        })
            html.Append("<tr><th>").Append(WebUtility.HtmlEncode(name)).Append("</th><td>").Append(WebUtility.HtmlEncode(value)).Append("</td></tr>\n");
        html.Append("</table>\n<h2>Equity</h2>\n");
        Chart(html, "equity", [.. result.EquityCurve.Select(p => (p.Time.UtcTicks, p.Equity, p.Equity, p.Equity))], []);
        html.Append("<h2>Fills against the tape</h2>\n<table><tr><th>code</th><th>tape trades</th><th>tape volume</th>" +
            "<th>tape VWAP</th><th>bought</th><th>avg buy</th><th>sold</th><th>avg sell</th><th>position</th><th>participation %</th></tr>\n");
        foreach (var i in s.Instruments)
            html.Append(CultureInfo.InvariantCulture, $"<tr><th>{i.Code}</th><td>{N(i.TapeTrades)}</td><td>{N(i.TapeVolume)}</td><td>{M(i.TapeVwap)}</td>")
                .Append(CultureInfo.InvariantCulture, $"<td>{N(i.Bought)}</td><td>{M(i.AverageBuy)}</td><td>{N(i.Sold)}</td><td>{M(i.AverageSell)}</td>")
                .Append(CultureInfo.InvariantCulture, $"<td>{N(i.Position)}</td><td>{i.Participation * 100:0.####}</td></tr>\n");
        html.Append("</table>\n");
        foreach (var (code, prices) in result.PriceRanges.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var fills = result.Fills.Where(f => f.Code == code).ToList();
            if (fills.Count == 0) continue;
            html.Append("<h2>").Append(WebUtility.HtmlEncode(code)).Append(": price and fills</h2>\n");
            Chart(html, code, [.. prices.Select(p => (p.Time.UtcTicks, p.Last, p.Low, p.High))], fills);
        }
        html.Append("<p>Times are KST market time (the recording's own stamps); buys are red, sells blue (as KRX quotes show up and down). " +
            "The price line is every trade of the tape and every fill (the strategy's own trades), each pixel column from its lowest to its highest. " +
            "Written by kisrt backtest " +
            "(Kis.Realtime.Simulator).</p>\n</body></html>\n");
        return html.ToString();
    }

    /// <summary>
    /// One line chart with the fills as marks. The line is drawn per pixel column (<see cref="Columns"/>): each column
    /// from its first value through its lowest and highest to its last, the fills folded in (they are trades too), so
    /// every trade and every fill of a column lies on the line; thinning to a few points left fills far off it.
    /// </summary>
    private static void Chart(StringBuilder html, string name, List<(long Ticks, decimal Last, decimal Low, decimal High)> points,
        List<KisBacktestFill> fills)
    {
        if (points.Count == 0)
        {
            html.Append("<p>No data.</p>\n");
            return;
        }
        long t0 = Math.Min(points[0].Ticks, fills.Count > 0 ? fills[0].Time.UtcTicks : long.MaxValue);
        long t1 = Math.Max(points[^1].Ticks, fills.Count > 0 ? fills[^1].Time.UtcTicks : long.MinValue);
        var low = Math.Min(points.Min(p => p.Low), fills.Count > 0 ? fills.Min(f => f.Price) : decimal.MaxValue);
        var high = Math.Max(points.Max(p => p.High), fills.Count > 0 ? fills.Max(f => f.Price) : decimal.MinValue);
        if (high == low) (low, high) = (low - 1, high + 1);
        double X(long ticks) => Pad + (t1 == t0 ? 0 : (double)(ticks - t0) / (t1 - t0) * (Width - 2 * Pad));
        double Y(decimal value) => Height - Pad + (double)((low - value) / (high - low)) * (Height - 2 * Pad);
        html.Append(CultureInfo.InvariantCulture,
            $"<svg id=\"chart-{WebUtility.HtmlEncode(name)}\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\">\n");
        html.Append(CultureInfo.InvariantCulture,
            $"<text x=\"4\" y=\"{Pad - 8}\" font-size=\"11\">{M(high)}</text><text x=\"4\" y=\"{Height - Pad + 12}\" font-size=\"11\">{M(low)}</text>\n");
        html.Append(CultureInfo.InvariantCulture, $"<text x=\"{Pad}\" y=\"{Height - 8}\" font-size=\"11\">{Time(t0)}</text><text x=\"{Width - Pad - 150}\" " +
            $"y=\"{Height - 8}\" font-size=\"11\">{Time(t1)}</text>\n");
        html.Append("<polyline class=\"line\" points=\"");
        foreach (var (column, first, lowest, highest, last) in Columns(points, fills, X))
        {
            var x = Pad + column + 0.5; // the column's middle: every value in it lies within half a pixel of the line
            double? drawn = null;
            foreach (var value in (ReadOnlySpan<decimal>)[first, lowest, highest, last])
            {
                var y = Y(value);
                if (drawn == y) continue;
                Point(html, x, y).Append(' ');
                drawn = y;
            }
        }
        html.Append("\"/>\n");
        // A day's fills are 20,000 marks: each formatted straight into the page, no string a mark, and without the
        // custom numeric formats ("0.#", "#,##0.##"), which parse their pattern at every call.
        foreach (var f in fills)
        {
            var (x, y) = (X(f.Time.UtcTicks), Y(f.Price));
            var (side, tip) = f.Side == OrderSide.Buy ? ("buy", -1) : ("sell", 1); // a buy's triangle points up, a sell's down
            html.Append("<polygon class=\"").Append(side).Append("\" points=\"");
            Point(html, x - 5, y - 6 * tip).Append(' ');
            Point(html, x + 5, y - 6 * tip).Append(' ');
            Point(html, x, y + 3 * tip).Append("\"><title>").Append(side).Append(CultureInfo.InvariantCulture, $" {f.Quantity} @ ");
            Money(html, f.Price).Append(' ');
            Time(html, f.Time.UtcDateTime).Append(" (").Append(f.Liquidity).Append(")</title></polygon>\n");
        }
        html.Append("</svg>\n");
    }

    /// <summary>The values per pixel column of the plot (<paramref name="x"/>: a time's position): the first and last
    /// point's value and the lowest and highest of its points' ranges and fills' prices, in column order.</summary>
    private static List<(int Column, decimal First, decimal Low, decimal High, decimal Last)> Columns(
        List<(long Ticks, decimal Last, decimal Low, decimal High)> points, List<KisBacktestFill> fills, Func<long, double> x)
    {
        var columns = new SortedDictionary<int, (decimal First, decimal Low, decimal High, decimal Last)>();
        int Column(long ticks) => Math.Clamp((int)Math.Floor(x(ticks) - Pad), 0, Width - 2 * Pad - 1);
        foreach (var (ticks, last, low, high) in points) // in time order: the first point of a column opens it, each one after closes it
        {
            var c = Column(ticks);
            columns[c] = columns.TryGetValue(c, out var v) ? (v.First, Math.Min(v.Low, low), Math.Max(v.High, high), last) : (last, low, high, last);
        }
        foreach (var f in fills)
        {
            var c = Column(f.Time.UtcTicks);
            columns[c] = columns.TryGetValue(c, out var v) ? (v.First, Math.Min(v.Low, f.Price), Math.Max(v.High, f.Price), v.Last)
                : (f.Price, f.Price, f.Price, f.Price);
        }
        return [.. columns.Select(c => (c.Key, c.Value.First, c.Value.Low, c.Value.High, c.Value.Last))];
    }

    private static StringBuilder Point(StringBuilder html, double x, double y) => Tenths(Tenths(html, x).Append(','), y);

    /// <summary>
    /// <paramref name="value"/> as the format "0.#" writes it: rounded half away from zero to a tenth, the tenth only
    /// when it is not 0. The format rounds the value's 15 significant digits, not its binary value (612.4499999999999
    /// is 612.5), so a value within a millionth of a tenth's midpoint takes the format itself, as does one outside the
    /// picture. Below 1e8 that millionth covers what the 15 digits can move (from 1e8 it does not: 123456789.0499996
    /// is 123456789.1).
    /// </summary>
    internal static StringBuilder Tenths(StringBuilder html, double value)
    {
        var scaled = value * 10;
        var whole = Math.Floor(scaled);
        var fraction = scaled - whole;
        if (double.IsNegative(value) || !(scaled < 1e9) || Math.Abs(fraction - 0.5) < 1e-6) // NaN too
            return html.Append(value.ToString("0.#", CultureInfo.InvariantCulture));
        var tenths = (long)whole + (fraction > 0.5 ? 1 : 0);
        html.Append(CultureInfo.InvariantCulture, $"{tenths / 10}");
        return tenths % 10 == 0 ? html : html.Append('.').Append((char)('0' + tenths % 10));
    }

    /// <summary><paramref name="value"/> as <see cref="M"/> writes it; a whole number of won without the pattern.</summary>
    internal static StringBuilder Money(StringBuilder html, decimal value)
    {
        if (value != decimal.Truncate(value) || value is < 0 or >= 1_000_000_000_000_000m) return html.Append(M(value));
        Span<char> digits = stackalloc char[32];
        ((long)value).TryFormat(digits, out var length, "N0", CultureInfo.InvariantCulture); // invariant: ',' every three digits
        return html.Append(digits[..length]);
    }

    private static string M(decimal value) => value.ToString("#,##0.##", CultureInfo.InvariantCulture);

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture); // invariant: ',' every three digits

    private static string Time(long utcTicks) => Time(new StringBuilder(24), new DateTime(utcTicks, DateTimeKind.Utc)).ToString();

    /// <summary>
    /// A time as the page shows it, in KST as `kisrt bars` and KRX show the market ("yyyy-MM-dd HH:mm:ss KST"): the
    /// standard "s" (no pattern to parse) with a space.
    /// </summary>
    private static StringBuilder Time(StringBuilder html, DateTime utc)
    {
        Span<char> time = stackalloc char[19];
        (utc + KoreaTime.Offset).TryFormat(time, out _, "s", CultureInfo.InvariantCulture); // yyyy-MM-ddTHH:mm:ss
        time[10] = ' ';
        return html.Append(time).Append(" KST");
    }
}
