using System.Net;
using System.Text.Json;

namespace Kis.Realtime;

/// <summary>
/// One KIS REST exchange, bounded: the call times out on the injected clock, a redirect is refused (never followed
/// with the secret), the answer is read up to a size limit, and the JSON body is parsed. The errors name the call and
/// KIS's code, never the body (it could carry anything) nor a secret.
/// </summary>
internal sealed class RestHttp : IDisposable
{
    private readonly Auth.SecretHttp _http;
    private readonly TimeProvider _time;
    private readonly TimeSpan _timeout;
    private readonly int _maxBytes;

    public RestHttp(HttpMessageHandler? handler, TimeProvider time, TimeSpan timeout, int maxBytes)
    {
        // Timed per call by _timeout on the injected clock; no redirects: a redirected request would take the secret along.
        _http = new Auth.SecretHttp(handler, "KisRestOptions.HttpHandler");
        _time = time;
        _timeout = timeout;
        _maxBytes = maxBytes;
    }

    /// <summary>Sends <paramref name="request"/> and returns its status and JSON body (null when the body is not JSON).</summary>
    public async Task<(HttpStatusCode Status, JsonDocument? Body)> SendAsync(HttpRequestMessage request, string what, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(_timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            var asked = request.RequestUri;
            using var response = await _http.SendAsync(request, problem => new KisRestException($"{what}: refused before sending: {problem}"), linked.Token).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            if (status is >= 300 and < 400)
                throw new KisRestException($"{what}: the server answered with a redirect (HTTP {status}); redirects are not followed.", status);
            // A custom handler the library cannot inspect may still have followed one: refuse the answer of another address.
            if (response.RequestMessage?.RequestUri is { } answered && answered != asked)
                throw new KisRestException($"{what}: the HttpHandler followed a redirect; give KisRestOptions.HttpHandler a handler that does not follow redirects.", status);
            if (response.Content.Headers.ContentLength > _maxBytes)
                throw new KisRestException($"{what}: the answer ({response.Content.Headers.ContentLength} bytes) is over the {_maxBytes}-byte limit.", status);
            var body = await Auth.BoundedHttp.ReadAsync(response.Content, _maxBytes, linked.Token).ConfigureAwait(false)
                ?? throw new KisRestException($"{what}: the answer is over the {_maxBytes}-byte limit.", status);
            JsonDocument? json = null;
            try
            {
                json = JsonDocument.Parse(body);
            }
            catch (JsonException)
            {
                // Left null: the caller reports "not JSON" with the status, without the body.
            }
            return (response.StatusCode, json);
        }
        catch (HttpRequestException e)
        {
            throw new KisRestException($"{what}: could not reach {request.RequestUri?.GetLeftPart(UriPartial.Authority)}: {e.HttpRequestError}.", inner: e);
        }
        catch (OperationCanceledException e) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new KisRestException($"{what}: no answer within {_timeout.TotalSeconds:0.#} s.", inner: e);
        }
    }

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
