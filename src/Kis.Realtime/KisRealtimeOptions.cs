using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Kis.Realtime.Internal;
using Kis.Realtime.Protocol;
using Microsoft.Extensions.Logging;

namespace Kis.Realtime;

/// <summary>What a subscription does when its consumer falls behind and its buffer is full.</summary>
public enum KisFullMode
{
    /// <summary>Drop the oldest buffered record to make room (the consumer sees the latest data). Counted as a drop.</summary>
    DropOldest,
    /// <summary>Drop the arriving record (the consumer keeps what is buffered). Counted as a drop.</summary>
    DropNewest,
    /// <summary>Lose nothing: the session stops reading until the consumer catches up, which delays every subscription of that session.</summary>
    Wait,
}

/// <summary>How a session answers KIS's PINGPONG heartbeat.</summary>
public enum KisHeartbeatAnswer
{
    /// <summary>A pong control frame with the PINGPONG text as payload, then the text echoed as a text frame.</summary>
    PongAndText,
    /// <summary>Only the pong control frame with the payload (KIS's own samples).</summary>
    Pong,
    /// <summary>Only the text echo (python-kis).</summary>
    Text,
}

/// <summary>
/// Options of a <see cref="KisRealtimeClient"/>. Immutable: start from <see cref="Default"/> and change what you need
/// with <c>with { … }</c>.
/// </summary>
public sealed record KisRealtimeOptions
{
    /// <summary>The defaults: real server, no credentials (add at least one).</summary>
    public static KisRealtimeOptions Default { get; } = new();

    /// <summary>
    /// App keys to use. KIS allows one live session per app key with at most 41 registrations; with several
    /// credentials the client opens one session per key as subscriptions need them.
    /// </summary>
    public IReadOnlyList<KisCredential> Credentials { get; init; } = [];

    /// <summary>
    /// The HTS ID (the key of the notice TRs), used when a subscription does not name one. Null when absent: an empty or
    /// blank value (an empty configuration key) is stored as null, so the notice helpers say that none is configured.
    /// </summary>
    public string? HtsId { get; init => field = string.IsNullOrWhiteSpace(value) ? null : value; }

    /// <summary>Real or paper server. Also picks the notice TR (H0IFCNI0 or H0IFCNI9).</summary>
    public KisEnvironment Environment { get; init; } = KisEnvironment.Real;

    /// <summary>Overrides the WebSocket URL of <see cref="Environment"/> (e.g. a simulator's <c>ws://127.0.0.1:port</c>).</summary>
    public Uri? WebSocketUrl { get; init; }

    /// <summary>Overrides the REST base URL used to issue approval keys.</summary>
    public Uri? RestBaseUrl { get; init; }

    /// <summary>Sent as <c>custtype</c>: personal ("P") or corporate ("B").</summary>
    public CustomerType CustomerType { get; init; } = CustomerType.Personal;

    /// <summary>First reconnect delay; doubles per failed attempt up to <see cref="ReconnectMaxDelay"/>, with ±20 % jitter.</summary>
    public TimeSpan ReconnectMinDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Longest reconnect delay.</summary>
    public TimeSpan ReconnectMaxDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Delay before retrying after OPSP8996 (the app key is in use by another session). Long on purpose: reports
    /// say rapid retries keep the slot locked.
    /// </summary>
    public TimeSpan AppKeyInUseRetryDelay { get; init; } = TimeSpan.FromSeconds(65);

    /// <summary>
    /// Plumbing for a gateway fleet (KISRT0001): the first OPSP8996 retry waits this, each further one in a row twice as
    /// long, up to <see cref="AppKeyInUseRetryDelay"/>; a healthy connection starts over. Null: every retry waits
    /// <see cref="AppKeyInUseRetryDelay"/>. A new fleet holder usually meets a session that is closing (a hand-over), but
    /// after a kill KIS may hold the key for a while, and rapid retries would keep it locked.
    /// </summary>
    [Experimental("KISRT0001")]
    public TimeSpan? AppKeyInUseFirstRetryDelay { get; init; }

    /// <summary>
    /// Minimum interval between subscribe/unsubscribe requests on one session. KIS documents no limit; its own
    /// samples sleep 0.1–0.5 s between requests, so the default is the fastest pace KIS itself uses.
    /// </summary>
    public TimeSpan SubscribePacing { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How long to wait for the server's reply to a subscribe/unsubscribe request.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>TCP connect + WebSocket handshake timeout.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a graceful shutdown waits for unsubscribe replies and the close handshake.</summary>
    public TimeSpan CloseTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Stall detection: when nothing at all (data or PINGPONG) arrives for this long, the connection is treated as
    /// dead and re-established. KIS pings about every 100–110 s, so the default is ~2.7 ping intervals.
    /// <see langword="null"/> disables it.
    /// </summary>
    public TimeSpan? LivenessTimeout { get; init; } = TimeSpan.FromSeconds(300);

    /// <summary>Registrations allowed per session (KIS: 41, all TRs together). Enforced locally before sending.</summary>
    public int MaxRegistrationsPerSession { get; init; } = 41;

    /// <summary>Records buffered per subscription before <see cref="FullMode"/> applies.</summary>
    public int SubscriptionCapacity { get; init; } = 10_000;

    /// <summary>What a full subscription buffer does.</summary>
    public KisFullMode FullMode { get; init; } = KisFullMode.DropOldest;

    /// <summary>
    /// Messages buffered per <see cref="KisRealtimeClient.ReadRawMessagesAsync"/> enumeration before
    /// <see cref="FullMode"/> applies (<see cref="KisFullMode.Wait"/> drops the arriving message: the receive loop never
    /// waits for a raw reader). ~80 s of a busy session at 1,250 messages/s.
    /// </summary>
    public int RawMessageCapacity { get; init; } = 100_000;

    /// <summary>Largest WebSocket message accepted; a bigger one is a protocol error that ends the connection.</summary>
    public int MaxMessageSize { get; init; } = 4 * 1024 * 1024;

    /// <summary>
    /// When true, <see cref="KisRealtimeClient.ConnectAsync"/> keeps retrying a failing first connection instead
    /// of throwing.
    /// </summary>
    public bool RetryOnInitialConnect { get; init; }

    /// <summary>
    /// A file to keep approval keys in across runs (created readable by the current user only). Null: in memory.
    /// </summary>
    public string? ApprovalKeyCacheFile { get; init; }

    /// <summary>Logging; null for none.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>The clock for every delay, timeout and timestamp (inject a fake one in tests).</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>
    /// Where the client's <see cref="System.Diagnostics.Metrics.Meter"/> comes from (DI containers and tests pass theirs);
    /// null: the client creates its own meter named <see cref="KisRealtimeClient.MeterName"/>.
    /// </summary>
    public System.Diagnostics.Metrics.IMeterFactory? MeterFactory { get; init; }

    /// <summary>
    /// Checks every trade subscription (stock, index, futures, options, overseas trades; typed or raw) for missed
    /// trades from KIS's cumulative volume: counted in <see cref="KisRealtimeStatistics.Gaps"/>, raised as
    /// <see cref="KisRealtimeClient.GapDetected"/>, logged (docs/bars.md, "Gap detection"). Reads four fields of each
    /// trade record on the consumer's thread. Default: on.
    /// </summary>
    public bool DetectGaps { get; init; } = true;

    /// <summary>
    /// The HTTP handler approval keys are issued through (not disposed by the client). Null: the library's own, which
    /// never follows redirects. The request carries the app secret, so a given handler must not follow redirects either:
    /// one whose chain (through <see cref="DelegatingHandler.InnerHandler"/>) holds a <see cref="SocketsHttpHandler"/> or
    /// <see cref="HttpClientHandler"/> with <c>AllowAutoRedirect = true</c> is refused with <see cref="ArgumentException"/>
    /// when the client is created, before any request.
    /// </summary>
    public HttpMessageHandler? HttpHandler { get; init; }

    /// <summary>
    /// How PINGPONG is answered. Default: a pong control frame carrying the PINGPONG text (what KIS's own clients do)
    /// and the same text echoed as a text frame (what other clients do); the live server accepts either.
    /// </summary>
    public KisHeartbeatAnswer HeartbeatAnswer { get; init; } = KisHeartbeatAnswer.PongAndText;

    /// <summary>
    /// Runs a consumer's <c>await foreach</c> body on the session's receive loop when the consumer is waiting for
    /// its next record, instead of handing it to a thread-pool thread. Saves a thread wake-up per record (at 1,250
    /// records/s about a third of the CPU of <c>kisrt stream</c>) and some latency, but until the body's next
    /// <c>await</c> that suspends, the session reads nothing else: every subscription of the session and its
    /// heartbeat answers wait. Turn it on only for loop bodies that hand records on quickly (append to a buffer,
    /// write to a channel of your own). Default: off.
    /// </summary>
    public bool InlineDelivery { get; init; }

    /// <summary>
    /// How many threads of this client run consumers' <c>await foreach</c> bodies when a record arrives for a consumer
    /// that was waiting (one of them per enumeration, round robin, so each subscription's records stay in order and
    /// different subscriptions run in parallel). When the session's second receive thread is free to read on, the
    /// thread that received the record runs the body instead, handing the socket to the other (a wake-up less on the
    /// record's path). They sleep as soon as they have nothing to do, where thread-pool workers spin first
    /// (docs/performance.md has the figures). A body that blocks (synchronous I/O, <c>.Result</c>, a wait for another
    /// subscription's record) cannot stall the others for long: once a body has run 50 ms its thread's other consumers
    /// continue on the thread pool until it returns. 0 runs every body on the thread pool. Not used with
    /// <see cref="InlineDelivery"/>. Default: the number of processors, at most 4.
    /// </summary>
    public int DeliveryThreads { get; init; } = Math.Min(System.Environment.ProcessorCount, 4);

    /// <summary>
    /// In <see cref="KisFullMode.Wait"/>: the longest one consumer may hold its session waiting for room. A consumer
    /// still full after this is ended with <see cref="KisSlowConsumerException"/> (counted) and the others go on.
    /// </summary>
    public TimeSpan SlowConsumerTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// A connection must stay up this long (with traffic) before the reconnect backoff starts over; until then every
    /// loss keeps doubling the delay. A server that accepts and closes at once must not get a fast reconnect loop.
    /// </summary>
    public TimeSpan HealthyConnectionTime { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Connection attempts allowed per app key in any 60-second window, whatever the server does. KIS is reported to
    /// block app keys that reconnect rapidly; 6 a minute is still enough to ride out a few quick drops.
    /// </summary>
    public int MaxConnectAttemptsPerMinute { get; init; } = 6;

    /// <summary>The WebSocket URL in effect.</summary>
    public Uri EffectiveWebSocketUrl => WebSocketUrl ?? KisServers.WebSocketUrl(Environment);

    /// <summary>The REST base URL in effect.</summary>
    public Uri EffectiveRestBaseUrl => RestBaseUrl ?? KisServers.RestBaseUrl(Environment);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first option that cannot work (plumbing for the hosting packages' validators).</summary>
    [Experimental("KISRT0001")]
    public void Validate()
    {
        if (Credentials.Count == 0) throw new ArgumentException("KisRealtimeOptions.Credentials needs at least one app key.");
        foreach (var c in Credentials) c.Validate();
        if (Credentials.Select(c => c.AppKey).Distinct(StringComparer.Ordinal).Count() != Credentials.Count)
            throw new ArgumentException("KisRealtimeOptions.Credentials lists the same app key twice; KIS allows one session per app key.");
        if (MaxRegistrationsPerSession <= 0) throw new ArgumentOutOfRangeException(nameof(MaxRegistrationsPerSession), "Must be positive.");
        if (SubscriptionCapacity <= 0) throw new ArgumentOutOfRangeException(nameof(SubscriptionCapacity), "Must be positive.");
        if (RawMessageCapacity <= 0) throw new ArgumentOutOfRangeException(nameof(RawMessageCapacity), "Must be positive.");
        if (MaxMessageSize <= 0) throw new ArgumentOutOfRangeException(nameof(MaxMessageSize), "Must be positive.");
        if (DeliveryThreads is < 0 or > 64) throw new ArgumentOutOfRangeException(nameof(DeliveryThreads), DeliveryThreads,
            "Must be 0 (the thread pool) to 64.");
        if (MaxConnectAttemptsPerMinute <= 0) throw new ArgumentOutOfRangeException(nameof(MaxConnectAttemptsPerMinute), "Must be positive.");
        if (HttpHandler is not null) SecretHttp.EnsureNoRedirects(HttpHandler, "KisRealtimeOptions.HttpHandler");
        if (SlowConsumerTimeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(SlowConsumerTimeout), "Must be positive.");
        if (ReconnectMinDelay < TimeSpan.Zero || ReconnectMaxDelay < ReconnectMinDelay)
            throw new ArgumentOutOfRangeException(nameof(ReconnectMaxDelay), "Need 0 ≤ ReconnectMinDelay ≤ ReconnectMaxDelay.");
    }

    /// <summary>Prints the options without secrets.</summary>
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        var invariant = CultureInfo.InvariantCulture; // what a log shows is the same on every machine
        builder.Append(invariant, $"Environment = {Environment}, Credentials = [{string.Join(", ", Credentials.Select(c => c.MaskedAppKey))}], ");
        builder.Append(invariant, $"WebSocketUrl = {EffectiveWebSocketUrl}, RestBaseUrl = {EffectiveRestBaseUrl}, FullMode = {FullMode}, " +
            $"SubscriptionCapacity = {SubscriptionCapacity}");
        return true;
    }
}
