using Kis.Realtime.Protocol;
using Parquet;
using Parquet.Schema;

namespace Kis.Realtime.Cli.Output;

/// <summary>
/// One column of a <see cref="ParquetTrFile"/>: a value is staged (read and checked), committed once every column of the
/// record has staged its own (a record is added whole or not at all), and a row group's values written at once.
/// </summary>
internal abstract class ExportColumn(DataField field)
{
    public DataField Field { get; } = field;

    /// <summary>Reads the field as the column's type; false when it does not read.</summary>
    public abstract bool Stage(ReadOnlySpan<byte> field);

    public abstract void Commit();

    public abstract Task WriteAsync(ParquetRowGroupWriter group, CancellationToken cancellationToken);

    public abstract void Clear();
}

/// <summary>Text as received (cp949 or UTF-8 decoded); also the fixed string columns.</summary>
internal sealed class TextColumn(DataField field) : ExportColumn(field)
{
    private readonly List<string?> _values = [];
    private string? _staged;

    public void Stage(string? value) => _staged = value;

    public override bool Stage(ReadOnlySpan<byte> field)
    {
        _staged = KisText.Decode(field);
        return true;
    }

    public override void Commit() => _values.Add(_staged);

    public override Task WriteAsync(ParquetRowGroupWriter group, CancellationToken cancellationToken) => group.WriteAsync(Field, _values!);

    public override void Clear() => _values.Clear();
}

/// <summary>Values of one struct type, null for an empty field.</summary>
internal abstract class ValueColumn<T>(DataField field) : ExportColumn(field) where T : struct
{
    private readonly List<T?> _values = [];
    private T? _staged;

    public override bool Stage(ReadOnlySpan<byte> field)
    {
        if (field.IsEmpty)
        {
            _staged = null;
            return true;
        }
        if (!TryRead(field, out var value)) return false;
        _staged = value;
        return true;
    }

    /// <summary>Stages a value that is not read from a field (the receive time).</summary>
    public void Stage(T value) => _staged = value;

    protected abstract bool TryRead(ReadOnlySpan<byte> field, out T? value);

    public override void Commit() => _values.Add(_staged);

    public override Task WriteAsync(ParquetRowGroupWriter group, CancellationToken cancellationToken) =>
        Field.IsNullable
            ? group.WriteAsync<T>(Field, _values.ToArray().AsMemory(), cancellationToken: cancellationToken)
            : group.WriteAsync<T>(Field, _values.Select(v => v!.Value).ToArray().AsMemory(), cancellationToken: cancellationToken);

    public override void Clear() => _values.Clear();
}

internal sealed class Int64Column(DataField field) : ValueColumn<long>(field)
{
    protected override bool TryRead(ReadOnlySpan<byte> field, out long? value)
    {
        var ok = FieldParsers.TryParseInt64(field, out var number);
        value = number;
        return ok;
    }
}

/// <summary>
/// A decimal written at <see cref="ParquetTrFile.DecimalScale"/> places: a value with more places than that cannot be
/// written exactly, and is refused (counted and located by the caller) rather than rounded.
/// </summary>
internal sealed class DecimalColumn(DataField field, FieldDefinition definition) : ValueColumn<decimal>(field)
{
    protected override bool TryRead(ReadOnlySpan<byte> field, out decimal? value)
    {
        value = null;
        if (!FieldParsers.TryParseDecimal(field, definition.ImpliedDecimals, out var number)) return false;
        if (Places(number) > ParquetTrFile.DecimalScale) return false;
        value = number;
        return true;
    }

    /// <summary>Digits after the point once trailing zeros are gone (1.50000000000 has 1).</summary>
    private static int Places(decimal number)
    {
        var scale = number.Scale;
        if (scale <= ParquetTrFile.DecimalScale) return scale;
        return (number / 1.0000000000000000000000000000m).Scale; // dividing by this one strips trailing zeros
    }
}

/// <summary>HHMMSS as a time of day: Parquet's TIME in microseconds since midnight (what Parquet.Net writes it from).</summary>
internal sealed class TimeColumn(DataField field) : ValueColumn<long>(field)
{
    protected override bool TryRead(ReadOnlySpan<byte> field, out long? value)
    {
        var ok = FieldParsers.TryParseTime(field, out var time);
        value = ok ? time.Ticks / TimeSpan.TicksPerMicrosecond : null;
        return ok;
    }
}

/// <summary>YYYYMMDD as a date; <c>00000000</c> (KIS's "no date") as null.</summary>
internal sealed class DateColumn(DataField field) : ValueColumn<DateTime>(field)
{
    protected override bool TryRead(ReadOnlySpan<byte> field, out DateTime? value)
    {
        var ok = FieldParsers.TryParseDate(field, out var date);
        value = date?.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        return ok;
    }
}

/// <summary>The receive time, a UTC instant.</summary>
internal sealed class InstantColumn(DataField field) : ValueColumn<DateTime>(field)
{
    protected override bool TryRead(ReadOnlySpan<byte> field, out DateTime? value)
    {
        value = null;
        return false; // never read from a field: staged by the file
    }
}
