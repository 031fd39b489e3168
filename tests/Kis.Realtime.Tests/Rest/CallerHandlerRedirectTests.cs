using Kis.Realtime.Auth;
using Kis.Realtime.Cli.Commands;
using Kis.Realtime.Tests.Client;
using Microsoft.Extensions.Logging.Abstractions;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Rest;

/// <summary>
/// A caller's HTTP handler that follows redirects must never get to send a secret to a redirect's target: approval,
/// token and minute-chart requests are refused before anything is sent, with a typed error that names the problem and
/// not the secret. (Before: the caller's HttpClient re-posted the approval and token requests, secret included, to the
/// 307's target; the library noticed only afterwards, or not at all on the REST path.)
/// </summary>
public sealed class CallerHandlerRedirectTests
{
    private static readonly KisCredential Credential = new("PScallerRedirectAppKey0000000000000", "caller-redirect-secret-Qw7Zr2Lp9Xk4");

    /// <summary>A raw listener answering every request with a 307 to the same path on a second raw listener.</summary>
    private static (RawHttpPeer Redirecting, RawHttpPeer Elsewhere) Peers()
    {
        var elsewhere = new RawHttpPeer(
            _ => "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 30\r\nConnection: close\r\n\r\n{\"approval_key\":\"stolen-0000\"}");
        var redirecting = new RawHttpPeer(request =>
        {
            var path = request.Split(' ', 3)[1];
            return $"HTTP/1.1 307 Temporary Redirect\r\nLocation: {elsewhere.BaseUrl}{path.TrimStart('/')}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        });
        return (redirecting, elsewhere);
    }

    private static KisRealtimeOptions RealtimeOptions(RawHttpPeer peer, HttpMessageHandler handler) => KisRealtimeOptions.Default with
    {
        Credentials = [Credential],
        WebSocketUrl = new Uri($"ws://127.0.0.1:{peer.Port}/"),
        RestBaseUrl = peer.BaseUrl,
        RequestTimeout = TimeSpan.FromSeconds(5),
        LivenessTimeout = null,
        HttpHandler = handler,
    };

    private static void AssertNamesTheProblem(Exception e)
    {
        Assert.Contains("AllowAutoRedirect", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Credential.AppSecret, e.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Approval_through_a_redirect_following_handler_is_refused_before_sending()
    {
        var (redirecting, elsewhere) = Peers();
        await using (elsewhere)
        await using (redirecting)
        {
            using var handler = new SocketsHttpHandler { UseProxy = false }; // AllowAutoRedirect defaults to true
            var e = Assert.Throws<ArgumentException>(() => new KisRealtimeClient(RealtimeOptions(redirecting, handler)));
            AssertNamesTheProblem(e);
            Assert.Contains("KisRealtimeOptions.HttpHandler", e.Message, StringComparison.Ordinal);
            Assert.Empty(redirecting.Requests);
            Assert.Empty(elsewhere.Requests);
        }
    }

    [Fact]
    public async Task A_redirect_following_handler_deep_in_a_delegating_chain_is_refused_too()
    {
        var (redirecting, elsewhere) = Peers();
        await using (elsewhere)
        await using (redirecting)
        {
            using var chain = new PassThrough(new PassThrough(new HttpClientHandler { UseProxy = false }));
            var e = Assert.Throws<ArgumentException>(() => new KisRealtimeClient(RealtimeOptions(redirecting, chain)));
            Assert.Contains(nameof(HttpClientHandler), e.Message, StringComparison.Ordinal);
            AssertNamesTheProblem(e);
            Assert.Empty(elsewhere.Requests);
        }
    }

    [Fact]
    public async Task A_handler_switched_to_follow_redirects_after_the_client_was_created_is_refused_at_send()
    {
        var (redirecting, elsewhere) = Peers();
        await using (elsewhere)
        await using (redirecting)
        {
            using var handler = new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false };
            using var keys = new ApprovalKeyProvider(redirecting.BaseUrl, null, TimeProvider.System, NullLogger.Instance, handler);
            handler.AllowAutoRedirect = true; // allowed until the handler's first request
            var e = await Assert.ThrowsAsync<KisApprovalException>(
                () => keys.GetAsync(Credential, null, CancellationToken.None).AsTask().WaitAsync(TestTimeout));
            AssertNamesTheProblem(e);
            Assert.Empty(redirecting.Requests);
            Assert.Empty(elsewhere.Requests);
        }
    }

    [Fact]
    public async Task A_handler_that_does_not_follow_redirects_is_used_and_the_307_refused()
    {
        var (redirecting, elsewhere) = Peers();
        await using (elsewhere)
        await using (redirecting)
        {
            using var handler = new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false };
            await using var client = new KisRealtimeClient(RealtimeOptions(redirecting, handler));
            var e = await Assert.ThrowsAsync<KisApprovalException>(() => client.ConnectAsync().WaitAsync(TestTimeout));
            Assert.Equal(307, e.HttpStatus);
            Assert.Single(redirecting.Requests); // the caller's handler was the one used
            Assert.Empty(elsewhere.Requests);
        }
    }

    [Fact]
    public async Task Token_and_minute_chart_through_a_redirect_following_handler_are_refused_before_sending()
    {
        var (redirecting, elsewhere) = Peers();
        await using (elsewhere)
        await using (redirecting)
        {
            using var handler = new SocketsHttpHandler { UseProxy = false };
            var e = Assert.Throws<ArgumentException>(
                () => new KisRestClient(new KisRestOptions { Credential = Credential, RestBaseUrl = redirecting.BaseUrl, HttpHandler = handler }));
            AssertNamesTheProblem(e);
            Assert.Contains("KisRestOptions.HttpHandler", e.Message, StringComparison.Ordinal);

            // Flipped after creation: refused at the token request, before it is sent.
            using var later = new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false };
            using var rest = new KisRestClient(new KisRestOptions { Credential = Credential, RestBaseUrl = redirecting.BaseUrl, HttpHandler = later });
            later.AllowAutoRedirect = true;
            var refused = await Assert.ThrowsAsync<KisRestException>(
                () => rest.GetTodayMinuteBarsAsync("005930", until: new TimeOnly(15, 30)).WaitAsync(TestTimeout));
            AssertNamesTheProblem(refused);
            Assert.Empty(redirecting.Requests);
            Assert.Empty(elsewhere.Requests);
        }
    }

    [Fact]
    public async Task The_cli_against_a_redirecting_loopback_rest_url_sends_nothing_elsewhere()
    {
        // ClientHost (stream, record, dashboard …) and BarsSource (REST history) give the library their own handler for a
        // loopback REST URL (no proxy); it followed redirects, so the approval request went on to the 307's target.
        var (redirecting, elsewhere) = Peers();
        await using (elsewhere)
        await using (redirecting)
        {
            var stderr = new StringWriter();
            var connection = new ConnectionArgs
            {
                Subscriptions = ["index:0001"],
                AppKey = Credential.AppKey,
                AppSecret = Credential.AppSecret,
                WebSocketUrl = $"ws://127.0.0.1:{redirecting.Port}/",
                RestUrl = redirecting.BaseUrl.ToString(),
            };
            var exit = await Kis.Realtime.Cli.KisrtApp.GuardAsync(
                () => StreamCommand.RunAsync(connection, new StreamArgs { Format = "jsonl", Count = 1 }, Cli.CliTestKit.Env(), new MemoryStream(), stderr,
                    default),
                stderr).WaitAsync(Cli.CliTestKit.CliTimeout);
            Assert.Equal(3, exit);
            Assert.Contains("307", stderr.ToString(), StringComparison.Ordinal);
            Assert.Single(redirecting.Requests);
            Assert.Empty(elsewhere.Requests);
            Assert.False(ClientHost.LoopbackHandler.AllowAutoRedirect); // also BarsSource's handler
        }
    }

    private sealed class PassThrough(HttpMessageHandler inner) : DelegatingHandler(inner);
}
