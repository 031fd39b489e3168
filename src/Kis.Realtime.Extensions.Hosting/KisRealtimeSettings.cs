namespace Kis.Realtime;

/// <summary>
/// The configuration-bindable form of <see cref="KisRealtimeOptions"/>: the keys of a section such as <c>Kis</c> in
/// <c>appsettings.json</c>, user secrets or environment variables (<c>Kis__AppSecret</c>). Unset values keep the
/// defaults of <see cref="KisRealtimeOptions.Default"/>. The <c>kisrt</c> tool reads the same keys.
/// <code>
/// "Kis": { "AppKey": "PS…", "AppSecret": "…", "HtsId": "myhtsid", "Environment": "Real", "ConnectOnStart": true }
/// </code>
/// </summary>
public sealed class KisRealtimeSettings
{
    /// <summary>The app key (앱키); with <see cref="AppSecret"/>, the first credential.</summary>
    public string? AppKey { get; set; }

    /// <summary>The app secret (앱시크릿). Keep it in user secrets or the environment, not in appsettings.json.</summary>
    public string? AppSecret { get; set; }

    /// <summary>More app keys (one session each, beyond 41 registrations): <c>Kis:Credentials:0:AppKey</c> …</summary>
    public List<KisCredentialSettings> Credentials { get; set; } = [];

    /// <summary>The HTS ID, the key of the futures/options notice TR.</summary>
    public string? HtsId { get; set; }

    /// <summary><c>Real</c> (default) or <c>Paper</c>.</summary>
    public KisEnvironment? Environment { get; set; }

    /// <summary>Overrides the WebSocket URL (plain <c>ws://</c>, e.g. a simulator).</summary>
    public Uri? WebSocketUrl { get; set; }

    /// <summary>Overrides the REST base URL that issues approval keys.</summary>
    public Uri? RestBaseUrl { get; set; }

    /// <summary>See <see cref="KisRealtimeOptions.CustomerType"/>.</summary>
    public Protocol.CustomerType? CustomerType { get; set; }

    /// <summary>See <see cref="KisRealtimeOptions.ReconnectMinDelay"/>.</summary>
    public TimeSpan? ReconnectMinDelay { get; set; }

    /// <summary>See <see cref="KisRealtimeOptions.ReconnectMaxDelay"/>.</summary>
    public TimeSpan? ReconnectMaxDelay { get; set; }

    /// <summary>See <see cref="KisRealtimeOptions.AppKeyInUseRetryDelay"/>.</summary>
    public TimeSpan? AppKeyInUseRetryDelay { get; set; }

    /// <summary>See <see cref="KisRealtimeOptions.SubscribePacing"/>.</summary>
    public TimeSpan? SubscribePacing { get; set; }

    /// <summary>See <see cref="KisRealtimeOptions.RequestTimeout"/>.</summary>
    public TimeSpan? RequestTimeout { get; set; }

    /// <summary>See <see cref="KisRealtimeOptions.ConnectTimeout"/>.</summary>
    public TimeSpan? ConnectTimeout { get; set; }

    /// <summary>See <see cref="KisRealtimeOptions.CloseTimeout"/>.</summary>
    public TimeSpan? CloseTimeout { get; set; }

    /// <summary>See <see cref="KisRealtimeOptions.LivenessTimeout"/>.</summary>
    public TimeSpan? LivenessTimeout { get; set; }

    /// <summary>See <see cref="KisRealtimeOptions.SubscriptionCapacity"/>.</summary>
    public int? SubscriptionCapacity { get; set; }

    /// <summary>See <see cref="KisRealtimeOptions.FullMode"/>.</summary>
    public KisFullMode? FullMode { get; set; }

    /// <summary>See <see cref="KisRealtimeOptions.RawMessageCapacity"/>.</summary>
    public int? RawMessageCapacity { get; set; }

    /// <summary>See <see cref="KisRealtimeOptions.MaxRegistrationsPerSession"/>.</summary>
    public int? MaxRegistrationsPerSession { get; set; }

    /// <summary>See <see cref="KisRealtimeOptions.MaxMessageSize"/>.</summary>
    public int? MaxMessageSize { get; set; }

    /// <summary>See <see cref="KisRealtimeOptions.DetectGaps"/>.</summary>
    public bool? DetectGaps { get; set; }

    /// <summary>See <see cref="KisRealtimeOptions.RetryOnInitialConnect"/>.</summary>
    public bool? RetryOnInitialConnect { get; set; }

    /// <summary>See <see cref="KisRealtimeOptions.ApprovalKeyCacheFile"/>.</summary>
    public string? ApprovalKeyCacheFile { get; set; }

    /// <summary>See <see cref="KisRealtimeOptions.HeartbeatAnswer"/>.</summary>
    public KisHeartbeatAnswer? HeartbeatAnswer { get; set; }

    /// <summary>See <see cref="KisRealtimeOptions.SlowConsumerTimeout"/>.</summary>
    public TimeSpan? SlowConsumerTimeout { get; set; }

    /// <summary>See <see cref="KisRealtimeOptions.InlineDelivery"/>.</summary>
    public bool? InlineDelivery { get; set; }

    /// <summary>See <see cref="KisRealtimeOptions.DeliveryThreads"/>.</summary>
    public int? DeliveryThreads { get; set; }

    /// <summary>See <see cref="KisRealtimeOptions.HealthyConnectionTime"/>.</summary>
    public TimeSpan? HealthyConnectionTime { get; set; }

    /// <summary>See <see cref="KisRealtimeOptions.MaxConnectAttemptsPerMinute"/>.</summary>
    public int? MaxConnectAttemptsPerMinute { get; set; }

    /// <summary>Connect when the host starts (a hosted service calls <see cref="KisRealtimeClient.ConnectAsync"/>), so a wrong key fails the start.</summary>
    public bool ConnectOnStart { get; set; }

    /// <summary>The options these settings describe, on top of <paramref name="baseOptions"/> (default: <see cref="KisRealtimeOptions.Default"/>).</summary>
    public KisRealtimeOptions ToOptions(KisRealtimeOptions? baseOptions = null)
    {
        var o = baseOptions ?? KisRealtimeOptions.Default;
        var credentials = new List<KisCredential>();
        if (!string.IsNullOrEmpty(AppKey) || !string.IsNullOrEmpty(AppSecret)) credentials.Add(new KisCredential(AppKey ?? "", AppSecret ?? ""));
        credentials.AddRange(Credentials.Select(c => new KisCredential(c.AppKey ?? "", c.AppSecret ?? "")));
        if (credentials.Count > 0) o = o with { Credentials = credentials };
        if (HtsId is not null) o = o with { HtsId = HtsId };
        if (Environment is { } environment) o = o with { Environment = environment };
        if (WebSocketUrl is not null) o = o with { WebSocketUrl = WebSocketUrl };
        if (RestBaseUrl is not null) o = o with { RestBaseUrl = RestBaseUrl };
        if (CustomerType is { } customerType) o = o with { CustomerType = customerType };
        if (ReconnectMinDelay is { } minDelay) o = o with { ReconnectMinDelay = minDelay };
        if (ReconnectMaxDelay is { } maxDelay) o = o with { ReconnectMaxDelay = maxDelay };
        if (AppKeyInUseRetryDelay is { } inUse) o = o with { AppKeyInUseRetryDelay = inUse };
        if (SubscribePacing is { } pacing) o = o with { SubscribePacing = pacing };
        if (RequestTimeout is { } request) o = o with { RequestTimeout = request };
        if (ConnectTimeout is { } connect) o = o with { ConnectTimeout = connect };
        if (CloseTimeout is { } close) o = o with { CloseTimeout = close };
        if (LivenessTimeout is { } liveness) o = o with { LivenessTimeout = liveness };
        if (SubscriptionCapacity is { } capacity) o = o with { SubscriptionCapacity = capacity };
        if (FullMode is { } fullMode) o = o with { FullMode = fullMode };
        if (RawMessageCapacity is { } rawCapacity) o = o with { RawMessageCapacity = rawCapacity };
        if (MaxRegistrationsPerSession is { } registrations) o = o with { MaxRegistrationsPerSession = registrations };
        if (MaxMessageSize is { } messageSize) o = o with { MaxMessageSize = messageSize };
        if (DetectGaps is { } gaps) o = o with { DetectGaps = gaps };
        if (RetryOnInitialConnect is { } retry) o = o with { RetryOnInitialConnect = retry };
        if (ApprovalKeyCacheFile is not null) o = o with { ApprovalKeyCacheFile = ApprovalKeyCacheFile };
        if (HeartbeatAnswer is { } heartbeat) o = o with { HeartbeatAnswer = heartbeat };
        if (SlowConsumerTimeout is { } slow) o = o with { SlowConsumerTimeout = slow };
        if (InlineDelivery is { } inline) o = o with { InlineDelivery = inline };
        if (DeliveryThreads is { } delivery) o = o with { DeliveryThreads = delivery };
        if (HealthyConnectionTime is { } healthy) o = o with { HealthyConnectionTime = healthy };
        if (MaxConnectAttemptsPerMinute is { } budget) o = o with { MaxConnectAttemptsPerMinute = budget };
        return o;
    }

    /// <summary>Prints the settings without the secret.</summary>
    public override string ToString() => ToOptions().ToString();
}

/// <summary>One more app key and its secret (<c>Kis:Credentials:N</c>).</summary>
public sealed class KisCredentialSettings
{
    /// <summary>The app key.</summary>
    public string? AppKey { get; set; }

    /// <summary>The app secret. Never printed.</summary>
    public string? AppSecret { get; set; }

    /// <summary>The masked app key only.</summary>
    public override string ToString() => KisCredential.Mask(AppKey);
}
