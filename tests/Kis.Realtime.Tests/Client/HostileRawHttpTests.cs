using System.Text;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Client;

/// <summary>
/// The approval request against raw-socket stand-ins that answer with whatever bytes the test writes: every redirect
/// status HttpClient knows (303 would turn the POST into a GET), a scheme-relative Location, and a server that echoes
/// the request back, head and body, in its error text.
/// </summary>
public sealed class HostileRawHttpTests
{
    private const string AppKey = "PSrawHostileAppKey000000000000000000";
    private const string Secret = "raw-hostile-secret-Yt5cW2nQ8xLr4Kp7Vb1Hs9Dm3Fg6Jz0";

    private static KisRealtimeClient ClientOf(RawHttpPeer peer) => new(KisRealtimeOptions.Default with
    {
        Credentials = [new KisCredential(AppKey, Secret)],
        WebSocketUrl = new Uri($"ws://127.0.0.1:{peer.Port}/"),
        RestBaseUrl = peer.BaseUrl,
        RequestTimeout = TimeSpan.FromSeconds(5),
        LivenessTimeout = null,
    });

    [Theory]
    [InlineData(301, false)]
    [InlineData(302, false)]
    [InlineData(303, false)]
    [InlineData(307, false)]
    [InlineData(308, false)]
    [InlineData(307, true)]
    public async Task No_redirect_is_followed_whatever_its_status_and_the_other_host_never_hears_of_the_request(int status, bool schemeRelative)
    {
        await using var elsewhere = new RawHttpPeer(
            _ => "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 30\r\nConnection: close\r\n\r\n{\"approval_key\":\"stolen-0000\"}");
        var location = schemeRelative ? $"//127.0.0.1:{elsewhere.Port}/oauth2/Approval" : $"{elsewhere.BaseUrl}oauth2/Approval";
        await using var peer = new RawHttpPeer(_ => $"HTTP/1.1 {status} Moved\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");

        await using var client = ClientOf(peer);
        var e = await Assert.ThrowsAsync<KisApprovalException>(() => client.ConnectAsync().WaitAsync(TestTimeout));
        Assert.Equal(status, e.HttpStatus);
        Assert.DoesNotContain(elsewhere.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Message); // the Location is not echoed
        Assert.Contains(peer.Requests, r => r.Contains(Secret, StringComparison.Ordinal)); // the request went to the server asked
        Assert.Empty(elsewhere.Requests);
    }

    [Fact]
    public async Task A_server_echoing_the_whole_request_in_its_error_text_shows_neither_secret_nor_app_key()
    {
        // The request's head and body, as received, inside the JSON error text (escaped as JSON requires).
        await using var peer = new RawHttpPeer(request =>
        {
            var escaped = System.Text.Json.JsonSerializer.Serialize("echo: " + request);
            var body = $"{{\"error_code\":\"EGW00105\",\"error_description\":{escaped}}}";
            return $"HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\nConnection: " +
                $"close\r\n\r\n{body}";
        });
        await using var client = ClientOf(peer);
        var e = await Assert.ThrowsAsync<KisApprovalException>(() => client.ConnectAsync().WaitAsync(TestTimeout));

        Assert.Contains(peer.Requests, r => r.Contains(Secret, StringComparison.Ordinal)); // what was echoed held the secret
        Assert.Equal(403, e.HttpStatus);
        Assert.Equal("EGW00105", e.ErrorCode);
        Assert.DoesNotContain(Secret, e.ToString());
        Assert.DoesNotContain(Secret[..10], e.ToString());
        Assert.DoesNotContain(AppKey, e.ToString());
        Assert.Contains("echo", e.Message); // still says what the server said
    }
}
