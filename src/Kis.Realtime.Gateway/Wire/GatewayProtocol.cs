using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Kis.Realtime.Gateway.Wire;

/// <summary>
/// Requests to the gateway: JSON on queue <c>{ns}.requests</c> with <c>reply_to</c> and <c>correlation_id</c>.
/// <c>op</c> is <c>stream</c> (declare and name the stream of a TR), <c>subscribe</c> / <c>unsubscribe</c> (a
/// consumer's claim on a TR key), <c>renew</c> (extends every claim of a consumer) or <c>status</c>. The requester is
/// the AMQP <c>user-id</c> property (checked by the broker) with <c>consumer</c>: a request without it is refused.
/// </summary>
internal sealed record GatewayRequest(string Op, string? Tr = null, string? Key = null, string? Consumer = null);

/// <summary>The <c>op</c> of a <see cref="GatewayRequest"/>: the one spelling the client sends and the server answers.</summary>
internal static class GatewayOp
{
    /// <summary>Declare and name the stream of a TR.</summary>
    public const string Stream = "stream";

    /// <summary>A consumer's claim on a TR key.</summary>
    public const string Subscribe = "subscribe";

    /// <summary>Releases a consumer's claim.</summary>
    public const string Unsubscribe = "unsubscribe";

    /// <summary>Extends every claim of a consumer.</summary>
    public const string Renew = "renew";

    /// <summary>The gateway's figures.</summary>
    public const string Status = "status";
}

/// <summary>
/// The answer: <c>ok</c>, or an error kind: KIS's (<c>refused</c>, <c>limit</c>, with its code) or the gateway's
/// (<c>unauthenticated</c>, <c>forbidden</c>, <c>not_held</c>, <c>quota</c>, <c>rate</c>, <c>too_large</c>,
/// <c>invalid</c>, <c>failed</c>). A renewal's <c>held</c> lists the claims it extended as <c>TR.key</c>; a status
/// answer's <c>status</c> is the gateway's <c>GatewayStatus</c> as a JSON object, which the wire carries unread (written
/// and read at the package's root, which the wire does not name).
/// </summary>
internal sealed record GatewayReply(bool Ok, string? Tr = null, string? Key = null, string? Stream = null, string? Error = null,
    string? MsgCd = null, string? Message = null, long? LeaseMs = null, JsonElement? Status = null, IReadOnlyList<string>? Held = null);

/// <summary>
/// A run announcement of one key (message header <c>kind</c> = <c>run</c>, <c>seq</c> 0): this run began at
/// <c>started_at</c>; the previous run <c>previous_run</c> had last confirmed <c>previous_seq</c> of this key, received
/// at <c>previous_received_at</c>, as of its checkpoint at <c>previous_checkpoint_at</c> (times: Unix microseconds UTC).
/// <c>previous_stream_seq</c>/<c>previous_stream_received_at</c>/<c>previous_stream_run</c>: the key's last record on the
/// stream when this run began, and the run that published it (the previous run, or an earlier one when that run published
/// nothing of the key; a producer before <c>previous_stream_run</c> stated only the previous run's): the gap is every
/// record KIS sent after it and before this run's first. Absent when the key has no record there.
/// <c>previous_stream_unknown</c>: true when the stream was not read back to the key's last record within the read's bound:
/// a gap of unknown extent.
/// Within a run (<c>run</c> the run of the records around it), <c>kis_reconnected_at</c> set: the KIS session carrying the
/// key reconnected at that time after the run's record <c>last_seq</c>; what KIS sent while it was away is missing before
/// the next record (its extent: the cumulative volume where the TR has one, else unknown). The seqs go on consecutively.
/// <c>registered_again</c>: true when the key's feed was interrupted not by a reconnect but by its release (its consumers
/// left) and registered again at <c>kis_reconnected_at</c>: what KIS sent meanwhile is missing in the same way (a reader that
/// does not know the field takes it for a reconnect, which states the same gap).
/// </summary>
internal sealed record GatewayRunAnnouncement(string Run, long StartedAt, string? PreviousRun = null, long? PreviousSeq = null,
    long? PreviousReceivedAt = null, long? PreviousCheckpointAt = null, long? PreviousStreamSeq = null, long? PreviousStreamReceivedAt = null,
    string? PreviousStreamRun = null, bool? PreviousStreamUnknown = null, long? KisReconnectedAt = null, long? LastSeq = null,
    bool? RegisteredAgain = null);

/// <summary>A claim as a checkpoint keeps it: the broker user, the consumer id, the TR and key.</summary>
[Experimental("KISRT0001")]
public sealed record GatewayCheckpointClaim(string User, string Consumer, string Tr, string Key);

/// <summary>The last confirmed record of a key in a run: its seq and when it was received (Unix microseconds UTC).</summary>
[Experimental("KISRT0001")]
public sealed record GatewayCheckpointKey(string Tr, string Key, long Seq, long At)
{
    /// <summary>Null: the checkpoint's own run's record. Else the earlier run whose record this is: a run that holds a key
    /// without a record of its own yet carries on the last record its start found on the stream, so the next run need not
    /// read the stream back for it (<see cref="Seq"/> 0: the stream had no record of the key).</summary>
    public string? Run { get; init; }
}

/// <summary>
/// What the active run writes to <c>{ns}.gateway-runs</c> every <see cref="KisGatewayOptions.CheckpointInterval"/> while
/// something changed: the claims it holds (a run taking over restores them) and, per key, the last record the broker
/// confirmed (the next run announces it). <c>final</c>: written by a run that stopped cleanly.
/// </summary>
[Experimental("KISRT0001")]
public sealed record GatewayCheckpoint(string Run, long StartedAt, long At, IReadOnlyList<GatewayCheckpointClaim> Claims,
    IReadOnlyList<GatewayCheckpointKey> Keys, bool Final = false)
{
    /// <summary>When the last record the broker had confirmed was received (Unix microseconds UTC): every record of the run
    /// not confirmed by this checkpoint was received after it, so it lies on the streams after that time (null: a writer
    /// before this field, or nothing confirmed yet).</summary>
    public long? ConfirmedThrough { get; init; }
}

internal static class GatewayJson
{
    // Source-generated metadata (no reflection: trimming and Native AOT) with the wire's snake_case names.
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter<KisConnectionState>(JsonNamingPolicy.SnakeCaseLower) },
        TypeInfoResolver = GatewayJsonContext.Default,
    };

    public static byte[] Serialize<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, TypeInfo<T>());

    public static T? Deserialize<T>(ReadOnlySpan<byte> json) => JsonSerializer.Deserialize(json, TypeInfo<T>());

    private static System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> TypeInfo<T>() =>
        (System.Text.Json.Serialization.Metadata.JsonTypeInfo<T>)Options.GetTypeInfo(typeof(T));
}

/// <summary>The wire's types, for System.Text.Json's source generator.</summary>
[JsonSerializable(typeof(GatewayRequest))]
[JsonSerializable(typeof(GatewayReply))]
[JsonSerializable(typeof(GatewayRunAnnouncement))]
[JsonSerializable(typeof(GatewayCheckpoint))]
internal sealed partial class GatewayJsonContext : JsonSerializerContext;
