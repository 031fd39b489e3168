using System.Net;
using System.Text.Json;

namespace Kis.Realtime.Internal;

/// <summary>
/// One KIS REST exchange that carries a secret (approval key, access token, minute chart), bounded: the call times out
/// on the injected clock, a redirect is refused (never followed with the secret), the answer is read up to a size limit,
/// and the JSON body is parsed. The errors name the call and KIS's code, never the body (it could carry anything) nor a
/// secret; each caller chooses the exception type its users catch.
/// </summary>
internal sealed class RestHttp : IDisposable
{
    /// <summary>Makes the caller's typed error from a message, the HTTP status (when there was an answer) and the cause.</summary>
    public delegate Exception ErrorFactory(string message, int? httpStatus, Exception? inner);

    private static readonly ErrorFactory RestError = (message, status, inner) => new KisRestException(message, status, inner: inner);

    private readonly SecretHttp _http;
    private readonly TimeProvider _time;
    private readonly TimeSpan _timeout;
    private readonly int _maxBytes;
    private readonly string _handlerOption;
    private readonly ErrorFactory _error;

    /// <summary>An exchange through <paramref name="handler"/> (the library's own when null), timed by
    /// <paramref name="timeout"/> on <paramref name="time"/>, reading at most <paramref name="maxBytes"/> of an answer.
    /// <paramref name="handlerOption"/> names the option the handler came from in errors; <paramref name="error"/> makes
    /// the caller's error type (<see cref="KisRestException"/> when null).</summary>
    public RestHttp(HttpMessageHandler? handler, TimeProvider time, TimeSpan timeout, int maxBytes,
        string handlerOption = "KisRestOptions.HttpHandler", ErrorFactory? error = null)
    {
        // Timed per call by _timeout on the injected clock; no redirects: a redirected request would take the secret along.
        _http = new SecretHttp(handler, handlerOption);
        _time = time;
        _timeout = timeout;
        _maxBytes = maxBytes;
        _handlerOption = handlerOption;
        _error = error ?? RestError;
    }

    /// <summary>
    /// POSTs <paramref name="json"/> to <paramref name="url"/> as <c>application/json; charset=utf-8</c> (see
    /// <see cref="SendAsync(HttpRequestMessage, string, CancellationToken)"/>). Serialized up front, so the request carries a Content-Length as KIS's own
    /// clients send it:
    /// <c>JsonContent</c> streams with chunked transfer encoding, which API gateways may refuse.
    /// </summary>
    public async Task<(HttpStatusCode Status, JsonDocument? Body)> PostJsonAsync(Uri url, byte[] json, string what, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(json) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        return await SendAsync(request, what, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends <paramref name="request"/> and returns its status and JSON body (null when the body is not JSON);
    /// <paramref name="what"/> (what the call does, e.g. "Issuing an approval key for app key PS…") starts every error message.</summary>
    public async Task<(HttpStatusCode Status, JsonDocument? Body)> SendAsync(HttpRequestMessage request, string what, CancellationToken cancellationToken)
    {
        var (status, body, _, _) = await SendAsync(request, what, null, cancellationToken).ConfigureAwait(false);
        return (status, body);
    }

    /// <summary>As the overload without a header, also returning the answer's
    /// <paramref name="header"/> (KIS's <c>tr_cont</c>: more pages follow), null when absent, and the answer's HTTP
    /// <c>Date</c> (the server's clock), null when absent.</summary>
    public async Task<(HttpStatusCode Status, JsonDocument? Body, string? Header, DateTimeOffset? Date)> SendAsync(HttpRequestMessage request, string what,
        string? header, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(_timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var asked = request.RequestUri;
        try
        {
            using var response = await _http.SendAsync(request, problem => _error($"{what}: refused before sending: {problem}", null, null),
                linked.Token).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            if (status is >= 300 and < 400)
            {
                // Its Location is not shown: the redirect is never followed, and its target is the server's text.
                throw _error($"{what} failed: {asked} answered HTTP {status} (a redirect); redirects are not followed because the " +
                    "request carries a secret. Check the REST base URL.", status, null);
            }
            // A custom handler the library cannot inspect may still have followed one: refuse the answer of another address.
            if (response.RequestMessage?.RequestUri is { } answered && answered != asked)
                throw _error(
                    $"{what} failed: the HttpHandler followed a redirect away from {asked}; give {_handlerOption} a handler that does not follow redirects.",
                    status, null);
            var body = (response.Content.Headers.ContentLength > _maxBytes ? null
                : await BoundedHttp.ReadAsync(response.Content, _maxBytes, linked.Token).ConfigureAwait(false))
                ?? throw _error($"{what} failed: the answer is longer than {Size(_maxBytes)} (the size limit; not read further).", status, null);
            JsonDocument? json = null;
            try
            {
                json = JsonDocument.Parse(body);
            }
            catch (JsonException)
            {
                // Left null: the caller reports "not JSON" with the status, without the body.
            }
            var headerValue = header is not null && response.Headers.TryGetValues(header, out var values) ? values.FirstOrDefault() : null;
            return (response.StatusCode, json, headerValue, response.Headers.Date);
        }
        catch (HttpRequestException e)
        {
            // The handler's message names the host and the socket error; it never carries the request body.
            throw _error($"{what} failed: could not reach {asked?.GetLeftPart(UriPartial.Authority)}: {e.HttpRequestError}.", null, e);
        }
        catch (OperationCanceledException e) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw _error($"{what} failed: {asked} did not answer within {_timeout.TotalSeconds:0.#} s.", null, e);
        }
    }

    private static string Size(int bytes) => bytes % 1024 == 0 ? $"{bytes / 1024} KiB" : $"{bytes:N0} bytes";

    /// <summary>A string property of a JSON object, or null.</summary>
    public static string? Text(JsonElement e, string name)
        => e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) ? v.ValueKind switch
        {
            JsonValueKind.String => v.GetString(),
            JsonValueKind.Number => v.GetRawText(),
            _ => null,
        } : null;

    public void Dispose() => _http.Dispose();
}
