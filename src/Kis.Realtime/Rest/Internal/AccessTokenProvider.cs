using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;

namespace Kis.Realtime.Internal;

/// <summary>
/// Issues REST access tokens (<c>POST /oauth2/tokenP</c>) and caches them per (REST base URL, app key, SHA-256 of the app secret:
/// <see cref="KisCredential.CacheKey"/>) for their
/// lifetime (<c>expires_in</c>, 24 h at KIS) minus a margin, optionally in a file only the current user can read, as
/// the approval keys are. KIS lets an app key have a token issued about once a minute (EGW00133 otherwise), so a new
/// token is asked for at most once per <see cref="MinimumIssueInterval"/>: a caller that needs one sooner (the server
/// rejected the cached token) waits. Tokens and secrets are never logged.
/// </summary>
internal sealed partial class AccessTokenProvider
{
    /// <summary>A token is replaced this long before it expires, so it never expires between issue and use.</summary>
    internal static readonly TimeSpan ExpiryMargin = TimeSpan.FromMinutes(10);

    /// <summary>KIS: one token issue per app key per minute; a second more for clock differences.</summary>
    internal static readonly TimeSpan MinimumIssueInterval = TimeSpan.FromSeconds(61);


    private readonly RestHttp _http;
    private readonly Uri _restBase;
    private readonly string? _cacheFile;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, TokenEntry> _cache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _lastIssue = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _issueLock = new(1, 1);

    private readonly Func<CancellationToken, Task<IDisposable>>? _issueSlot;
    private readonly Action<DateTimeOffset>? _serverDate;

    /// <summary>Tokens of <paramref name="restBase"/> through <paramref name="http"/>, kept in <paramref name="cacheFile"/> (null: memory
    /// only); <paramref name="issueSlot"/> gives each issue over HTTP its slot of the token endpoint's rate limit, held until
    /// the answer, or null; <paramref name="serverDate"/> is told each issue's HTTP Date (the server's clock), or null.</summary>
    public AccessTokenProvider(RestHttp http, Uri restBase, string? cacheFile, TimeProvider time, ILogger logger,
        Func<CancellationToken, Task<IDisposable>>? issueSlot = null, Action<DateTimeOffset>? serverDate = null)
    {
        _issueSlot = issueSlot;
        _serverDate = serverDate;
        _http = http;
        _restBase = restBase;
        _cacheFile = cacheFile;
        _time = time;
        _logger = logger;
        foreach (var e in SecretFile.Read(_cacheFile, TokenJson.Default.TokenFileEntryArray, _logger) ?? [])
        {
            _cache[e.CacheKey] = new TokenEntry(e.AccessToken, e.IssuedAt, e.ExpiresAt);
            _lastIssue[e.CacheKey] = e.IssuedAt;
        }
    }

    /// <summary>Tokens issued over HTTP (not served from the cache).</summary>
    public int IssuedCount => Volatile.Read(ref _issued);

    private int _issued;

    private string CacheKey(KisCredential credential) => credential.CacheKey(_restBase);

    /// <summary>
    /// The access token for <paramref name="credential"/>. When <paramref name="rejectedToken"/> is the cached token
    /// (the server refused it), a new one is issued; concurrent callers that saw the same rejection share it.
    /// </summary>
    public async ValueTask<string> GetAsync(KisCredential credential, string? rejectedToken, CancellationToken cancellationToken)
    {
        var cacheKey = CacheKey(credential);
        if (TryCached(cacheKey, rejectedToken, out var token)) return token;
        await _issueLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (TryCached(cacheKey, rejectedToken, out token)) return token;
            if (_lastIssue.TryGetValue(cacheKey, out var last) && _time.GetUtcNow() - last is var since && since < MinimumIssueInterval)
            {
                LogWaiting(_logger, credential.MaskedAppKey, (MinimumIssueInterval - since).TotalSeconds);
                await Task.Delay(MinimumIssueInterval - since, _time, cancellationToken).ConfigureAwait(false);
            }
            TokenEntry entry;
            using (_issueSlot is null ? null : await _issueSlot(cancellationToken).ConfigureAwait(false))
                entry = await IssueAsync(credential, cancellationToken).ConfigureAwait(false);
            _cache[cacheKey] = entry;
            _lastIssue[cacheKey] = entry.IssuedAt;
            SecretFile.Write(_cacheFile, [.. _cache.Select(p => new TokenFileEntry(p.Key, p.Value.AccessToken, p.Value.IssuedAt, p.Value.ExpiresAt))],
                TokenJson.Default.TokenFileEntryArray, _logger);
            return entry.AccessToken;
        }
        finally
        {
            _issueLock.Release();
        }
    }

    private bool TryCached(string cacheKey, string? rejectedToken, out string token)
    {
        token = "";
        if (!_cache.TryGetValue(cacheKey, out var entry)) return false;
        if (entry.AccessToken == rejectedToken || _time.GetUtcNow() >= entry.ExpiresAt - ExpiryMargin) return false;
        token = entry.AccessToken;
        return true;
    }

    private async Task<TokenEntry> IssueAsync(KisCredential credential, CancellationToken cancellationToken)
    {
        const string what = "Issuing a REST access token (POST /oauth2/tokenP)";
        LogIssuing(_logger, credential.MaskedAppKey, _restBase.GetLeftPart(UriPartial.Authority));
        var json = JsonSerializer.SerializeToUtf8Bytes(new TokenRequest("client_credentials", credential.AppKey, credential.AppSecret),
            TokenJson.Default.TokenRequest);
        var now = _time.GetUtcNow();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_restBase, "/oauth2/tokenP")) { Content = new ByteArrayContent(json) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        var (status, body, _, date) = await _http.SendAsync(request, $"{what} for app key {credential.MaskedAppKey}", null, cancellationToken)
            .ConfigureAwait(false);
        if (date is { } serverDate) _serverDate?.Invoke(serverDate);
        using (body)
        {
            var root = body?.RootElement ?? default;
            var token = RestHttp.Text(root, "access_token");
            if ((int)status != 200 || string.IsNullOrEmpty(token))
            {
                var code = RestHttp.Text(root, "error_code") ?? RestHttp.Text(root, "msg_cd");
                var message = Protocol.Redaction.ServerText(RestHttp.Text(root, "error_description") ?? RestHttp.Text(root, "msg1"), credential.AppSecret,
                    credential.AppKey) ?? "";
                var detail = body is null ? "the answer is not JSON" : code is null && message.Length == 0 ? "no access_token in the answer"
                    : $"{code} {message}".Trim();
                throw new KisRestException($"{what} for app key {credential.MaskedAppKey} failed: HTTP {(int)status}, {detail}.", (int)status, code);
            }
            var expiresAt = ExpiryOf(root, now);
            Interlocked.Increment(ref _issued);
            LogIssued(_logger, credential.MaskedAppKey, expiresAt.ToOffset(KoreaTime.Offset).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture));
            return new TokenEntry(token, now, expiresAt);
        }
    }

    /// <summary>From <c>expires_in</c> (seconds), else <c>access_token_token_expired</c> (KST), else KIS's 24 hours.</summary>
    private static DateTimeOffset ExpiryOf(JsonElement root, DateTimeOffset now)
    {
        if (long.TryParse(RestHttp.Text(root, "expires_in"), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            && seconds is > 0 and <= 366L * 86400)
            return now.AddSeconds(seconds);
        if (DateTime.TryParseExact(RestHttp.Text(root, "access_token_token_expired"), "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture,
                DateTimeStyles.None, out var kst))
            return new DateTimeOffset(kst, KoreaTime.Offset);
        return now.AddHours(24);
    }

    private readonly record struct TokenEntry(string AccessToken, DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt)
    {
        public override string ToString() => $"TokenEntry(hidden, expires {ExpiresAt:O})";
    }

    [LoggerMessage(1101, LogLevel.Information, "Issuing a REST access token for app key {AppKey} at {RestBase}")]
    private static partial void LogIssuing(ILogger logger, string appKey, string restBase);

    [LoggerMessage(1102, LogLevel.Information, "Access token issued for app key {AppKey}, valid until {ExpiresKst} KST")]
    private static partial void LogIssued(ILogger logger, string appKey, string expiresKst);

    [LoggerMessage(1103, LogLevel.Information, "Waiting {Seconds:0.#} s before issuing another access token for app key {AppKey} (KIS: one a minute)")]
    private static partial void LogWaiting(ILogger logger, string appKey, double seconds);
}

internal sealed record TokenRequest(
    [property: JsonPropertyName("grant_type")] string GrantType,
    [property: JsonPropertyName("appkey")] string AppKey,
    [property: JsonPropertyName("appsecret")] string AppSecret)
{
    // Never print the secret, even by accident.
    public override string ToString() => $"TokenRequest({KisCredential.Mask(AppKey)})";
}

internal sealed record TokenFileEntry(string CacheKey, string AccessToken, DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt)
{
    public override string ToString() => "TokenFileEntry(hidden)";
}

[JsonSerializable(typeof(TokenRequest))]
[JsonSerializable(typeof(TokenFileEntry[]))]
internal sealed partial class TokenJson : JsonSerializerContext;
