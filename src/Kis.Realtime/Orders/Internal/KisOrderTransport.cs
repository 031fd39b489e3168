using System.Net;
using System.Text.Json;
using Kis.Realtime.Retry;
using Microsoft.Extensions.Logging;

namespace Kis.Realtime.Internal;

/// <summary>
/// How <see cref="KisOrderClient"/> reaches KIS's REST API: the HTTP clients (an order call on a connection of its
/// own, inquiries on reused ones), the access token, the rate limits of REST calls and token issues, KIS's refusals
/// answered here (a refused token replaced, a refusal for rate waited out and sent again) and the server's clock as its
/// answers tell it. What an answer means is the client's to judge. Thread-safe.
/// </summary>
internal sealed partial class KisOrderTransport : IDisposable
{
    /// <summary>KIS's codes for a refused access token: a new one is issued and the call made once more.</summary>
    private static readonly HashSet<string> TokenRejected = ["EGW00121", "EGW00123"];

    private readonly KisOrderOptions _options;
    private readonly ILogger _logger;
    private readonly RestHttp _http;
    private readonly RestHttp _orderHttp;
    private readonly SocketsHttpHandler? _ownOrderHandler;
    private readonly AccessTokenProvider _tokens;
    private readonly RestRateLimiter _rest;
    private readonly RestRateLimiter _tokenLimit;
    private long _requests;

    /// <summary>Pages read at most for one inquiry, so a server that never ends cannot loop us.</summary>
    private const int MaxPages = 100;

    public KisOrderTransport(KisOrderOptions options, ILogger logger)
    {
        _options = options;
        _logger = logger;
        Clock = new ServerClock(options.TimeProvider);
        _http = new RestHttp(options.HttpHandler, options.TimeProvider, options.RequestTimeout, options.MaxResponseBytes, "KisOrderOptions.HttpHandler");
        // Order calls on a connection each (defence in depth): no HTTP-stack retry of a reused connection can then
        // apply to an order KIS may already have taken. Inquiries reuse connections.
        _ownOrderHandler = options.HttpHandler is null ? NewConnectionPerRequest() : null;
        _orderHttp = new RestHttp(options.HttpHandler ?? _ownOrderHandler, options.TimeProvider, options.RequestTimeout, options.MaxResponseBytes,
            "KisOrderOptions.HttpHandler");
        var restBase = options.EffectiveRestBaseUrl;
        _rest = RestRateLimiter.For("rest", restBase, options.Credential.AppKey, options.EffectiveRequestsPerSecond, options.TimeProvider);
        _tokenLimit = RestRateLimiter.For("token", restBase, options.Credential.AppKey, options.TokenRequestsPerSecond, options.TimeProvider);
        // The token's answer tells the server's time too: the first order call then has a floor to be looked for from.
        _tokens = new AccessTokenProvider(_http, restBase, options.AccessTokenCacheFile, options.TimeProvider, logger, _tokenLimit.WaitAsync,
            Clock.ObserveDate);
    }

    /// <summary>The server's time as its answers tell it (dates, order times) and how fast it moves.</summary>
    public ServerClock Clock { get; }

    /// <summary>Access tokens issued over HTTP (not served from the cache or file).</summary>
    public int AccessTokensIssued => _tokens.IssuedCount;

    /// <summary>REST calls sent (tokens not included).</summary>
    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>The limiter of REST calls per second of the app key.</summary>
    public RestRateLimiter RateLimiter => _rest;

    /// <summary>
    /// One REST call: waits its turn (the rate limit), takes the access token, sends. A refused token is replaced and
    /// the call made once more; a refusal for rate (nothing done) waits and is sent again, at most
    /// <see cref="KisOrderOptions.RateLimitRetries"/> times. Anything else is the caller's to judge.
    /// </summary>
    public async Task<OrderRestAnswer> CallAsync(OrderRestCall call, OrderCallTrace trace, bool order, CancellationToken cancellationToken)
    {
        string? rejected = null;
        var rateRefusals = 0;
        var credential = _options.Credential;
        while (true)
        {
            // The token first: its wait must not spend a slot of the rate limit, which counts until the answer.
            var token = await _tokens.GetAsync(credential, rejected, cancellationToken).ConfigureAwait(false);
            using var request = Build(call, token, credential);
            HttpStatusCode status;
            JsonDocument? body;
            string? trCont;
            DateTimeOffset? serverDate;
            using (await _rest.WaitAsync(cancellationToken).ConfigureAwait(false))
            {
                trace.Attempts++;
                trace.Sending = true;
                // Stamped as it leaves (after the token and the wait for a slot): the server takes it after any answer seen so far.
                trace.Pending?.MarkSent(_options.TimeProvider.GetUtcNow(), Clock.Latest);
                Interlocked.Increment(ref _requests);
                // An order on its way is not cancelled by the caller: its outcome is learned, not abandoned.
                (status, body, trCont, serverDate) = await (order ? _orderHttp : _http).SendAsync(request, call.What, "tr_cont",
                    order ? CancellationToken.None : cancellationToken).ConfigureAwait(false);
                trace.Sending = false;
            }
            if (serverDate is { } date) Clock.ObserveDate(date);
            var root = body?.RootElement ?? default;
            var msgCd = KisOrderWire.Text(root, "msg_cd") ?? KisOrderWire.Text(root, "error_code");
            if (KisOrderWire.Text(root, "rt_cd") != "0" && msgCd is not null)
            {
                if (rejected is null && TokenRejected.Contains(msgCd))
                {
                    LogTokenRejected(_logger, credential.MaskedAppKey, msgCd);
                    rejected = token;
                    body?.Dispose();
                    continue;
                }
                if (msgCd == "EGW00201" && rateRefusals < _options.RateLimitRetries)
                {
                    // Another program shares the app key: KIS refused before doing anything, so sending again is safe.
                    var wait = ExponentialBackoff.Compute(rateRefusals++, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(4), Random.Shared.NextDouble());
                    LogRateRefused(_logger, credential.MaskedAppKey, call.What, wait.TotalSeconds);
                    body?.Dispose();
                    await Task.Delay(wait, _options.TimeProvider, cancellationToken).ConfigureAwait(false);
                    continue;
                }
            }
            return new OrderRestAnswer(status, body, trCont);
        }
    }

    private HttpRequestMessage Build(OrderRestCall call, string token, KisCredential credential)
    {
        var url = new Uri(_options.EffectiveRestBaseUrl, call.Query is null ? call.Path : $"{call.Path}?{call.Query}");
        var request = new HttpRequestMessage(call.Body is null ? HttpMethod.Get : HttpMethod.Post, url);
        if (call.Body is not null)
        {
            request.Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(call.Body, OrderJson.Default.DictionaryStringString));
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        }
        request.Headers.TryAddWithoutValidation("authorization", $"Bearer {token}");
        request.Headers.TryAddWithoutValidation("appkey", credential.AppKey);
        request.Headers.TryAddWithoutValidation("appsecret", credential.AppSecret);
        request.Headers.TryAddWithoutValidation("tr_id", KisOrderWire.TrId(call.TrId, _options.Environment));
        request.Headers.TryAddWithoutValidation("tr_cont", call.Continue ? "N" : "");
        request.Headers.TryAddWithoutValidation("custtype", "P");
        return request;
    }

    /// <summary>An inquiry's pages: KIS says more follow with <c>tr_cont</c> F or M, and where with the ctx_area keys.</summary>
    public async IAsyncEnumerable<JsonDocument> PagesAsync(string path, string trId, string contextSize, Func<string, string, string> query, string what,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string fk = "", nk = "";
        for (var page = 0; page < MaxPages; page++)
        {
            var call = new OrderRestCall(path, trId, query(Uri.EscapeDataString(fk), Uri.EscapeDataString(nk)), null, what, Continue: page > 0);
            var trace = new OrderCallTrace();
            var answer = await CallAsync(call, trace, order: false, cancellationToken).ConfigureAwait(false);
            var body = Checked(answer, what);
            try
            {
                yield return body;
                if (answer.TrCont is not ("F" or "M")) yield break;
                fk = KisOrderWire.Text(body.RootElement, $"ctx_area_fk{contextSize}") ?? "";
                nk = KisOrderWire.Text(body.RootElement, $"ctx_area_nk{contextSize}") ?? "";
                if (nk.Length == 0) yield break;
            }
            finally
            {
                body.Dispose();
            }
        }
        throw new KisRestException($"{what}: more than {MaxPages} pages; not read further.");
    }

    /// <summary>A one-page inquiry's answer (<see cref="Checked"/>).</summary>
    public async Task<JsonDocument> InquireAsync(OrderRestCall call, CancellationToken cancellationToken)
        => Checked(await CallAsync(call, new OrderCallTrace(), order: false, cancellationToken).ConfigureAwait(false), call.What);

    /// <summary>The answer's body when KIS said rt_cd 0; otherwise a <see cref="KisRestException"/> with KIS's code.</summary>
    private JsonDocument Checked(OrderRestAnswer answer, string what)
    {
        if (answer.Body is null) throw new KisRestException($"{what}: HTTP {(int)answer.Status}, the answer is not JSON.", (int)answer.Status);
        var root = answer.Body.RootElement;
        if (KisOrderWire.Text(root, "rt_cd") == "0" && answer.Status == System.Net.HttpStatusCode.OK) return answer.Body;
        var msgCd = KisOrderWire.Text(root, "msg_cd") ?? KisOrderWire.Text(root, "error_code");
        var message = Redact(KisOrderWire.Text(root, "msg1") ?? KisOrderWire.Text(root, "error_description"));
        answer.Body.Dispose();
        throw new KisRestException($"{what}: HTTP {(int)answer.Status}, {msgCd ?? "no msg_cd"} {message}".TrimEnd() + ".", (int)answer.Status, msgCd);
    }

    /// <summary>KIS's text with the credential's secrets taken out (an answer may echo what it was sent).</summary>
    public string Redact(string? text)
        => Protocol.Redaction.ServerText(text, _options.Credential.AppSecret, _options.Credential.AppKey) ?? "";

    /// <summary>Releases the HTTP clients it created (not a handler given in the options).</summary>
    public void Dispose()
    {
        _http.Dispose();
        _orderHttp.Dispose();
        _ownOrderHandler?.Dispose();
    }

    private static SocketsHttpHandler NewConnectionPerRequest()
    {
        var handler = BoundedHttp.CreateHandler();
        handler.PooledConnectionLifetime = TimeSpan.Zero; // never reused
        return handler;
    }

    [LoggerMessage(1132, LogLevel.Warning, "The server refused the access token of app key {AppKey} ({Code}); issuing a new one")]
    private static partial void LogTokenRejected(ILogger logger, string appKey, string code);

    [LoggerMessage(1133, LogLevel.Warning, "KIS refused a call of app key {AppKey} for rate (EGW00201): {What} again in {Seconds:0.#} s")]
    private static partial void LogRateRefused(ILogger logger, string appKey, string what, double seconds);
}

/// <summary>A REST call: path, real tr_id, query (GET) or body (POST), what it does (in errors).</summary>
internal sealed record OrderRestCall(string Path, string TrId, string? Query, Dictionary<string, string>? Body, string What, bool Continue = false);

/// <summary>A REST answer: its status, body and tr_cont.</summary>
internal sealed record OrderRestAnswer(HttpStatusCode Status, JsonDocument? Body, string? TrCont);

/// <summary>What became of a call on its way: its attempts, whether it is being sent now, the order call it is.</summary>
internal sealed class OrderCallTrace
{
    public int Attempts;
    public bool Sending;
    public PendingCall? Pending;
}
