using Kis.Realtime.PostgreSql.Internal;
using Microsoft.Extensions.Logging;

namespace Kis.Realtime.Gateway.PostgreSql;

/// <summary>
/// Where <see cref="KisPostgresStreamWriter"/> reads (the gateway's streams) and writes (PostgreSQL). Start from
/// <see cref="Default"/>: <c>KisPostgresStreamWriterOptions.Default with { ConnectionString = …, Endpoint = … }</c>.
/// </summary>
public sealed record KisPostgresStreamWriterOptions
{
    /// <summary>The local broker, namespace <c>kis</c>, schema <c>kis</c>, a retry every second.</summary>
    public static KisPostgresStreamWriterOptions Default { get; } = new();

    /// <summary>The broker and namespace of the gateway whose streams (<c>{ns}.{TR}</c>) are stored.</summary>
    public KisGatewayEndpoint Endpoint { get; init; } = KisGatewayEndpoint.Default;

    /// <summary>The Npgsql connection string (never shown in messages: only host and database are).</summary>
    public string ConnectionString { get; init; } = "";

    /// <summary>The schema of the tables (the same tables as <c>kisrt record --postgres</c>, plus <c>stream_offsets</c> and <c>gaps</c>).</summary>
    public string Schema { get; init; } = "kis";

    /// <summary>
    /// TRs whose streams are read from the start; besides these the writer reads every stream it has an offset for in
    /// this namespace, and any stream named later with <see cref="KisPostgresStreamWriter.Follow"/>.
    /// </summary>
    public IReadOnlyList<string> TrIds { get; init; } = [];

    /// <summary>
    /// The wait between attempts while the database or the broker is unreachable: fixed, not growing, so the writer
    /// resumes within about this long of the database's return (default 1 s).
    /// </summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Whether <see cref="KisPostgresStreamWriter.StartAsync"/> succeeds while the database cannot be reached (down,
    /// restarting): the writer then waits for it and stores everything from the streams (default false: the start fails).
    /// A database that refuses the credentials or the schema still fails the start. <c>kisrt gateway --postgres</c> sets it:
    /// history is optional, publishing is not.
    /// </summary>
    public bool WaitForDatabase { get; init; }

    /// <summary>Stream messages per transaction at most (default 2,000; a message holds 1 … N records).</summary>
    public int MaxBatchMessages { get; init; } = 2_000;

    /// <summary>Messages the broker sends ahead of the writer per stream (default 1,000): with <see cref="MaxBatchMessages"/>, what the
    /// writer holds in memory at most.</summary>
    public ushort Prefetch { get; init; } = 1_000;

    /// <summary>
    /// When the writer counts as behind (<see cref="KisPostgresWriterLag.Behind"/>): a record the gateway confirmed has not
    /// been stored this long after the writer read the checkpoint naming it (default 30 s; a healthy writer stores within
    /// about a second).
    /// </summary>
    public TimeSpan BehindAfter { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Where the writer logs (lost connections, gaps); null: nowhere.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>The settings without credentials (a record would print the connection string's password and the broker's).</summary>
    public override string ToString() =>
        $"KisPostgresStreamWriterOptions {{ Broker = {Endpoint.DisplayUri}, Namespace = {Endpoint.Namespace}, " +
        $"Database = {(string.IsNullOrWhiteSpace(ConnectionString) ? "(none)" : PostgresRecorder.Describe(ConnectionString))}, " +
        $"Schema = {Schema}, TrIds = [{string.Join(", ", TrIds)}], RetryDelay = {RetryDelay}, BehindAfter = {BehindAfter}, " +
        $"MaxBatchMessages = {MaxBatchMessages}, Prefetch = {Prefetch} }}";

    /// <summary>Throws when a setting is missing or out of range.</summary>
    /// <exception cref="ArgumentException">No connection string, schema or endpoint; a delay, batch or prefetch out of range; a TR id
    /// that is not a plain name.</exception>
    public void Validate()
    {
        if (Endpoint is null) throw new ArgumentException("KisPostgresStreamWriterOptions.Endpoint is required.", nameof(Endpoint));
        if (string.IsNullOrWhiteSpace(ConnectionString))
            throw new ArgumentException("KisPostgresStreamWriterOptions.ConnectionString is required.", nameof(ConnectionString));
        PostgresRecorder.CheckConnectionString(ConnectionString);
        if (string.IsNullOrWhiteSpace(Schema)) throw new ArgumentException("KisPostgresStreamWriterOptions.Schema is required.", nameof(Schema));
        if (RetryDelay <= TimeSpan.Zero || RetryDelay > TimeSpan.FromMinutes(1))
            throw new ArgumentException("KisPostgresStreamWriterOptions.RetryDelay must be above zero and at most a minute.", nameof(RetryDelay));
        if (BehindAfter <= TimeSpan.Zero) throw new ArgumentException("KisPostgresStreamWriterOptions.BehindAfter must be above zero.", nameof(BehindAfter));
        if (MaxBatchMessages < 1) throw new ArgumentException("KisPostgresStreamWriterOptions.MaxBatchMessages must be at least 1.", nameof(MaxBatchMessages));
        if (Prefetch < 1) throw new ArgumentException("KisPostgresStreamWriterOptions.Prefetch must be at least 1.", nameof(Prefetch));
        foreach (var trId in TrIds ?? []) CheckTrId(trId);
    }

    /// <summary>A TR id as a stream name part: letters and digits only, at most 16 (the stream name is built from it).</summary>
    internal static string CheckTrId(string trId)
    {
        if (string.IsNullOrEmpty(trId) || trId.Length > 16 || !trId.All(char.IsAsciiLetterOrDigit))
            throw new ArgumentException("A TR id is 1 to 16 ASCII letters and digits.", nameof(trId));
        return trId;
    }
}

/// <summary>One stream's figures in <see cref="KisPostgresStreamWriter.Status"/>.</summary>
/// <param name="Stream">The stream (<c>{ns}.{TR}</c>).</param>
/// <param name="CommittedOffset">The last stream offset committed (stored in <c>stream_offsets</c>); -1 before the first.</param>
/// <param name="CommittedRecords">Records this writer stored (rows inserted in the raw table).</param>
/// <param name="Duplicates">Records read that were stored already (a message the gateway published twice): not inserted again.</param>
/// <param name="Gaps">Rows this writer added to <c>gaps</c>: what it could not store (malformed messages, a retention overrun, a rejected batch).</param>
/// <param name="Retries">Failed attempts retried (database or broker unreachable).</param>
/// <param name="DatabaseConnected">False while the writer waits for the database.</param>
/// <param name="BrokerConnected">False while the writer waits for the broker.</param>
public sealed record KisPostgresStreamStatus(string Stream, long CommittedOffset, long CommittedRecords, long Duplicates, long Gaps, long Retries,
    bool DatabaseConnected, bool BrokerConnected);
