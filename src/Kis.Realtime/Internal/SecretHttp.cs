namespace Kis.Realtime.Internal;

/// <summary>
/// The one way a request carrying a secret (app secret, approval key, access token) is sent: through the library's own
/// <see cref="BoundedHttp.CreateHandler"/> or a caller's handler that cannot follow a redirect. A redirect-following
/// handler is refused when the client is created and again before every send (its flag can still be flipped until its
/// first request), so the secret never reaches a redirect's target. A handler the library cannot inspect (a custom
/// primary handler) is trusted to send each request once; an answer from another address is still refused afterwards.
/// </summary>
internal sealed class SecretHttp : IDisposable
{
    private readonly HttpClient _http;
    private readonly HttpMessageHandler? _callerHandler;
    private readonly string _optionName;

    /// <param name="callerHandler">The caller's handler (not disposed here), or null for the library's own.</param>
    /// <param name="optionName">The option it came from, named in the error (e.g. <c>KisRealtimeOptions.HttpHandler</c>).</param>
    /// <exception cref="ArgumentException">The handler follows redirects.</exception>
    public SecretHttp(HttpMessageHandler? callerHandler, string optionName)
    {
        _optionName = optionName;
        _callerHandler = callerHandler;
        if (callerHandler is not null) EnsureNoRedirects(callerHandler, optionName);
        // Timed by each caller on the injected clock, not by HttpClient's own timeout.
        _http = callerHandler is null
            ? new HttpClient(BoundedHttp.CreateHandler()) { Timeout = Timeout.InfiniteTimeSpan }
            : new HttpClient(callerHandler, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>
    /// Sends <paramref name="request"/> (headers read, body not) unless the caller's handler now follows redirects:
    /// then <paramref name="refuse"/> makes the caller's typed error and nothing is sent.
    /// </summary>
    public Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, Func<string, Exception> refuse, CancellationToken cancellationToken)
    {
        if (_callerHandler is not null && RedirectProblem(_callerHandler, _optionName) is { } problem) throw refuse(problem);
        return _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
    }

    /// <summary>Throws when <paramref name="handler"/> follows redirects (options validation: before any request).</summary>
    /// <exception cref="ArgumentException">It does.</exception>
    internal static void EnsureNoRedirects(HttpMessageHandler handler, string optionName)
    {
        if (RedirectProblem(handler, optionName) is { } problem) throw new ArgumentException(problem, optionName);
    }

    /// <summary>
    /// Why <paramref name="handler"/> may not carry a secret, or null: any handler of its chain (through
    /// <see cref="DelegatingHandler.InnerHandler"/>) that follows redirects. Never names a URL or a secret.
    /// </summary>
    internal static string? RedirectProblem(HttpMessageHandler handler, string optionName)
    {
        // Bounded walk: a chain is a few handlers deep; the bound only guards against a pathological one.
        var current = handler;
        for (var depth = 0; current is not null && depth < 64; depth++)
        {
            var follows = current switch
            {
                SocketsHttpHandler sockets => sockets.AllowAutoRedirect,
                HttpClientHandler client => client.AllowAutoRedirect,
                _ => false,
            };
            if (follows)
            {
                return $"{optionName}: its {current.GetType().Name} follows redirects (AllowAutoRedirect = true), so a redirect " +
                    "would re-send the app secret, approval key or access token to the redirect's target. Set AllowAutoRedirect = false, " +
                    "or leave the option null to use the library's handler.";
            }
            current = (current as DelegatingHandler)?.InnerHandler;
        }
        return null;
    }

    public void Dispose() => _http.Dispose();
}
