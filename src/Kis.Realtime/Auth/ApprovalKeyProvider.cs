using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization;
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

    private readonly SecretHttp _http;
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
        _http = new SecretHttp(handler, "KisRealtimeOptions.HttpHandler");
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
        var url = new Uri(_restBase, "/oauth2/Approval");
        LogIssuing(_logger, credential.MaskedAppKey, _restBase.GetLeftPart(UriPartial.Authority));
        HttpResponseMessage response;
        // The timeout runs on the injected clock like every other delay of the client.
        using var timeout = new CancellationTokenSource(RequestTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            // Serialized up front so the request carries a Content-Length, as KIS's own clients send it: JsonContent
            // (PostAsJsonAsync) streams with chunked transfer encoding, which API gateways may refuse.
            var json = JsonSerializer.SerializeToUtf8Bytes(new ApprovalRequest("client_credentials", credential.AppKey, credential.AppSecret),
                ApprovalJson.Default.ApprovalRequest);
            using var content = new ByteArrayContent(json);
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
            using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = content };
            response = await _http.SendAsync(request, problem => new KisApprovalException(
                $"Issuing an approval key for app key {credential.MaskedAppKey} was refused before sending: {problem}"), linked.Token).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            // The handler's message names the host and the socket error; it never carries the request body.
            throw new KisApprovalException($"Could not reach {url} to issue an approval key for app key {credential.MaskedAppKey}: {Protocol.Redaction.ServerText(e.Message, credential.AppSecret)}", inner: e);
        }
        catch (OperationCanceledException e) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new KisApprovalException($"{url} did not answer within {RequestTimeout.TotalSeconds:0} s (approval key for app key {credential.MaskedAppKey}).", inner: e);
        }

        using (response)
        {
            var status = (int)response.StatusCode;
            if (status is >= 300 and < 400)
            {
                // Never followed, and its Location is not shown: following it would post the app secret to another host.
                throw new KisApprovalException(
                    $"Issuing an approval key for app key {credential.MaskedAppKey} failed: {url} answered HTTP {status} (a redirect); " +
                    "redirects are not followed because the request carries the app secret. Check RestBaseUrl.", status);
            }
            // A custom handler the library cannot inspect may still have followed one: refuse the answer of another address.
            if (response.RequestMessage?.RequestUri is { } answered && answered != url)
                throw new KisApprovalException(
                    $"Issuing an approval key for app key {credential.MaskedAppKey} failed: the HttpHandler followed a redirect away from {url}. " +
                    "Give KisRealtimeOptions.HttpHandler a handler that does not follow redirects.", status);

            var body = await BoundedHttp.ReadAsync(response.Content, MaxResponseBytes, linked.Token).ConfigureAwait(false) ?? throw TooLong(credential);
            string? approvalKey = null, errorCode = null, errorText = null;
            try
            {
                using var doc = JsonDocument.Parse(body);
                if (doc.RootElement.ValueKind == JsonValueKind.Object)
                {
                    foreach (var p in doc.RootElement.EnumerateObject())
                    {
                        var text = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() : p.Value.GetRawText();
                        switch (p.Name)
                        {
                            case "approval_key": approvalKey = text; break;
                            case "error_code" or "msg_cd" or "code": errorCode = text; break;
                            case "error_description" or "msg1" or "message": errorText = text; break;
                        }
                    }
                }
            }
            catch (JsonException)
            {
                // Reported below without echoing the body (it could contain anything).
            }

            if (!response.IsSuccessStatusCode || string.IsNullOrEmpty(approvalKey))
            {
                // The server's words may echo the request: sanitised (secret, app key, key-like text masked; bounded).
                errorCode = Protocol.Redaction.ServerText(errorCode, credential.AppSecret, credential.AppKey, approvalKey);
                errorText = Protocol.Redaction.ServerText(errorText, credential.AppSecret, credential.AppKey, approvalKey);
                var detail = errorCode is null && errorText is null ? "no approval_key in the response" : $"{errorCode} {errorText}".Trim();
                throw new KisApprovalException(
                    $"Issuing an approval key for app key {credential.MaskedAppKey} failed: HTTP {status}, {detail}.",
                    status, errorCode);
            }

            Interlocked.Increment(ref IssuedCount);
            LogIssued(_logger, credential.MaskedAppKey);
            return approvalKey;
        }
    }

    private static KisApprovalException TooLong(KisCredential credential) => new(
        $"Issuing an approval key for app key {credential.MaskedAppKey} failed: the answer is longer than {MaxResponseBytes / 1024} KiB (not read further).");

    private void LoadFile()
    {
        if (_cacheFile is null || !File.Exists(_cacheFile)) return;
        try
        {
            var entries = JsonSerializer.Deserialize(File.ReadAllText(_cacheFile), ApprovalJson.Default.FileEntryArray) ?? [];
            foreach (var e in entries)
            {
                // Entries of older versions (keyed without the secret's hash) are dropped: they cannot be matched to a secret.
                if (!e.CacheKey.Contains("|sha256:", StringComparison.Ordinal)) continue;
                _cache[e.CacheKey] = new CacheEntry(e.ApprovalKey, e.IssuedAt);
                Remember(e.ApprovalKey);
            }
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            LogCacheFileUnreadable(_logger, _cacheFile, e.GetType().Name);
        }
    }

    private void SaveFile()
    {
        if (_cacheFile is null) return;
        try
        {
            var entries = _cache.Select(p => new FileEntry(p.Key, p.Value.ApprovalKey, p.Value.IssuedAt)).ToArray();
            var json = JsonSerializer.Serialize(entries, ApprovalJson.Default.FileEntryArray);
            var dir = Path.GetDirectoryName(Path.GetFullPath(_cacheFile));
            if (dir is not null) Directory.CreateDirectory(dir);
            var temp = _cacheFile + ".tmp";
            // The file holds live approval keys: readable and writable by this user only.
            var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            using (var stream = new FileStream(temp, options))
            using (var writer = new StreamWriter(stream))
            {
                writer.Write(json);
            }
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            File.Move(temp, _cacheFile, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogCacheFileUnwritable(_logger, _cacheFile, e.GetType().Name);
        }
    }

    public void Dispose()
    {
        _http.Dispose();
        _issueLock.Dispose();
    }

    private readonly record struct CacheEntry(string ApprovalKey, DateTimeOffset IssuedAt);

    [LoggerMessage(1001, LogLevel.Information, "Issuing a WebSocket approval key for app key {AppKey} at {RestBase}")]
    private static partial void LogIssuing(ILogger logger, string appKey, string restBase);

    [LoggerMessage(1002, LogLevel.Information, "Approval key issued for app key {AppKey}")]
    private static partial void LogIssued(ILogger logger, string appKey);

    [LoggerMessage(1003, LogLevel.Warning, "Approval key cache file {File} could not be read ({Error}); issuing new keys")]
    private static partial void LogCacheFileUnreadable(ILogger logger, string file, string error);

    [LoggerMessage(1004, LogLevel.Warning, "Approval key cache file {File} could not be written ({Error})")]
    private static partial void LogCacheFileUnwritable(ILogger logger, string file, string error);
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
