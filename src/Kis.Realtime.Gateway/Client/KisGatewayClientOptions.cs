using Microsoft.Extensions.Logging;

namespace Kis.Realtime.Gateway;

/// <summary>Where a gateway subscription starts reading its TR's stream.</summary>
public enum GatewayStartKind
{
    /// <summary>Records published from the moment the subscription attaches.</summary>
    Live,
    /// <summary>The oldest record the stream still holds (retention), then live.</summary>
    First,
    /// <summary>A stream offset (e.g. one past the last a consumer saw), then live.</summary>
    Offset,
    /// <summary>The first records the broker stored at or after a time ("from 09:00 today"), then live.</summary>
    Time,
}

/// <summary>Where a subscription starts: <see cref="Live"/>, <see cref="First"/>, <see cref="FromOffset"/> or <see cref="FromTime"/>.</summary>
/// <param name="Kind">Which kind of start.</param>
/// <param name="Offset">The stream offset for <see cref="GatewayStartKind.Offset"/>.</param>
/// <param name="Time">The time for <see cref="GatewayStartKind.Time"/>: each key's first record delivered is its first the
/// gateway received at or after it, by the gateway's clock (the broker is asked to attach 10 s earlier, as it places a
/// time by its own clock and to the second; the client skips the records received before the time).</param>
public readonly record struct GatewayStart(GatewayStartKind Kind, long Offset = 0, DateTimeOffset Time = default)
{
    /// <summary>From now on.</summary>
    public static GatewayStart Live => new(GatewayStartKind.Live);

    /// <summary>From the oldest record retained.</summary>
    public static GatewayStart First => new(GatewayStartKind.First);

    /// <summary>From a stream offset.</summary>
    public static GatewayStart FromOffset(long offset) =>
        offset >= 0 ? new(GatewayStartKind.Offset, offset) : throw new ArgumentOutOfRangeException(nameof(offset), "Stream offsets start at 0.");

    /// <summary>From the first record the gateway received at or after <paramref name="time"/> (e.g. 09:00 KST today), then live.</summary>
    public static GatewayStart FromTime(DateTimeOffset time) => new(GatewayStartKind.Time, Time: time);

    /// <summary>How far before a start time the broker is asked to attach (see <see cref="ToArgument"/>).</summary>
    internal static readonly TimeSpan TimeAttachMargin = TimeSpan.FromSeconds(10);

    internal object ToArgument() => Kind switch
    {
        GatewayStartKind.Live => "next",
        GatewayStartKind.First => "first",
        GatewayStartKind.Offset => Offset,
        // Attached a little before: the broker places a time by its own clock, to the second, and its host's clock may
        // differ from the gateway's; the reader skips what the gateway received before the time.
        GatewayStartKind.Time => new RabbitMQ.Client.AmqpTimestamp((Time - TimeAttachMargin).ToUnixTimeSeconds()),
        _ => throw new ArgumentOutOfRangeException(nameof(Kind), Kind, "Unknown start."),
    };
}

/// <summary>Settings of a <see cref="KisGatewayClient"/>.</summary>
public sealed record KisGatewayClientOptions
{
    /// <summary>The local broker, namespace "kis", live.</summary>
    public static KisGatewayClientOptions Default { get; } = new();

    /// <summary>The broker and names (the gateway's).</summary>
    public KisGatewayEndpoint Endpoint { get; init; } = KisGatewayEndpoint.Default;

    /// <summary>Where every subscription of this client starts (a subscription call may override it).</summary>
    public GatewayStart Start { get; init; } = GatewayStart.Live;

    /// <summary>This consumer's name at the gateway (status, leases); unique per process by default.</summary>
    public string ConsumerId { get; init; } = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}";

    /// <summary>The HTS ID for <see cref="KisSubscribeExtensions.SubscribeFuturesOptionsNoticesAsync"/> without one (empty or blank: null).</summary>
    public string? HtsId { get; init => field = string.IsNullOrWhiteSpace(value) ? null : value; }

    /// <summary>Stream messages the broker sends ahead of acknowledgements (AMQP prefetch).</summary>
    public ushort Prefetch { get; init; } = 2_000;

    /// <summary>Records buffered per subscription between the broker and the <c>await foreach</c>; the broker waits when it is full (nothing is
    /// dropped).</summary>
    public int SubscriptionCapacity { get; init; } = 10_000;

    /// <summary>
    /// How far behind the highest <c>seq</c> delivered for a key (same run) a record still counts as a resend and is
    /// dropped. A gateway resends at most its unconfirmed records (<see cref="KisGatewayOptions.MaxOutstandingConfirms"/>,
    /// which must stay below this); a record further behind is delivered and the count restarts from it (counted in
    /// <see cref="KisGatewayClient.SequenceResets"/>, logged), so a forged record with a huge <c>seq</c> cannot make
    /// every later genuine record look like a repeat. The broker's permissions are what keep forged records out.
    /// </summary>
    public long DuplicateWindow { get; init; } = 100_000;

    /// <summary>How long to wait for the gateway's answer to a request, and how long a stream's first attach retries the
    /// broker's transient faults (a connection or channel closed under it, an operation not answered in time).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Tests only: asked at each broker call site of the client (<see cref="BrokerCall"/>, by its name); an
    /// exception it returns is thrown there, as the broker's client would throw it.</summary>
    internal Func<string, Exception?>? BrokerFaults { get; init; }

    /// <summary>A broker call site: throws what <see cref="BrokerFaults"/> injects there (nothing outside tests).</summary>
    internal void BrokerCall(string site) => Wire.BrokerCallSites.Call(BrokerFaults, site);

    /// <summary>
    /// How long a connection to the broker that fails (refused, reset, timed out) is tried again, with jittered backoff
    /// from 0.1 to 5 s, before <see cref="KisConnectionException"/>; refused credentials are not retried. Zero: one attempt.
    /// </summary>
    public TimeSpan ConnectRetryTime { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Checks every trade subscription for missed trades from KIS's cumulative volume
    /// (<see cref="KisGatewayClient.GapDetected"/>, <see cref="KisRealtimeStatistics.Gaps"/>). Default: on.
    /// </summary>
    public bool DetectGaps { get; init; } = true;

    /// <summary>Logs; null logs nothing.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>Clock for lease renewal.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
