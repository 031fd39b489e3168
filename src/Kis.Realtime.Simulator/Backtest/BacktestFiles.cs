using Kis.Realtime.Simulator.Rules;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Kis.Realtime.Simulator.Backtest;

/// <summary>
/// A backtest's folder: fills.csv and orders.csv (one row per fill, per order call), equity.csv, summary.json and
/// report.html. Invariant culture, UTC times in ISO 8601, '\n' line ends, decimals as computed: the same run gives the
/// same bytes.
/// </summary>
internal static class BacktestFiles
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    public static async Task WriteAsync(KisBacktestResult result, string directory, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        // Each file is made from the finished result alone: the five are formatted and written side by side (a day of
        // 20,000 orders is 10 MB of text), each still the same bytes.
        (string Name, Func<string> Text)[] files =
        [
            ("fills.csv", () => Fills(result.Fills)), ("orders.csv", () => Orders(result.Orders)), ("equity.csv", () => Equity(result.EquityCurve)),
            ("summary.json", () => Summary(result)), ("report.html", () => BacktestReport.Html(result)),
        ];
        await Task.WhenAll(files.Select(file => Task.Run(
            () => File.WriteAllTextAsync(Path.Combine(directory, file.Name), file.Text(), Utf8, cancellationToken), cancellationToken))).ConfigureAwait(false);
    }

    internal static string Fills(IReadOnlyList<KisBacktestFill> fills)
    {
        var csv = new CsvRows("sequence,time,order_number,code,side,quantity,price,commission,tax,liquidity,cash,position\n");
        foreach (var f in fills)
            csv.N(f.Sequence).T(f.Time).S(f.OrderNumber).S(f.Code).S(Side(f.Side)).N(f.Quantity).D(f.Price).D(f.Commission).D(f.Tax).S(f.Liquidity)
                .D(f.Cash).N(f.Position).End();
        return csv.ToString();
    }

    internal static string Orders(IReadOnlyList<KisBacktestOrder> orders)
    {
        var csv = new CsvRows("sequence,action,sent_at,arrived_at,order_number,original_order_number,code,side,kind,quantity,price,"
            + "outcome,refusal,filled,cancelled,average_price\n");
        foreach (var o in orders)
            csv.N(o.Sequence).S(o.Action).T(o.SentAt).T(o.ArrivedAt).S(o.OrderNumber).S(o.OriginalOrderNumber).S(o.Code).S(Side(o.Side))
                .S(Kind(o.Kind)).N(o.Quantity).D(o.Price).S(o.Outcome).S(o.Refusal).N(o.Filled).N(o.Cancelled).D(o.AveragePrice).End();
        return csv.ToString();
    }

    private static string Equity(IReadOnlyList<(DateTimeOffset Time, decimal Equity)> curve)
    {
        var csv = new CsvRows("time,equity\n");
        foreach (var (time, equity) in curve) csv.T(time).D(equity).End();
        return csv.ToString();
    }

    private static string Summary(KisBacktestResult result)
    {
        var s = result.Summary;
        var o = result.Options;
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("latency", o.Latency.ToString("c", CultureInfo.InvariantCulture));
            json.WriteNumber("commission_rate", o.CommissionRate);
            json.WriteNumber("sell_tax_rate", o.SellTaxRate);
            json.WriteNumber("futures_commission_rate", o.FuturesCommissionRate);
            json.WriteNumber("options_commission_rate", o.OptionsCommissionRate);
            json.WriteNumber("starting_cash", s.StartingCash);
            json.WriteNumber("ending_cash", s.EndingCash);
            json.WriteNumber("ending_equity", s.EndingEquity);
            json.WriteNumber("net_pnl", s.NetProfitLoss);
            json.WriteNumber("gross_pnl", s.GrossProfitLoss);
            json.WriteNumber("commission", s.Commission);
            json.WriteNumber("tax", s.Tax);
            json.WriteNumber("turnover", s.Turnover);
            json.WriteNumber("max_drawdown", s.MaxDrawdown);
            json.WriteNumber("max_drawdown_fraction", s.MaxDrawdownFraction);
            json.WriteNumber("calls", s.Calls);
            json.WriteNumber("refused", s.Refused);
            json.WriteNumber("fills", s.FillCount);
            json.WriteNumber("records", s.Records);
            json.WriteNumber("repeated_lines", s.RepeatedLines);
            json.WriteNumber("gaps", result.Statistics.Gaps);
            json.WriteStartArray("instruments");
            foreach (var i in s.Instruments)
            {
                json.WriteStartObject();
                json.WriteString("code", i.Code);
                json.WriteString("product", i.Product == KisProduct.Stock ? "stock" : KrxRules.IsFutures(i.Code) ? "futures" : "options");
                json.WriteNumber("multiplier", i.Multiplier);
                json.WriteNumber("last_price", i.LastPrice);
                json.WriteNumber("position", i.Position);
                json.WriteNumber("tape_trades", i.TapeTrades);
                json.WriteNumber("tape_volume", i.TapeVolume);
                json.WriteNumber("tape_vwap", i.TapeVwap);
                json.WriteNumber("bought", i.Bought);
                json.WriteNumber("average_buy", i.AverageBuy);
                json.WriteNumber("sold", i.Sold);
                json.WriteNumber("average_sell", i.AverageSell);
                json.WriteNumber("participation", i.Participation);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return Utf8.GetString(buffer.ToArray()).Replace("\r\n", "\n", StringComparison.Ordinal) + "\n";
    }

    /// <summary>
    /// A CSV file's rows: numbers and times formatted straight into the text (a day's files are 100,000 rows; a string a
    /// field was most of their time), text quoted when it holds a comma, a quote or a line end.
    /// </summary>
    private sealed class CsvRows(string header)
    {
        private readonly StringBuilder _csv = new(header);
        private bool _inRow;

        public CsvRows N(long value)
        {
            Separate().Append(CultureInfo.InvariantCulture, $"{value}");
            return this;
        }

        public CsvRows D(decimal value)
        {
            Separate().Append(CultureInfo.InvariantCulture, $"{value}");
            return this;
        }

        /// <summary>UTC, ISO 8601 with seven fraction digits ("O" of a UTC time: yyyy-MM-ddTHH:mm:ss.fffffffZ).</summary>
        public CsvRows T(DateTimeOffset value)
        {
            Separate().Append(CultureInfo.InvariantCulture, $"{value.UtcDateTime:O}");
            return this;
        }

        public CsvRows S(string field)
        {
            var csv = Separate();
            if (field.AsSpan().IndexOfAny(",\"\n\r") < 0) csv.Append(field);
            else csv.Append('"').Append(field.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
            return this;
        }

        public void End()
        {
            _csv.Append('\n');
            _inRow = false;
        }

        private StringBuilder Separate()
        {
            if (_inRow) _csv.Append(',');
            _inRow = true;
            return _csv;
        }

        public override string ToString() => _csv.ToString();
    }

    /// <summary>buy, sell, or nothing when the call named no order there is (a refused amendment's unknown original).</summary>
    private static string Side(OrderSide side) => side switch { OrderSide.Buy => "buy", OrderSide.Sell => "sell", _ => "" };

    private static string Kind(KisOrderKind kind) => kind switch
    {
        KisOrderKind.Limit => "limit",
        KisOrderKind.Market => "market",
        _ => kind.ToString().ToLowerInvariant(),
    };
}
