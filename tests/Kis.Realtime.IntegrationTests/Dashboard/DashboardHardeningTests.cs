using System.Net;
using System.Text;
using Kis.Realtime.Cli.Dashboard;

namespace Kis.Realtime.Tests.Dashboard;

/// <summary>The dashboard's HTTP side as a hostile page or client would try it: framing, huge bodies, echoed input.</summary>
public sealed class DashboardHardeningTests
{
    private static void AssertNotFramable(HttpResponseMessage response, string what)
    {
        Assert.True(response.Headers.TryGetValues("X-Frame-Options", out var frame), $"{what}: no X-Frame-Options");
        Assert.Equal("DENY", Assert.Single(frame));
        Assert.True(response.Headers.TryGetValues("Content-Security-Policy", out var csp), $"{what}: no Content-Security-Policy");
        Assert.Contains("frame-ancestors 'none'", Assert.Single(csp));
    }

    /// <summary>
    /// Posts the head of a 10 MB spec (64 KiB of it) and reads the answer, which must come without the rest: the status and
    /// the whole reply (head and body) as text, read up to 1 MB.
    /// </summary>
    private static async Task<(int Status, string Reply)> PostHugeSpecAsync(Uri url, bool chunked)
    {
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(url.Host, url.Port);
        var stream = tcp.GetStream();
        var head = $"POST /api/subscriptions HTTP/1.1\r\nHost: {url.Authority}\r\nContent-Type: application/json\r\n" +
                   (chunked ? "Transfer-Encoding: chunked\r\n" : $"Content-Length: {10 << 20}\r\n") + "\r\n";
        var body = Encoding.ASCII.GetBytes("{\"spec\":\"index:" + new string('9', 64 << 10));
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        if (chunked) await stream.WriteAsync(Encoding.ASCII.GetBytes($"{body.Length:X}\r\n"));
        try
        {
            await stream.WriteAsync(body);
            if (chunked) await stream.WriteAsync("\r\n"u8.ToArray());
        }
        catch (IOException)
        {
            // the server may already have answered and closed
        }
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var reply = new MemoryStream();
        var buffer = new byte[8192];
        try
        {
            while (reply.Length < (1 << 20))
            {
                var n = await stream.ReadAsync(buffer, timeout.Token);
                if (n == 0) break;
                reply.Write(buffer, 0, n);
                var text = Encoding.UTF8.GetString(reply.ToArray());
                var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
                // The answer is complete once its declared length is there (the connection may stay open).
                var length = System.Text.RegularExpressions.Regex.Match(text, "Content-Length: (\\d+)", System.Text.RegularExpressions.RegexOptions.IgnoreCase);
                if (end >= 0 && length.Success && Encoding.UTF8.GetByteCount(text[(end + 4)..]) >= int.Parse(length.Groups[1].Value)) break;
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException)
        {
            // a reset after the answer, or an answer without a length that is not followed by a close
        }
        var all = Encoding.UTF8.GetString(reply.ToArray());
        Assert.StartsWith("HTTP/1.1 ", all);
        return (int.Parse(all[9..12]), all);
    }

    [Fact]
    public async Task Every_response_forbids_framing_and_request_bodies_are_bounded_and_never_echoed()
    {
        var host = await DashboardHost.StartAsync(new Kis.Realtime.Cli.Commands.ConnectionArgs { SimulatorPace = "50" }, port: 0,
            Kis.Realtime.Tests.Cli.CliTestKit.Env(), TextWriter.Null, CancellationToken.None);
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = host.Url, Timeout = TimeSpan.FromSeconds(30) };
        try
        {
            // Failed before: only the page and assets had a CSP, without frame-ancestors; no X-Frame-Options anywhere.
            AssertNotFramable(await http.GetAsync("/"), "page");
            AssertNotFramable(await http.GetAsync("/assets/dashboard.js"), "asset");
            AssertNotFramable(await http.GetAsync("/assets/nosuch.js"), "404");
            AssertNotFramable(await http.DeleteAsync("/api/subscriptions/999"), "DELETE");
            using (var rebound = new HttpRequestMessage(HttpMethod.Get, "/"))
            {
                rebound.Headers.Host = "evil.example";
                var refused = await http.SendAsync(rebound);
                Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
                AssertNotFramable(refused, "403");
            }
            using (var events = await http.GetAsync("/events", HttpCompletionOption.ResponseHeadersRead))
                AssertNotFramable(events, "events");

            // A 10 MB spec, declared and chunked: refused after its first bytes (413), the reply short and without the spec.
            // (Raw socket: the server answers and closes before the body is sent, which HttpClient reports as a broken pipe.)
            foreach (var chunked in new[] { false, true })
            {
                var (status, reply) = await PostHugeSpecAsync(host.Url, chunked);
                Assert.True(status is 413 or 400, $"chunked {chunked}: HTTP {status}");
                Assert.True(reply.Length < 2000, $"a {reply.Length}-character reply"); // failed before: a 20 MB error reply
                Assert.DoesNotContain(new string('9', 100), reply);
                Assert.Contains("X-Frame-Options: DENY", reply);
            }

            // Within the body limit but no spec: refused without being echoed whole.
            var long3k = "index:" + new string('7', 3000);
            var tooLong = await http.PostAsync("/api/subscriptions", new StringContent("{\"spec\":\"" + long3k + "\"}", Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
            var tooLongText = await tooLong.Content.ReadAsStringAsync();
            Assert.DoesNotContain(new string('7', 200), tooLongText);
            Assert.Contains("at most", tooLongText);
        }
        finally
        {
            await host.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        }
    }
}
