using System.Globalization;
using System.Text;
using Kis.Realtime.Protocol;

namespace Kis.Realtime.Cli.Output;

/// <summary>
/// CSV with a header per TR: <c>tr_id,tr_key,received_at,&lt;KIS field names&gt;</c>. To a folder: one file per TR
/// (<c>H0UPCNT0.csv</c> …). To one stream: each TR's header precedes its first row, and the leading <c>tr_id</c>
/// column tells rows apart. Numbers are written as parsed (implied decimals applied), text as received.
/// </summary>
internal sealed class CsvSink : IRecordSink
{
    private readonly string? _directory;
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2213", Justification = "The caller's writer (standard output); flushed, never closed here")]
    private readonly TextWriter? _single;
    private readonly Dictionary<TrId, TextWriter> _writers = new();
    private readonly HashSet<TrId> _headerWritten = new();
    private readonly StringBuilder _line = new();

    private CsvSink(string? directory, TextWriter? single)
    {
        _directory = directory;
        _single = single;
    }

    public static CsvSink ToWriter(TextWriter writer) => new(null, writer);

    public static CsvSink ToDirectory(string directory)
    {
        Directory.CreateDirectory(directory);
        return new CsvSink(directory, null);
    }

    public bool Write(in OutputRecord record)
    {
        var tr = record.Tr;
        var writer = WriterFor(tr);
        if (_headerWritten.Add(tr.TrId))
            writer.WriteLine("tr_id,tr_key,received_at," + string.Join(',', tr.Fields.Select(f => f.Name)) + ",extra");

        _line.Clear();
        _line.Append(tr.Id).Append(',').Append(Quote(record.TrKey)).Append(',')
             .Append(record.ReceivedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture));
        var reader = new FieldReader(record.Record.Span);
        for (var i = 0; i < tr.Fields.Count && reader.TryRead(out var field); i++)
        {
            _line.Append(',');
            var def = tr.Fields[i];
            if (def.IsNumeric)
            {
                if (!field.IsEmpty && FieldParsers.TryParseDecimal(field, def.ImpliedDecimals, out var number))
                    _line.Append(number.ToString(CultureInfo.InvariantCulture));
            }
            else
            {
                _line.Append(Quote(KisText.Decode(field)));
            }
        }
        _line.Append(',');
        if (!reader.End) _line.Append(Quote(KisText.Decode(reader.Remaining)));
        writer.WriteLine(_line);
        return true;
    }

    private TextWriter WriterFor(TrDefinition tr)
    {
        if (_single is not null) return _single;
        if (!_writers.TryGetValue(tr.TrId, out var writer))
        {
            var path = Path.Combine(_directory!, tr.Id + ".csv");
            var exists = File.Exists(path) && new FileInfo(path).Length > 0;
            writer = new StreamWriter(path, append: true, new UTF8Encoding(false));
            if (exists) _headerWritten.Add(tr.TrId); // appending to a file that already has its header
            _writers[tr.TrId] = writer;
        }
        return writer;
    }

    private static string Quote(string value) =>
        value.AsSpan().IndexOfAny(",\"\r\n") < 0 ? value : "\"" + value.Replace("\"", "\"\"") + "\"";

    public void Flush()
    {
        _single?.Flush();
        foreach (var writer in _writers.Values) writer.Flush();
    }

    public async ValueTask DisposeAsync()
    {
        Flush();
        foreach (var writer in _writers.Values) await writer.DisposeAsync();
        _writers.Clear();
    }
}
