using Kis.Realtime.Internal;
using Kis.Realtime.PostgreSql.Internal;
using Kis.Realtime.Protocol;
using Npgsql;
using NpgsqlTypes;

namespace Kis.Realtime.Gateway.PostgreSql.Internal;

internal sealed partial class StreamHistoryFeed
{
    /// <summary>A message's records as rows, each with its own header: TR, key, gateway run and seq. Returns how many.</summary>
    private long Add(PostgresBatch batch, StreamMessage message, Dictionary<int, FrameDecoder> decoders, ref long decodeErrors)
    {
        long added = 0;
        foreach (var (seq, receivedAt, body) in message.Records())
        {
            batch.Add(_owner.NextSeq(),
                new QueuedMessage(new RawMessage(receivedAt, message.Session, body), new StoredRecordHeader(_trId, message.TrKey!, message.Run!, seq)),
                decoders, ref decodeErrors);
            added++;
        }
        return added;
    }

    private async Task<(long? Offset, DateTimeOffset? ReceivedAt)> ReadPlaceAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"SELECT last_offset, last_received_at FROM {Qualified(PostgresSchema.StreamOffsetsTable)} WHERE namespace = $1 AND stream = $2", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = _options.Endpoint.Namespace, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = Stream, NpgsqlDbType = NpgsqlDbType.Text });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) return (null, null);
        return (reader.GetInt64(0), reader.IsDBNull(1) ? null : new DateTimeOffset(reader.GetFieldValue<DateTime>(1), TimeSpan.Zero));
    }

    /// <summary>One transaction: the rows not stored yet, the gaps, the stream's new offset. Returns the records inserted.</summary>
    private async Task<long> CommitAsync(NpgsqlConnection connection, PostgresSchema schema, HashSet<string> temps,
        PostgresBatch batch, List<StreamGap> gaps, StreamKeyTracker keys, long lastOffset, DateTimeOffset? lastTime, CancellationToken cancellationToken)
    {
        await schema.EnsureStreamTablesAsync(connection, cancellationToken).ConfigureAwait(false);
        long inserted = 0;
        if (batch.Count > 0)
        {
            await PostgresCopy.EnsureTablesAsync(schema, connection, batch, cancellationToken).ConfigureAwait(false);
            await EnsureTempAsync(connection, temps, PostgresSchema.RawTable, cancellationToken).ConfigureAwait(false);
            foreach (var (tr, rows) in batch.Records)
                if (rows.Count > 0) await EnsureTempAsync(connection, temps, PostgresSchema.TableOf(tr), cancellationToken).ConfigureAwait(false);
        }
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        if (batch.Count > 0)
        {
            // COPY into a temporary table, then insert what is not there yet: COPY itself cannot skip a conflicting row.
            await PostgresCopy.CopyRawAsync(connection, Temp(PostgresSchema.RawTable), _owner.RunId, batch, cancellationToken).ConfigureAwait(false);
            await using (var insert = new NpgsqlCommand($"""
                INSERT INTO {Qualified(PostgresSchema.RawTable)} ({PostgresCopy.RawColumns})
                SELECT {PostgresCopy.RawColumns} FROM {Temp(PostgresSchema.RawTable)}
                ON CONFLICT DO NOTHING
                """, connection))
                inserted = await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            foreach (var (tr, rows) in batch.Records)
            {
                if (rows.Count == 0) continue;
                var table = PostgresSchema.TableOf(tr);
                await PostgresCopy.CopyRecordsAsync(connection, Temp(table), _owner.RunId, tr, rows, batch.RecordBytes.WrittenMemory, cancellationToken)
                    .ConfigureAwait(false);
                // Typed rows only of raw rows inserted now (a skipped duplicate's raw row has another writer run and seq).
                var columns = PostgresCopy.RecordColumns(tr);
                await ExecuteAsync(connection, $"""
                    INSERT INTO {Qualified(table)} ({columns}) SELECT {columns} FROM {Temp(table)} t
                    WHERE EXISTS (SELECT 1 FROM {Qualified(PostgresSchema.RawTable)} r
                                  WHERE r.trading_day = t.trading_day AND r.run_id = t.run_id AND r.seq = t.seq)
                    """, cancellationToken).ConfigureAwait(false);
            }
        }
        foreach (var gap in gaps) await InsertGapAsync(connection, gap, cancellationToken).ConfigureAwait(false);
        if (keys.TouchedCount > 0) await StoreKeysAsync(connection, keys, cancellationToken).ConfigureAwait(false);
        await using (var place = new NpgsqlCommand($"""
            INSERT INTO {Qualified(PostgresSchema.StreamOffsetsTable)} (namespace, stream, last_offset, last_received_at, updated_at)
            VALUES ($1, $2, $3, $4, now())
            ON CONFLICT (namespace, stream) DO UPDATE SET last_offset = excluded.last_offset,
                last_received_at = coalesce(excluded.last_received_at, {Qualified(PostgresSchema.StreamOffsetsTable)}.last_received_at), updated_at = now()
            """, connection))
        {
            place.Parameters.Add(new NpgsqlParameter { Value = _options.Endpoint.Namespace, NpgsqlDbType = NpgsqlDbType.Text });
            place.Parameters.Add(new NpgsqlParameter { Value = Stream, NpgsqlDbType = NpgsqlDbType.Text });
            place.Parameters.Add(new NpgsqlParameter { Value = lastOffset, NpgsqlDbType = NpgsqlDbType.Bigint });
            place.Parameters.Add(new NpgsqlParameter { Value = lastTime is { } t ? t.UtcDateTime : DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            await place.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return inserted;
    }

    /// <summary>A batch committed without its answer: the rows it inserted (this writer run's, its seqs).</summary>
    private async Task<long> CountCommittedAsync(NpgsqlConnection connection, PostgresBatch batch, CancellationToken cancellationToken)
    {
        if (batch.Count == 0) return 0;
        await using var command = new NpgsqlCommand($"""
            SELECT count(*) FROM {Qualified(PostgresSchema.RawTable)}
            WHERE trading_day = ANY($1) AND run_id = $2 AND seq BETWEEN $3 AND $4
            """, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = batch.Days.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Date });
        command.Parameters.Add(new NpgsqlParameter { Value = _owner.RunId, NpgsqlDbType = NpgsqlDbType.Uuid });
        command.Parameters.Add(new NpgsqlParameter { Value = batch.FirstSeq, NpgsqlDbType = NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter { Value = batch.LastSeq, NpgsqlDbType = NpgsqlDbType.Bigint });
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    private async Task<List<(string Key, StreamKeyTracker.KeyPlace Place)>> ReadKeysAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"SELECT tr_key, run, last_seq, last_offset, last_received_at FROM {Qualified(PostgresSchema.StreamKeysTable)} WHERE namespace = $1 AND stream = " +
            "$2", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = _options.Endpoint.Namespace, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = Stream, NpgsqlDbType = NpgsqlDbType.Text });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var keys = new List<(string, StreamKeyTracker.KeyPlace)>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            keys.Add((reader.GetString(0), new StreamKeyTracker.KeyPlace(reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3),
                reader.IsDBNull(4) ? DateTimeOffset.MinValue : new DateTimeOffset(reader.GetFieldValue<DateTime>(4), TimeSpan.Zero))));
        return keys;
    }

    private async Task StoreKeysAsync(NpgsqlConnection connection, StreamKeyTracker keys, CancellationToken cancellationToken)
    {
        var touched = keys.Touched().ToList();
        await using var command = new NpgsqlCommand($"""
            INSERT INTO {Qualified(PostgresSchema.StreamKeysTable)} (namespace, stream, tr_key, run, last_seq, last_offset, last_received_at)
            SELECT $1, $2, k, r, s, o, t FROM unnest($3::text[], $4::text[], $5::bigint[], $6::bigint[], $7::timestamptz[]) AS u(k, r, s, o, t)
            ON CONFLICT (namespace, stream, tr_key) DO UPDATE SET run = excluded.run, last_seq = excluded.last_seq,
                last_offset = excluded.last_offset, last_received_at = excluded.last_received_at
            """, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = _options.Endpoint.Namespace, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = Stream, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = touched.Select(t => t.Key).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(
            new NpgsqlParameter { Value = touched.Select(t => t.Place.Run).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(
            new NpgsqlParameter { Value = touched.Select(t => t.Place.LastSeq).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        command.Parameters.Add(
            new NpgsqlParameter { Value = touched.Select(t => t.Place.LastOffset).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter { Value = touched.Select(t => t.Place.LastReceivedAt.UtcDateTime).ToArray(),
            NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task InsertGapAsync(NpgsqlConnection connection, StreamGap gap, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"""
            INSERT INTO {Qualified(PostgresSchema.GapsTable)}
                (namespace, stream, from_offset, to_offset, run, tr_key, first_seq, last_seq, from_time, to_time, reason, detail)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT DO NOTHING
            """, connection);
        object Or(object? value) => value ?? DBNull.Value;
        command.Parameters.Add(new NpgsqlParameter { Value = _options.Endpoint.Namespace, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = Stream, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = gap.FromOffset, NpgsqlDbType = NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter { Value = gap.ToOffset, NpgsqlDbType = NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter { Value = Or(gap.Run), NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = Or(gap.TrKey), NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = Or(gap.FirstSeq), NpgsqlDbType = NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter { Value = Or(gap.LastSeq), NpgsqlDbType = NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter { Value = Or(gap.FromTime?.UtcDateTime), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = Or(gap.ToTime?.UtcDateTime), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = gap.Reason, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = Or(gap.Detail), NpgsqlDbType = NpgsqlDbType.Text });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A temporary copy of <paramref name="table"/>'s columns on this connection, emptied at every commit.</summary>
    private async Task EnsureTempAsync(NpgsqlConnection connection, HashSet<string> temps, string table, CancellationToken cancellationToken)
    {
        if (temps.Contains(table)) return;
        await ExecuteAsync(connection, $"CREATE TEMP TABLE IF NOT EXISTS {Temp(table)} (LIKE {Qualified(table)}) ON COMMIT DELETE ROWS", cancellationToken)
            .ConfigureAwait(false);
        temps.Add(table);
    }

    private string Qualified(string table) => $"{PostgresSchema.Quote(_options.Schema)}.{PostgresSchema.Quote(table)}";

    private static string Temp(string table) => "pg_temp." + PostgresSchema.Quote("kisrt_stream_" + table);

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>After a failure: the connection is dropped with what was made on it (temporary tables, ensured tables).</summary>
    private static async Task<NpgsqlConnection?> DropAsync(NpgsqlConnection? connection, PostgresSchema schema, HashSet<string> temps)
    {
        if (connection is not null)
        {
            try { await connection.DisposeAsync().ConfigureAwait(false); } catch (Exception) { /* already broken */ }
        }
        schema.Forget();
        temps.Clear();
        return null;
    }

    private static bool IsTransient(Exception e) => e switch
    {
        PostgresException p => p.SqlState.StartsWith("08", StringComparison.Ordinal) // connection exceptions
                               || p.SqlState.StartsWith("57P", StringComparison.Ordinal) // shutting down, cannot connect now
                               || p.SqlState == PostgresErrorCodes.TooManyConnections,
        NpgsqlException or IOException or System.Net.Sockets.SocketException or TimeoutException => true,
        _ => false,
    };
}
