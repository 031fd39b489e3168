namespace Kis.Realtime.Gateway;

/// <summary>
/// A record the gateway received, as handed to its sinks (the same record it publishes to the stream): its values as
/// they are, for a sink to store without re-framing or parsing the message it came in.
/// </summary>
/// <param name="TrId">The TR id (the <c>tr_id</c> header).</param>
/// <param name="Key">The TR key (<c>tr_key</c>).</param>
/// <param name="Session">The KIS session that carried it (<c>session</c>).</param>
/// <param name="Sequence">Its number per TR key within the run (<c>seq</c>).</param>
/// <param name="ReceivedAt">When the gateway received it.</param>
/// <param name="Body">The record's plain KIS fields (the message body); not reused by the gateway, may be kept.</param>
/// <param name="Run">The gateway run (the <c>run</c> header): with <paramref name="Key"/> and <paramref name="Sequence"/> it names the record.</param>
public readonly record struct GatewayRecord(string TrId, string Key, int Session, long Sequence, DateTimeOffset ReceivedAt, ReadOnlyMemory<byte> Body,
    string Run);

/// <summary>
/// A second destination for every record the gateway receives (e.g. <c>kisrt gateway --postgres</c>), beside the
/// broker. <see cref="Write"/> is called on the gateway's pumps for every record, before the record enters the
/// publisher's buffer (with a gateway's own client, on the KIS session's receive thread): it must not block and must
/// not throw; a sink that cannot keep up drops and counts
/// (<see cref="GatewaySinkStatus.Dropped"/>), it never holds the KIS session back.
/// </summary>
public interface IGatewayRecordSink
{
    /// <summary>A short name for status lines and the Meter's <c>sink</c> tag, e.g. <c>postgres</c>.</summary>
    string Name { get; }

    /// <summary>Takes a record (from several pumps at once).</summary>
    void Write(in GatewayRecord record);

    /// <summary>The sink's figures now.</summary>
    GatewaySinkStatus Status();
}
