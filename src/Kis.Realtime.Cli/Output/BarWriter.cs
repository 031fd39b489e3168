using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Kis.Realtime.Cli.Output;

/// <summary>
/// <c>kisrt bars</c> output, one bar a line: JSON Lines (snake_case), CSV (one header) or an aligned text table.
/// Times are on the market's own clock with its offset (KST <c>+09:00</c>; New York <c>-05:00</c>/<c>-04:00</c> for US
/// stocks); numbers exact (decimal). Not thread-safe: the command writes under its own lock.
/// </summary>
internal sealed class BarWriter
{
    /// <summary>The columns, in order (CSV header and JSON member names).</summary>
    public static readonly string[] Columns =
        ["tr_id", "key", "interval", "open_time", "close_time", "open", "high", "low", "close", "volume", "value", "trade_count", "vwap", "flags"];

    // Table widths: time columns show HH:mm:ss (the date is in the header), prices and sizes right-aligned.
    private static readonly int[] Widths = [8, 12, 8, 10, 10, 12, 12, 12, 12, 14, 22, 8, 14, 0];

    // '+' of the offsets as written, not \u002B: the output is a file or a pipe, never HTML (as kisrt stream's JSON).
    private static readonly JsonWriterOptions JsonOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly TextWriter _writer;
    private readonly string _format;
    private readonly StringBuilder _line = new();
    private bool _headerWritten;

    public BarWriter(TextWriter writer, string format)
    {
        if (format is not ("table" or "jsonl" or "csv")) throw new ArgumentOutOfRangeException(nameof(format), format, "table, jsonl or csv");
        _writer = writer;
        _format = format;
    }

    /// <summary>The bar's flags as snake_case words (<c>seeded</c>, <c>gap</c>, <c>end_of_stream</c> …), none: empty.</summary>
    public static IEnumerable<string> FlagNames(BarFlags flags)
    {
        if (flags.HasFlag(BarFlags.Forming)) yield return "forming";
        if (flags.HasFlag(BarFlags.Gap)) yield return "gap";
        if (flags.HasFlag(BarFlags.Empty)) yield return "empty";
        if (flags.HasFlag(BarFlags.Seeded)) yield return "seeded";
        if (flags.HasFlag(BarFlags.EndOfStream)) yield return "end_of_stream";
        if (flags.HasFlag(BarFlags.Partial)) yield return "partial";
        if (flags.HasFlag(BarFlags.Revised)) yield return "revised";
    }

    public void Write(string trId, BarSpec spec, in Bar bar)
    {
        switch (_format)
        {
            case "jsonl": WriteJson(trId, spec, bar); break;
            case "csv": WriteCsv(trId, spec, bar); break;
            default: WriteTable(trId, spec, bar); break;
        }
    }

    public void Flush() => _writer.Flush();

    private void WriteJson(string trId, BarSpec spec, in Bar bar)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, JsonOptions))
        {
            json.WriteStartObject();
            json.WriteString("tr_id", trId);
            json.WriteString("key", bar.Key);
            json.WriteString("interval", spec.ToString());
            json.WriteString("open_time", Time(bar.OpenTime));
            json.WriteString("close_time", Time(bar.CloseTime));
            json.WriteNumber("open", Normalize(bar.Open));
            json.WriteNumber("high", Normalize(bar.High));
            json.WriteNumber("low", Normalize(bar.Low));
            json.WriteNumber("close", Normalize(bar.Close));
            json.WriteNumber("volume", bar.Volume);
            json.WriteNumber("value", Normalize(bar.Value));
            json.WriteNumber("trade_count", bar.TradeCount);
            json.WriteNumber("vwap", Normalize(Math.Round(bar.Vwap, 4)));
            json.WriteStartArray("flags");
            foreach (var flag in FlagNames(bar.Flags)) json.WriteStringValue(flag);
            json.WriteEndArray();
            json.WriteEndObject();
        }
        _writer.WriteLine(Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
    }

    private void WriteCsv(string trId, BarSpec spec, in Bar bar)
    {
        if (!_headerWritten)
        {
            _writer.WriteLine(string.Join(',', Columns));
            _headerWritten = true;
        }
        // Keys and TR ids are KIS codes (letters and digits): nothing to quote.
        _writer.WriteLine(string.Join(',', Cells(trId, spec, bar, compactTimes: false)));
    }

    private void WriteTable(string trId, BarSpec spec, in Bar bar)
    {
        if (!_headerWritten)
        {
            _writer.WriteLine($"bars of {bar.OpenTime:yyyy-MM-dd} (KST)");
            _writer.WriteLine(Row(Columns));
            _headerWritten = true;
        }
        _writer.WriteLine(Row(Cells(trId, spec, bar, compactTimes: true)));
    }

    private string Row(IReadOnlyList<string> cells)
    {
        _line.Clear();
        for (var i = 0; i < cells.Count; i++)
        {
            if (i > 0) _line.Append(' ');
            // Text columns left, numbers right; the last column (flags) unpadded.
            if (Widths[i] == 0) _line.Append(cells[i]);
            else if (i <= 4) _line.Append(cells[i].PadRight(Widths[i]));
            else _line.Append(cells[i].PadLeft(Widths[i]));
        }
        return _line.ToString().TrimEnd();
    }

    /// <summary>A bar's cells: for the table (<paramref name="compactTimes"/>) times of day and numbers with thousands
    /// separators, as people read them; for CSV full times and plain numbers, as programs read them.</summary>
    private static string[] Cells(string trId, BarSpec spec, in Bar bar, bool compactTimes)
    {
        Func<decimal, string> number = compactTimes ? Grouped : Number;
        return
        [
            trId, bar.Key, spec.ToString(),
            compactTimes ? bar.OpenTime.ToString("HH:mm:ss", CultureInfo.InvariantCulture) : Time(bar.OpenTime),
            compactTimes ? bar.CloseTime.ToString("HH:mm:ss", CultureInfo.InvariantCulture) : Time(bar.CloseTime),
            number(bar.Open), number(bar.High), number(bar.Low), number(bar.Close),
            number(bar.Volume), number(bar.Value), number(bar.TradeCount), number(Math.Round(bar.Vwap, 4)),
            string.Join(compactTimes ? "," : ";", FlagNames(bar.Flags)),
        ];
    }

    // 65,300 and 2,431.52: the fraction's digits as the value has them, none when it is whole.
    private static string Grouped(decimal value) => value.ToString("#,##0.############################", CultureInfo.InvariantCulture);

    private static string Time(DateTimeOffset t) => t.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);

    // Dividing by 1.000… drops the trailing zeros a decimal keeps from its operands (70000.00 -> 70000).
    private static decimal Normalize(decimal value) => value / 1.000000000000000000000000000000000m;

    // G29 drops the trailing zeros a decimal keeps from its operands (70000.00 -> 70000).
    private static string Number(decimal value) => value.ToString("G29", CultureInfo.InvariantCulture);
}
