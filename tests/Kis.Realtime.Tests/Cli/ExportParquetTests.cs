using System.Globalization;
using System.Text;
using System.Text.Json;
using DuckDB.NET.Data;
using Kis.Realtime.Benchmarks;
using Kis.Realtime.Cli.Commands;
using Kis.Realtime.Cli.Configuration;
using Kis.Realtime.Protocol;
using static Kis.Realtime.Tests.Cli.CliTestKit;

namespace Kis.Realtime.Tests.Cli;

/// <summary>
/// Issue 57 item 6: `kisrt export --replay DIR --out OUT --format parquet`, one file per TR typed from the TR's field
/// layout, read back by DuckDB (an independent reader) and compared in every cell with the recording's records as
/// `kisrt decode` prints them and with `kisrt export --format csv` of the same recording.
/// </summary>
public sealed class ExportParquetTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 23, 0, 0, 5, TimeSpan.Zero); // 09:00:05 KST

    /// <summary>A record of <paramref name="tr"/> with these fields set (the rest valid values of their types).</summary>
    private static byte[] Record(TrDefinition tr, string key, int n, params (string Name, string Value)[] set)
    {
        var fields = Encoding.ASCII.GetString(SyntheticRecording.Record(tr, key, n)).Split('^');
        foreach (var (name, value) in set) fields[tr.IndexOf(name)] = value;
        return Encoding.ASCII.GetBytes(string.Join('^', fields));
    }

    /// <summary>Two TRs of two markets: KRX trades of 005930 (two in one frame) and US trades with 4-place prices, empty numbers and no date.</summary>
    private static string Recording(Action<SyntheticRecording>? more = null)
    {
        var dir = EmptyDirectory();
        using var recording = new SyntheticRecording(dir);
        var stock = KisTrs.H0STCNT0;
        var us = KisTrs.HDFSCNT0;
        // Receive times with 100 ns digits, as the recorder keeps them.
        recording.Add(Start.AddTicks(1_234_567), SyntheticRecording.Frame(stock,
            Record(stock, "005930", 1, ("stck_cntg_hour", "090005"), ("stck_prpr", "70000"), ("prdy_ctrt", "-1.25"), ("acml_vol", "100")),
            Record(stock, "005930", 2, ("stck_cntg_hour", "090005"), ("stck_prpr", "70100"), ("prdy_ctrt", "-1.11"), ("acml_vol", "150"))));
        recording.Add(Start.AddSeconds(1).AddTicks(7), SyntheticRecording.Frame(us,
            Record(us, "DNASAAPL", 3, ("last", "201.5400"), ("rate", "0.0012"), ("tvol", ""), ("tymd", "00000000"), ("xhms", "200005"))));
        recording.Add(Start.AddSeconds(2), SyntheticRecording.Frame(stock,
            Record(stock, "005930", 4, ("stck_cntg_hour", "090007"), ("stck_prpr", "69900"), ("prdy_vrss", ""), ("acml_vol", "180"))));
        recording.Add(Start.AddSeconds(3), """{"header":{"tr_id":"PINGPONG","datetime":"20261123090008"}}"""u8);
        recording.Add(Start.AddSeconds(4), SyntheticRecording.Frame(us,
            Record(us, "DNASAAPL", 5, ("last", "201.98"), ("strn", "123.4567"), ("xhms", "200009"))));
        more?.Invoke(recording);
        return dir;
    }

    private static async Task<(int Exit, string Errors)> ExportAsync(string recording, string output, string format)
    {
        var stderr = new StringWriter();
        var exit = await ExportCommand.RunAsync(new ExportArgs { Replay = recording, Out = output, Format = format }, stderr, default).WaitAsync(CliTimeout);
        return (exit, stderr.ToString());
    }

    /// <summary>Every column of a Parquet file as DuckDB reads it: its type and each row's value as text (null as null).</summary>
    private static async Task<(Dictionary<string, string> Types, List<Dictionary<string, string?>> Rows)> ReadParquetAsync(string file)
    {
        using var duck = new DuckDBConnection("DataSource=:memory:");
        await duck.OpenAsync();
        var types = new Dictionary<string, string>();
        var names = new List<string>();
        using (var describe = duck.CreateCommand())
        {
            describe.CommandText = $"DESCRIBE SELECT * FROM read_parquet('{file}')";
            using var reader = await describe.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                types[reader.GetString(0)] = reader.GetString(1);
                names.Add(reader.GetString(0));
            }
        }
        using var select = duck.CreateCommand();
        // received_at as microseconds since the epoch (DuckDB's TIMESTAMPTZ holds microseconds of the file's nanoseconds);
        // every other value as DuckDB prints it.
        select.CommandText = "SELECT " + string.Join(", ", names.Select(n => n == "received_at"
            ? "CAST(epoch_us(received_at) AS VARCHAR)" : $"CAST(\"{n}\" AS VARCHAR)")) + $" FROM read_parquet('{file}')";
        using var rows = await select.ExecuteReaderAsync();
        var result = new List<Dictionary<string, string?>>();
        while (await rows.ReadAsync())
            result.Add(names.Select((n, i) => (n, rows.IsDBNull(i) ? null : rows.GetString(i))).ToDictionary(p => p.n, p => p.Item2));
        return (types, result);
    }

    /// <summary>A Parquet cell and a text of the same field (JSON or CSV) hold the same value of the field's type.</summary>
    private static void AssertSameValue(FieldDefinition field, string? expected, string? parquet, string where)
    {
        if (string.IsNullOrEmpty(expected) || (field.Type == FieldType.Date && expected == "00000000"))
        {
            if (field.IsNumeric || field.Type is FieldType.Time or FieldType.Date) Assert.True(parquet is null, $"{where}: {parquet}, expected null");
            else Assert.Equal(expected ?? "", parquet);
            return;
        }
        Assert.True(parquet is not null, $"{where}: null, expected {expected}");
        switch (field.Type)
        {
            case FieldType.Integer or FieldType.Decimal:
                Assert.Equal(decimal.Parse(expected, CultureInfo.InvariantCulture), decimal.Parse(parquet, CultureInfo.InvariantCulture));
                break;
            case FieldType.Time:
                Assert.Equal(TimeOnly.ParseExact(expected, "HHmmss", CultureInfo.InvariantCulture), TimeOnly.Parse(parquet, CultureInfo.InvariantCulture));
                break;
            case FieldType.Date:
                Assert.Equal(DateOnly.ParseExact(expected, "yyyyMMdd", CultureInfo.InvariantCulture), DateOnly.Parse(parquet, CultureInfo.InvariantCulture));
                break;
            default:
                Assert.Equal(expected, parquet);
                break;
        }
    }

    [Fact]
    public async Task Parquet_export_read_back_by_duckdb_equals_the_decoded_records_and_the_csv_export_in_every_cell()
    {
        var recording = Recording();
        var parquetDir = Path.Combine(recording, "parquet");
        var csvDir = Path.Combine(recording, "csv");
        var parquetRun = await ExportAsync(recording, parquetDir, "parquet");
        Assert.True(parquetRun.Exit == 0, parquetRun.Errors);
        Assert.Contains("5 records (H0STCNT0 3, HDFSCNT0 2)", parquetRun.Errors);
        var csvRun = await ExportAsync(recording, csvDir, "csv");
        Assert.True(csvRun.Exit == 0, csvRun.Errors);
        Assert.Equal(new[] { "H0STCNT0.parquet", "HDFSCNT0.parquet" }, Directory.GetFiles(parquetDir).Select(f => Path.GetFileName(f)).Order().ToArray());

        // The truth: the recording's records as `kisrt decode` prints them, in recording order.
        var decoded = new MemoryStream();
        using (var raw = File.OpenRead(Path.Combine(recording, "2026-11-23", RecordCommand.RawFileName)))
            Assert.Equal(0, DecodeCommand.Run(raw, decoded, TextWriter.Null));
        var truth = JsonLines(decoded.ToArray());
        var receivedAt = new[]
        {
            Start.AddTicks(1_234_567), Start.AddTicks(1_234_567), Start.AddSeconds(1).AddTicks(7), Start.AddSeconds(2), Start.AddSeconds(4),
        };

        foreach (var tr in new[] { KisTrs.H0STCNT0, KisTrs.HDFSCNT0 })
        {
            var (types, rows) = await ReadParquetAsync(Path.Combine(parquetDir, tr.Id + ".parquet"));
            string[] columns = ["tr_id", "tr_key", "received_at", "time_zone", .. tr.Fields.Select(f => f.Name), "extra"];
            Assert.Equal(columns, types.Keys.ToArray());
            Assert.Equal("VARCHAR", types["tr_key"]);
            Assert.Equal("TIMESTAMP WITH TIME ZONE", types["received_at"]);
            foreach (var field in tr.Fields)
                Assert.Equal(field.Type switch
                {
                    FieldType.Integer => "BIGINT",
                    FieldType.Decimal => "DECIMAL(38,10)",
                    FieldType.Time => "TIME",
                    FieldType.Date => "DATE",
                    _ => "VARCHAR",
                }, types[field.Name]);

            var expected = truth.Select((r, i) => (Record: r, At: receivedAt[i])).Where(r => r.Record.GetProperty("tr_id").GetString() == tr.Id).ToList();
            var csv = File.ReadAllLines(Path.Combine(csvDir, tr.Id + ".csv"));
            var header = csv[0].Split(',');
            Assert.Equal(expected.Count, rows.Count);
            Assert.Equal(expected.Count, csv.Length - 1);
            for (var i = 0; i < rows.Count; i++)
            {
                var row = rows[i];
                var cells = csv[i + 1].Split(',');
                string Csv(string name) => cells[Array.IndexOf(header, name)];
                Assert.Equal(tr.Id, row["tr_id"]);
                Assert.Equal(tr == KisTrs.H0STCNT0 ? "005930" : "DNASAAPL", row["tr_key"]); // the key a string: 005930, not 5930
                Assert.Equal(Csv("tr_key"), row["tr_key"]);
                Assert.Equal(tr == KisTrs.H0STCNT0 ? "Asia/Seoul" : "America/New_York", row["time_zone"]);
                var micros = (expected[i].At.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / TimeSpan.TicksPerMicrosecond;
                Assert.Equal(micros.ToString(CultureInfo.InvariantCulture), row["received_at"]);
                Assert.Equal(expected[i].At, DateTimeOffset.Parse(Csv("received_at"), CultureInfo.InvariantCulture));
                var fields = expected[i].Record.GetProperty("fields");
                foreach (var field in tr.Fields)
                {
                    var json = fields.GetProperty(field.Name);
                    var text = json.ValueKind switch
                    {
                        JsonValueKind.Null => null,
                        JsonValueKind.Number => json.GetRawText(),
                        _ => json.GetString(),
                    };
                    AssertSameValue(field, text, row[field.Name], $"{tr.Id} row {i + 1} {field.Name} (decode)");
                    AssertSameValue(field, Csv(field.Name), row[field.Name], $"{tr.Id} row {i + 1} {field.Name} (csv)");
                }
                Assert.Null(row["extra"]);
            }
        }
        // The values the file was made for, spelled out: a 4-place US price exact, an empty volume null, a dateless date null.
        var (_, usRows) = await ReadParquetAsync(Path.Combine(parquetDir, "HDFSCNT0.parquet"));
        Assert.Equal(201.54m, decimal.Parse(usRows[0]["last"]!, CultureInfo.InvariantCulture));
        Assert.Null(usRows[0]["tvol"]);
        Assert.Null(usRows[0]["tymd"]);
        Assert.Equal("20:00:05", usRows[0]["xhms"]);
    }

    [Fact]
    public async Task A_cut_line_is_located_and_the_rest_of_the_recording_exported()
    {
        // A line cut mid-record (a disk full, a copy stopped), then a good one after it.
        var stock = KisTrs.H0STCNT0;
        var recording = Recording(r =>
        {
            var whole = SyntheticRecording.Frame(stock, Record(stock, "005930", 6, ("stck_cntg_hour", "090011")));
            r.Add(Start.AddSeconds(5), whole.AsSpan(0, whole.Length / 2));
            r.Add(Start.AddSeconds(6), SyntheticRecording.Frame(stock, Record(stock, "005930", 7, ("stck_cntg_hour", "090012"))));
        });
        var output = Path.Combine(recording, "out");
        var (exit, errors) = await ExportAsync(recording, output, "parquet");

        Assert.Equal(CliFailures.SomeInputFailed, exit);
        Assert.Contains($"kisrt export: 2026-11-23{Path.DirectorySeparatorChar}raw.log:6: ", errors);
        Assert.Contains("6 records (H0STCNT0 4, HDFSCNT0 2)", errors);
        Assert.Contains("1 lines or records could not be exported", errors);
        var (_, rows) = await ReadParquetAsync(Path.Combine(output, "H0STCNT0.parquet"));
        Assert.Equal(new string?[] { "09:00:05", "09:00:05", "09:00:07", "09:00:12" }, rows.Select(r => r["stck_cntg_hour"]).ToArray());
    }

    [Fact]
    public async Task What_is_not_a_recording_is_refused_with_what_to_give()
    {
        var empty = EmptyDirectory();
        var notRecording = await Assert.ThrowsAsync<CliUsageException>(() => ExportAsync(empty, Path.Combine(empty, "out"), "parquet"));
        Assert.Contains("is not a recording: it holds no yyyy-MM-dd/raw.log", notRecording.Message);

        var file = Path.Combine(empty, "raw.log");
        await File.WriteAllTextAsync(file, "");
        var aFile = await Assert.ThrowsAsync<CliUsageException>(() => ExportAsync(file, Path.Combine(empty, "out"), "parquet"));
        Assert.Contains("is a file, not a recording", aFile.Message);

        var recording = Recording();
        var used = Path.Combine(recording, "used");
        Directory.CreateDirectory(used);
        await File.WriteAllTextAsync(Path.Combine(used, "H0STCNT0.csv"), "tr_id\n");
        var notEmpty = await Assert.ThrowsAsync<CliUsageException>(() => ExportAsync(recording, used, "csv"));
        Assert.Contains("is not empty", notEmpty.Message);
        Assert.False(Directory.Exists(Path.Combine(empty, "out")));
    }
}
