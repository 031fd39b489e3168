
using System.Diagnostics.CodeAnalysis;
#pragma warning disable CS1591 // Plumbing (KISRT0001) for the sibling packages: the type's summary says what it is for.
namespace Kis.Realtime.Gateway.PostgreSql.Internal;

/// <summary>
/// <c>kisrt gateway --postgres</c>: tells the in-process <see cref="KisPostgresStreamWriter"/> which TRs the gateway
/// publishes (the writer then stores each TR's stream), and reports the writer's progress for this gateway run as a
/// sink's figures. It holds no record: the writer reads them from the streams, so a database outage never drops one
/// (nothing is queued here) and never holds the gateway back.
/// </summary>
[Experimental("KISRT0001")]
public sealed class GatewayStreamFollower(KisPostgresStreamWriter writer) : IGatewayRecordSink
{
    private readonly Lock _gate = new(); // guards _run and _trIds
    private readonly HashSet<string> _trIds = new(StringComparer.Ordinal);
    private string? _run;
    private long _received;

    public string Name => "postgres";

    public KisPostgresStreamWriter Writer => writer;

    public void Write(in GatewayRecord record)
    {
        Interlocked.Increment(ref _received);
        bool added;
        lock (_gate)
        {
            _run ??= record.Run;
            added = _trIds.Add(record.TrId);
        }
        if (added) writer.Follow(record.TrId);
    }

    /// <summary>Received: records the gateway handed over; committed: this gateway run's records the writer has seen stored (by
    /// it, or by another writer first); dropped and failed: none, gaps are the writer's own figure.</summary>
    public GatewaySinkStatus Status()
    {
        string? run;
        lock (_gate) run = _run;
        var streams = writer.Status();
        return new GatewaySinkStatus(Name, Interlocked.Read(ref _received), run is null ? 0 : writer.CommittedRecordsOf(run), 0,
            streams.Sum(s => s.Retries), 0);
    }
}
