using Kis.Realtime.Protocol;
using Parquet;
using Parquet.Schema;

namespace Kis.Realtime.Cli.Output;

/// <summary>
/// One TR's records as one Parquet file, typed from the TR's field layout (<c>kisrt trs TR</c>): <c>tr_id</c>,
/// <c>tr_key</c> and every text or code field as strings (<c>005930</c> stays <c>005930</c>, as received); integers
/// int64; decimal fields and fields with implied decimals decimal(38, 10) (the exact parsed value, implied decimals
/// applied: one type in every file); HHMMSS times as TIME, not adjusted to UTC (a local clock, as sent: no date on the wire);
/// YYYYMMDD dates as DATE; an empty number, time or date (or <c>00000000</c>) as null. <c>received_at</c> is the UTC
/// instant of receipt in nanoseconds (the recording keeps 100 ns; pandas and Polars read them all, DuckDB's
/// TIMESTAMPTZ keeps microseconds), <c>time_zone</c> the IANA zone of the key's market
/// (the clock its times are in), and <c>extra</c> the fields KIS appended after the known list, as the CSV's.
/// </summary>
internal sealed class ParquetTrFile(TrDefinition tr, string path) : IAsyncDisposable
{
    /// <summary>Digits after the point of every decimal column: wide enough for KIS's prices, rates and greeks.</summary>
    public const int DecimalScale = 10;

    private const int DecimalPrecision = 38;

    private readonly ExportColumn[] _columns = ColumnsOf(tr);
    private Stream? _stream;
    private ParquetWriter? _writer;

    /// <summary>Rows added and not yet written.</summary>
    public int Rows { get; private set; }

    private static ExportColumn[] ColumnsOf(TrDefinition tr)
    {
        var columns = new List<ExportColumn>
        {
            new TextColumn(new DataField<string>("tr_id", false)),
            new TextColumn(new DataField<string>("tr_key", false)),
            new InstantColumn(ParquetFiles.Instant("received_at", DateTimeTimeUnit.Nanos)),
            new TextColumn(new DataField<string>("time_zone", false)),
        };
        foreach (var field in tr.Fields)
            columns.Add(field.Type switch
            {
                FieldType.Integer when field.ImpliedDecimals == 0 => new Int64Column(new DataField<long?>(field.Name)),
                FieldType.Integer or FieldType.Decimal =>
                    new DecimalColumn(ParquetFiles.Decimal(field.Name, DecimalPrecision, DecimalScale, nullable: true), field),
                FieldType.Time => new TimeColumn(new TimeDataField(field.Name, TimeUnitPrecision.Micros, isNullable: true) { IsAdjustedToUtc = false }),
                FieldType.Date => new DateColumn(new DateTimeDataField(field.Name, DateTimeFormat.Date, isNullable: true)),
                _ => new TextColumn(new DataField<string>(field.Name, false)),
            });
        columns.Add(new TextColumn(new DataField<string>("extra", true)));
        return [.. columns];
    }

    /// <summary>Adds a record; false (nothing added) when a field does not read as its column's type.</summary>
    public bool Add(in OutputRecord record)
    {
        var fixedColumns = 4;
        ((TextColumn)_columns[0]).Stage(tr.Id);
        ((TextColumn)_columns[1]).Stage(record.TrKey);
        ((InstantColumn)_columns[2]).Stage(record.ReceivedAt.UtcDateTime);
        ((TextColumn)_columns[3]).Stage(MarketCalendar.For(tr.Id, record.TrKey).TimeZoneId);
        var reader = new FieldReader(record.Record.Span);
        for (var i = 0; i < tr.Fields.Count; i++)
        {
            if (!reader.TryRead(out var field) || !_columns[fixedColumns + i].Stage(field)) return false; // staged values are overwritten next time
        }
        ((TextColumn)_columns[^1]).Stage(reader.End ? null : KisText.Decode(reader.Remaining));
        foreach (var column in _columns) column.Commit();
        Rows++;
        return true;
    }

    /// <summary>Writes the rows added as one row group (the file is started on the first).</summary>
    public async Task WriteGroupAsync(CancellationToken cancellationToken)
    {
        if (Rows == 0 && _writer is not null) return;
        if (_writer is null)
        {
            _stream = File.Create(path);
            _writer = await ParquetFiles.CreateWriterAsync(new ParquetSchema(_columns.Select(c => c.Field)), _stream, "records", new Dictionary<string, string>
            {
                ["kisrt.tr_id"] = tr.Id,
                ["kisrt.times"] = "received_at is a UTC instant; time fields (HHMMSS) are as KIS sent them, in the clock of time_zone (the key's market)",
            }, cancellationToken);
        }
        using (var group = _writer.CreateRowGroup())
        {
            foreach (var column in _columns) await column.WriteAsync(group, cancellationToken);
        }
        foreach (var column in _columns) column.Clear();
        Rows = 0;
    }

    /// <summary>Writes the rows left and ends the file.</summary>
    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        await WriteGroupAsync(cancellationToken);
        await DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_writer is not null) await _writer.DisposeAsync();
        if (_stream is not null) await _stream.DisposeAsync();
        _writer = null;
        _stream = null;
    }
}
