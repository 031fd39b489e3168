using Kis.Realtime.Internal;
using Microsoft.Extensions.Logging;

namespace Kis.Realtime;

/// <summary>Settings of a <see cref="KisOrderClient"/> (immutable; start from <c>new KisOrderOptions { Credential = …, Account = … }</c>).</summary>
public sealed record KisOrderOptions
{
    /// <summary>The app key and secret (one access token and one rate limit per app key).</summary>
    public required KisCredential Credential { get; init; }

    /// <summary>The stock account (CANO and ACNT_PRDT_CD, usually 01).</summary>
    public required KisAccount Account { get; init; }

    /// <summary>The futures/options account (usually product code 03); null: <see cref="Account"/>.</summary>
    public KisAccount? FuturesAccount { get; init; }

    /// <summary>Real or paper server: chooses the tr_ids (paper's start with V), the default REST base URL and the default rate.</summary>
    public KisEnvironment Environment { get; init; } = KisEnvironment.Real;

    /// <summary>Overrides the REST base URL (e.g. a simulator's).</summary>
    public Uri? RestBaseUrl { get; init; }

    /// <summary>REST calls a second allowed per app key; null: KIS's limit, 20 on the real server and 2 on the paper server.</summary>
    public int? RequestsPerSecond { get; init; }

    /// <summary>Token issues a second allowed per app key (KIS: 1).</summary>
    public int TokenRequestsPerSecond { get; init; } = 1;

    /// <summary>A file to keep access tokens in across runs (readable by the current user only), so they are reused for their day. Null: in memory.</summary>
    public string? AccessTokenCacheFile { get; init; }

    /// <summary>
    /// The folder of the order journals: one per account and server (<c>HOST_PORT_ACCOUNT/YYYYMMDD.jsonl</c>, a file a
    /// day in KST, seven days kept, readable by the current user only), shared by every <see cref="KisOrderClient"/> of
    /// the account on this machine that names the same folder, in this process or another. Each order call is written
    /// down (fsync'd) before it is sent, and each order number is claimed there under a file lock, so a number is
    /// claimed by one call across clients, processes and restarts, and <see cref="KisOrderClient.ReconcileJournalAsync"/>
    /// settles what a run that is gone left unresolved. Null (the default): the claims live in this process's memory,
    /// shared by the clients of the account and server in it while one of them lives (not across processes or restarts).
    /// <see cref="DefaultJournalFolder"/> is the one <c>kisrt order</c> uses.
    /// </summary>
    public string? JournalFolder { get; init; }

    /// <summary>The per-user folder <c>kisrt order</c> keeps its order journals in (<c>LocalApplicationData/kisrt/orders</c>,
    /// e.g. <c>~/.local/share/kisrt/orders</c>): name it in <see cref="JournalFolder"/> to share them with it.</summary>
    public static string DefaultJournalFolder => Path.Combine(
        System.Environment.GetFolderPath(System.Environment.SpecialFolder.LocalApplicationData, System.Environment.SpecialFolderOption.DoNotVerify),
        "kisrt", "orders");

    /// <summary>How long one HTTP call may take; an order call that takes longer has an unknown outcome and is reconciled.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How often today's orders are checked for an order whose answer was lost before it is reported unknown.</summary>
    public int ReconcileChecks { get; init; } = 3;

    /// <summary>The wait between those checks (KIS lists an order within moments of taking it).</summary>
    public TimeSpan ReconcileInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How often a call refused for rate (EGW00201, nothing placed) is sent again, after waiting its turn.</summary>
    public int RateLimitRetries { get; init; } = 3;

    /// <summary>Largest answer read, in bytes.</summary>
    public int MaxResponseBytes { get; init; } = 1024 * 1024;

    /// <summary>The clock (timeouts, rate windows, "today" and order times in KST).</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Logging (never logs secrets or tokens).</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>
    /// The HTTP handler calls go through (not disposed). Null: the library's own, which sends every order call on a
    /// connection of its own, so that no retry of a reused connection by the HTTP stack can apply to an order. A given
    /// handler must not follow redirects, and must not retry requests itself (a retried order may be a second order).
    /// </summary>
    public HttpMessageHandler? HttpHandler { get; init; }

    /// <summary>The REST base URL in effect.</summary>
    public Uri EffectiveRestBaseUrl => RestBaseUrl ?? KisServers.RestBaseUrl(Environment);

    /// <summary>The REST rate in effect.</summary>
    public int EffectiveRequestsPerSecond => RequestsPerSecond ?? (Environment == KisEnvironment.Paper ? 2 : 20);

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(Credential);
        Credential.Validate();
        ArgumentNullException.ThrowIfNull(Account);
        Account.Validate("KisOrderOptions.Account");
        FuturesAccount?.Validate("KisOrderOptions.FuturesAccount");
        if (RequestsPerSecond is <= 0) throw new ArgumentException("KisOrderOptions.RequestsPerSecond must be positive.");
        if (TokenRequestsPerSecond <= 0) throw new ArgumentException("KisOrderOptions.TokenRequestsPerSecond must be positive.");
        if (RequestTimeout <= TimeSpan.Zero) throw new ArgumentException("KisOrderOptions.RequestTimeout must be positive.");
        if (ReconcileChecks < 1) throw new ArgumentException("KisOrderOptions.ReconcileChecks must be at least 1.");
        if (ReconcileInterval < TimeSpan.Zero) throw new ArgumentException("KisOrderOptions.ReconcileInterval cannot be negative.");
        if (RateLimitRetries < 0) throw new ArgumentException("KisOrderOptions.RateLimitRetries cannot be negative.");
        if (MaxResponseBytes < 1024) throw new ArgumentException("KisOrderOptions.MaxResponseBytes must be at least 1024.");
        if (HttpHandler is not null) SecretHttp.EnsureNoRedirects(HttpHandler, "KisOrderOptions.HttpHandler");
        if (JournalFolder is { } folder && string.IsNullOrWhiteSpace(folder))
            throw new ArgumentException("KisOrderOptions.JournalFolder must name a folder (null: no journal).");
    }
}
