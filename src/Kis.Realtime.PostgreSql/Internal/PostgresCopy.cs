using System.Diagnostics.CodeAnalysis;
using Kis.Realtime.Protocol;
using Npgsql;
using NpgsqlTypes;

#pragma warning disable CS1591 // Plumbing (KISRT0001) for the sibling packages: the type's summary says what it is for.
namespace Kis.Realtime.PostgreSql.Internal;

/// <summary>
/// The binary COPY of a <see cref="PostgresBatch"/>, shared by the direct recorder (into the tables themselves) and the
/// stream writer (into temporary tables first, then inserted without the rows already stored).
/// </summary>
[Experimental("KISRT0001")]
public static class PostgresCopy
{
    public const string RawColumns = "trading_day, run_id, seq, kis_session, received_at, tr_id, message, tr_key, source_run, source_seq";

    /// <summary>The raw table, the batch's TR tables and their partitions of the batch's days (cached: a round trip only for a new TR or day).</summary>
    public static async Task EnsureTablesAsync(PostgresSchema schema, NpgsqlConnection connection, PostgresBatch batch, CancellationToken cancellationToken)
    {
        await schema.EnsureRawAsync(connection, cancellationToken).ConfigureAwait(false);
        foreach (var day in batch.Days) await schema.EnsurePartitionAsync(connection, PostgresSchema.RawTable, day, cancellationToken).ConfigureAwait(false);
        foreach (var (tr, rows) in batch.Records)
        {
            if (rows.Count == 0) continue;
            await schema.EnsureTrAsync(connection, tr, cancellationToken).ConfigureAwait(false);
            foreach (var day in batch.Days) await schema.EnsurePartitionAsync(connection, PostgresSchema.TableOf(tr), day,
                cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The batch's raw rows into <paramref name="table"/> (qualified), under the writer run <paramref name="runId"/>.</summary>
    public static async Task CopyRawAsync(NpgsqlConnection connection, string table, Guid runId, PostgresBatch batch, CancellationToken cancellationToken)
    {
        await using var raw = await connection.BeginBinaryImportAsync($"COPY {table} ({RawColumns}) FROM STDIN (FORMAT BINARY)",
            cancellationToken).ConfigureAwait(false);
        foreach (var row in batch.Raw)
        {
            raw.StartRow();
            raw.Write(row.Day, NpgsqlDbType.Date);
            raw.Write(runId, NpgsqlDbType.Uuid);
            raw.Write(row.Seq, NpgsqlDbType.Bigint);
            raw.Write(row.Message.SessionIndex, NpgsqlDbType.Integer);
            raw.Write(row.Message.ReceivedAt.UtcDateTime, NpgsqlDbType.TimestampTz);
            if (row.TrId is null) raw.WriteNull();
            else raw.Write(row.TrId, NpgsqlDbType.Text);
            raw.Write(row.Message.Data, NpgsqlDbType.Bytea);
            if (row.Stored is { } stored)
            {
                raw.Write(stored.TrKey, NpgsqlDbType.Text);
                raw.Write(stored.SourceRun, NpgsqlDbType.Text);
                raw.Write(stored.SourceSeq, NpgsqlDbType.Bigint);
            }
            else
            {
                raw.WriteNull();
                raw.WriteNull();
                raw.WriteNull();
            }
        }
        await raw.CompleteAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One TR's records of a batch into <paramref name="table"/> (qualified).</summary>
    public static async Task CopyRecordsAsync(NpgsqlConnection connection, string table, Guid runId, TrDefinition tr, List<RecordRow> rows,
        ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        await using var copy = await connection.BeginBinaryImportAsync(
            $"COPY {table} ({RecordColumns(tr)}) FROM STDIN (FORMAT BINARY)", cancellationToken).ConfigureAwait(false);
        foreach (var row in rows) WriteRecord(copy, runId, tr, row, bytes.Span.Slice(row.Offset, row.Length));
        await copy.CompleteAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The columns a TR's rows are written to, in COPY order.</summary>
    public static string RecordColumns(TrDefinition tr) =>
        "trading_day, run_id, seq, record_index, received_at, tr_key, " + string.Join(", ", tr.Fields.Select(f => PostgresSchema.Quote(f.Name))) + ", extra";

    private static void WriteRecord(NpgsqlBinaryImporter copy, Guid runId, TrDefinition tr, in RecordRow row, ReadOnlySpan<byte> record)
    {
        copy.StartRow();
        copy.Write(row.Day, NpgsqlDbType.Date);
        copy.Write(runId, NpgsqlDbType.Uuid);
        copy.Write(row.Seq, NpgsqlDbType.Bigint);
        copy.Write(row.Index, NpgsqlDbType.Integer);
        copy.Write(row.ReceivedAt.UtcDateTime, NpgsqlDbType.TimestampTz);
        var fields = new FieldReader(record);
        var first = true;
        foreach (var field in tr.Fields)
        {
            fields.TryRead(out var value); // validated: every known field is there
            if (first)
            {
                copy.Write(row.Key ?? KisText.Decode(value), NpgsqlDbType.Text); // tr_key: given, or the first field (the subscription key)
                first = false;
            }
            if (value.IsEmpty)
            {
                copy.WriteNull();
                continue;
            }
            switch (PostgresSchema.ColumnType(field).Copy)
            {
                case NpgsqlDbType.Time:
                    FieldParsers.TryParseTime(value, out var time);
                    copy.Write(time, NpgsqlDbType.Time);
                    break;
                case NpgsqlDbType.Bigint:
                    FieldParsers.TryParseInt64(value, out var integer);
                    copy.Write(integer, NpgsqlDbType.Bigint);
                    break;
                case NpgsqlDbType.Numeric:
                    FieldParsers.TryParseDecimal(value, field.ImpliedDecimals, out var number);
                    copy.Write(number, NpgsqlDbType.Numeric);
                    break;
                default:
                    copy.Write(KisText.Decode(value), NpgsqlDbType.Text);
                    break;
            }
        }
        if (fields.End) copy.WriteNull();
        else copy.Write(KisText.Decode(fields.Remaining), NpgsqlDbType.Text);
    }
}
