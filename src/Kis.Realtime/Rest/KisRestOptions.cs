using Kis.Realtime.Internal;
using Microsoft.Extensions.Logging;

namespace Kis.Realtime;

/// <summary>Settings of a <see cref="KisRestClient"/> (immutable; start from <c>new KisRestOptions { Credential = … }</c>).</summary>
public sealed record KisRestOptions
{
    /// <summary>The app key and secret the calls are made with (one access token per app key).</summary>
    public required KisCredential Credential { get; init; }

    /// <summary>Real or paper server (chooses the default REST base URL).</summary>
    public KisEnvironment Environment { get; init; } = KisEnvironment.Real;

    /// <summary>Overrides the REST base URL (e.g. a simulator's).</summary>
    public Uri? RestBaseUrl { get; init; }

    /// <summary>
    /// A file to keep access tokens in across runs (created readable and writable by the current user only), so a
    /// restart does not issue a new token: KIS lets an app key have a token issued about once a minute. Null: in memory.
    /// </summary>
    public string? AccessTokenCacheFile { get; init; }

    /// <summary>How long one HTTP call may take.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Largest answer read, in bytes (a minute-chart page is ~5 KB); a larger one fails with <see cref="KisRestException"/>.</summary>
    public int MaxResponseBytes { get; init; } = 1024 * 1024;

    /// <summary>The clock (token lifetimes, timeouts, the wait between token issues, "now" in KST).</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Logging (never logs secrets or tokens).</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>
    /// The HTTP handler the token and data requests go through (not disposed by the client). Null: the library's own,
    /// which follows no redirects. A given handler must not follow redirects either (a redirected request would carry
    /// the secret elsewhere): one whose chain holds a <see cref="SocketsHttpHandler"/> or <see cref="HttpClientHandler"/>
    /// with <c>AllowAutoRedirect = true</c> is refused with <see cref="ArgumentException"/> before any request. A 3xx
    /// answer is refused regardless.
    /// </summary>
    public HttpMessageHandler? HttpHandler { get; init; }

    /// <summary>The REST base URL in effect.</summary>
    public Uri EffectiveRestBaseUrl => RestBaseUrl ?? KisServers.RestBaseUrl(Environment);

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(Credential);
        Credential.Validate();
        if (RequestTimeout <= TimeSpan.Zero) throw new ArgumentException("KisRestOptions.RequestTimeout must be positive.");
        if (MaxResponseBytes < 1024) throw new ArgumentException("KisRestOptions.MaxResponseBytes must be at least 1024.");
        if (HttpHandler is not null) SecretHttp.EnsureNoRedirects(HttpHandler, "KisRestOptions.HttpHandler");
    }
}
