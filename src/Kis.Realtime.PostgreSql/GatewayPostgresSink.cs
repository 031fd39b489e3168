using Kis.Realtime.Recording;
using Kis.Realtime.Gateway;

namespace Kis.Realtime.PostgreSql;

/// <summary>
/// <c>kisrt gateway --postgres</c>: every record the gateway receives, written by the same <see cref="PostgresRecorder"/>
/// as <c>kisrt record --postgres</c> (binary COPY, one transaction per batch, keyed by (<c>run_id</c>, <c>seq</c>), retried
/// without gap or duplicate). Each record is stored from its own values, as the gateway received them: the raw table
/// keeps the published body byte for byte with its TR, key, gateway run and sequence, and the TR table its fields.
/// <para>
/// The queue is bounded (<c>--pg-max-queue-mb</c>). When the database is down the writer retries with backoff while the
/// queue fills; beyond the bound records are dropped for the database, counted and logged, and the gateway goes on. It
/// does not hold the gateway back: that would stall the KIS session and every live consumer for the sake of history,
/// while every dropped record is still in its RabbitMQ stream (retained by age and size) to be read again.
/// </para>
/// </summary>
internal sealed class GatewayPostgresSink : IGatewayRecordSink
{
    private readonly PostgresRecorder _recorder;
    private readonly Action<string>? _notice;
    private readonly Lock _gate = new(); // one producer for the recorder's queue: the gateway's pumps take turns
    private bool _completed;
    private long _received, _dropped, _afterStop;

    public GatewayPostgresSink(PostgresRecorder recorder, Action<string>? notice = null)
    {
        _recorder = recorder;
        _notice = notice;
    }

    public string Name => "postgres";

    public PostgresRecorder Recorder => _recorder;

    public void Write(in GatewayRecord record)
    {
        // The record's own values go to the writer as they are: no KIS frame is built, nothing is parsed again.
        var queued = new QueuedMessage(new RawMessage(record.ReceivedAt, record.Session, record.Body),
            new StoredRecordHeader(record.TrId, record.Key, record.Run, record.Sequence));
        long dropped = 0;
        lock (_gate)
        {
            _received++;
            if (_completed) _afterStop++;
            else if (_recorder.Queue.QueuedBytes + record.Body.Length > _recorder.Queue.LimitBytes) dropped = ++_dropped;
            else _recorder.Queue.Enqueue(queued);
        }
        if (dropped > 0 && (dropped & (dropped - 1)) == 0) // 1, 2, 4, 8 …: visible, not a flood
            _notice?.Invoke($"PostgreSQL queue full ({_recorder.Queue.LimitBytes >> 20} MB waiting for the database): records dropped for the database, " +
                            $"{dropped:N0} so far (they are still in the RabbitMQ streams).");
    }

    /// <summary>No more records: the writer commits what is queued and ends. Records written later are counted as failed.</summary>
    public void Complete()
    {
        lock (_gate)
        {
            _completed = true;
            _recorder.Queue.Complete();
        }
    }

    public GatewaySinkStatus Status()
    {
        long received, dropped, afterStop;
        lock (_gate) (received, dropped, afterStop) = (_received, _dropped, _afterStop);
        return new GatewaySinkStatus(Name, received, _recorder.CommittedRecords, dropped, _recorder.Retries, _recorder.DecodeErrors + afterStop);
    }
}
