using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization;
using Kis.Realtime.Internal;
using Microsoft.Extensions.Logging;

namespace Kis.Realtime.Auth;

/// <summary>
/// Issues WebSocket approval keys (웹소켓 접속키) and caches them per (REST base URL, app key, SHA-256 of the app
/// secret) for their 24-hour life minus a margin, optionally in a file only the current user can read. KIS checks the
/// key only when a session subscribes, so a key is reissued only when it is old or the server answers OPSP0011.
/// <para>
/// The server is not trusted: the request (which carries the secret) never follows a redirect, the answer is read up
/// to <see cref="MaxResponseBytes"/>, and its error text reaches exceptions and logs only through
/// <see cref="Protocol.Redaction.ServerText"/>.
/// </para>
/// </summary>
internal sealed partial class ApprovalKeyProvider : IDisposable
{
    /// <summary>KIS keys live 24 h; reissue an hour early so a key never expires between issue and use.</summary>
    internal static readonly TimeSpan Lifetime = TimeSpan.FromHours(23);

    /// <summary>How long one issuance request may take.</summary>
    internal static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The longest approval answer read (a real one is ~150 bytes); a longer one fails the issue.</summary>
    internal const int MaxResponseBytes = 64 * 1024;

    private readonly RestHttp _http;
    private readonly Uri _restBase;
    private readonly string? _cacheFile;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, CacheEntry> _cache = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _issueLock = new(1, 1);
    private readonly Lock _knownGate = new();
    private readonly Queue<string> _known = new(); // keys issued or loaded, newest last: masked in recorded replies

    public ApprovalKeyProvider(Uri restBase, string? cacheFile, TimeProvider time, ILogger logger, HttpMessageHandler? handler = null)
    {
        _restBase = restBase;
        _cacheFile = cacheFile;
        _time = time;
        _logger = logger;
        // The one bounded, redirect-refusing exchange of every secret-carrying request; errors as approval errors.
        _http = new RestHttp(handler, time, RequestTimeout, MaxResponseBytes, "KisRealtimeOptions.HttpHandler",
            (message, status, inner) => new KisApprovalException(message, status, inner: inner));
        LoadFile();
    }

    /// <summary>Approval keys issued or loaded by this provider (the newest 64), for masking them wherever server text is recorded.</summary>
    public IReadOnlyCollection<string> KnownKeys
    {
        get
        {
            lock (_knownGate) return [.. _known];
        }
    }

    private void Remember(string key)
    {
        lock (_knownGate)
        {
            if (_known.Contains(key)) return;
            _known.Enqueue(key);
            if (_known.Count > 64) _known.Dequeue();
        }
    }

    /// <summary>Number of keys issued over HTTP (not served from the cache).</summary>
    public int IssuedCount;

    private string CacheKey(KisCredential credential) => credential.CacheKey(_restBase);

    /// <summary>
    /// The approval key for <paramref name="credential"/>. When <paramref name="rejectedKey"/> is the cached key (the
    /// server said OPSP0011 to it), a new one is issued; concurrent callers that saw the same rejection share it.
    /// </summary>
    public async ValueTask<string> GetAsync(KisCredential credential, string? rejectedKey, CancellationToken cancellationToken)
    {
        var cacheKey = CacheKey(credential);
        if (TryCached(cacheKey, rejectedKey, out var key)) return key;

        await _issueLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (TryCached(cacheKey, rejectedKey, out key)) return key;
            key = await IssueAsync(credential, cancellationToken).ConfigureAwait(false);
            Remember(key);
            _cache[cacheKey] = new CacheEntry(key, _time.GetUtcNow());
            SaveFile();
            return key;
        }
        finally
        {
            _issueLock.Release();
        }
    }

    private bool TryCached(string cacheKey, string? rejectedKey, out string key)
    {
        key = "";
        if (!_cache.TryGetValue(cacheKey, out var entry)) return false;
        if (entry.ApprovalKey == rejectedKey || _time.GetUtcNow() - entry.IssuedAt >= Lifetime) return false;
        key = entry.ApprovalKey;
        return true;
    }

    private async Task<string> IssueAsync(KisCredential credential, CancellationToken cancellationToken)
    {
        LogIssuing(_logger, credential.MaskedAppKey, _restBase.GetLeftPart(UriPartial.Authority));
        var json = JsonSerializer.SerializeToUtf8Bytes(new ApprovalRequest("client_credentials", credential.AppKey, credential.AppSecret),
            ApprovalJson.Default.ApprovalRequest);
        var what = $"Issuing an approval key for app key {credential.MaskedAppKey}";
        var (status, body) = await _http.PostJsonAsync(new Uri(_restBase, "/oauth2/Approval"), json, what, cancellationToken).ConfigureAwait(false);
        using (body)
        {
            var root = body?.RootElement ?? default;
            var approvalKey = RestHttp.Text(root, "approval_key");
            if ((int)status is < 200 or >= 300 || string.IsNullOrEmpty(approvalKey))
            {
                // The server's words may echo the request: sanitised (secret, app key, key-like text masked; bounded).
                var errorCode = Protocol.Redaction.ServerText(RestHttp.Text(root, "error_code") ?? RestHttp.Text(root, "msg_cd") ?? RestHttp.Text(root, "code"),
                    credential.AppSecret, credential.AppKey, approvalKey);
                var errorText = Protocol.Redaction.ServerText(RestHttp.Text(root, "error_description") ?? RestHttp.Text(root, "msg1") ?? RestHttp.Text(root,
                    "message"),
                    credential.AppSecret, credential.AppKey, approvalKey);
                var detail = errorCode is null && errorText is null ? "no approval_key in the response" : $"{errorCode} {errorText}".Trim();
                throw new KisApprovalException($"{what} failed: HTTP {(int)status}, {detail}.", (int)status, errorCode);
            }

            Interlocked.Increment(ref IssuedCount);
            LogIssued(_logger, credential.MaskedAppKey);
            return approvalKey;
        }
    }

    private void LoadFile()
    {
        foreach (var e in SecretFile.Read(_cacheFile, ApprovalJson.Default.FileEntryArray, _logger) ?? [])
        {
            // Entries of older versions (keyed without the secret's hash) are dropped: they cannot be matched to a secret.
            if (!e.CacheKey.Contains("|sha256:", StringComparison.Ordinal)) continue;
            _cache[e.CacheKey] = new CacheEntry(e.ApprovalKey, e.IssuedAt);
            Remember(e.ApprovalKey);
        }
    }

    private void SaveFile() => SecretFile.Write(_cacheFile, [.. _cache.Select(p => new FileEntry(p.Key, p.Value.ApprovalKey, p.Value.IssuedAt))],
        ApprovalJson.Default.FileEntryArray, _logger);

    public void Dispose()
    {
        _http.Dispose();
        _issueLock.Dispose();
    }

    private readonly record struct CacheEntry(string ApprovalKey, DateTimeOffset IssuedAt)
    {
        // The approval key is as secret as the app secret it was issued for.
        public override string ToString() => $"CacheEntry(hidden, issued {IssuedAt:O})";
    }

    [LoggerMessage(1001, LogLevel.Information, "Issuing a WebSocket approval key for app key {AppKey} at {RestBase}")]
    private static partial void LogIssuing(ILogger logger, string appKey, string restBase);

    [LoggerMessage(1002, LogLevel.Information, "Approval key issued for app key {AppKey}")]
    private static partial void LogIssued(ILogger logger, string appKey);


}

internal sealed record ApprovalRequest(
    [property: JsonPropertyName("grant_type")] string GrantType,
    [property: JsonPropertyName("appkey")] string AppKey,
    [property: JsonPropertyName("secretkey")] string SecretKey)
{
    // Never print the secret, even by accident.
    public override string ToString() => $"ApprovalRequest({KisCredential.Mask(AppKey)})";
}

internal sealed record FileEntry(string CacheKey, string ApprovalKey, DateTimeOffset IssuedAt)
{
    public override string ToString() => "FileEntry(hidden)";
}

[JsonSerializable(typeof(ApprovalRequest))]
[JsonSerializable(typeof(FileEntry[]))]
internal sealed partial class ApprovalJson : JsonSerializerContext;
