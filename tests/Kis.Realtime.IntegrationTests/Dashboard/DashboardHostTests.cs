using Kis.Realtime.Cli.Dashboard;

namespace Kis.Realtime.Tests.Dashboard;

public sealed class DashboardCommandTests
{
    [Fact]
    public async Task A_port_out_of_range_is_a_usage_error()
    {
        var error = new StringWriter();
        Assert.Equal(2, await Kis.Realtime.Cli.KisrtApp.RunAsync(["dashboard", "--port", "70000"], TextWriter.Null, error));
        Assert.Contains("--port must be 0 (any free port) to 65535", error.ToString());
    }
}

public sealed class DashboardHostTests
{
    [Fact]
    public async Task Serves_the_embedded_page_and_stops_with_a_page_still_listening()
    {
        var host = await DashboardHost.StartAsync(new Kis.Realtime.Cli.Commands.ConnectionArgs { SimulatorPace = "50" }, port: 0,
            Kis.Realtime.Tests.Cli.CliTestKit.Env(), TextWriter.Null, CancellationToken.None);
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = host.Url, Timeout = TimeSpan.FromSeconds(30) };
        try
        {
            var page = await http.GetAsync("/");
            Assert.Equal("text/html; charset=utf-8", page.Content.Headers.ContentType?.ToString());
            Assert.Contains("default-src 'none'", page.Headers.GetValues("Content-Security-Policy").Single());
            foreach (var asset in new[] { "uPlot.iife.min.js", "uPlot.min.css", "dashboard.js", "dashboard-orders.js", "dashboard.css", "icon.svg",
                "uPlot-LICENSE.txt" })
                Assert.True((await http.GetAsync($"/assets/{asset}")).IsSuccessStatusCode, asset);
            Assert.Equal(System.Net.HttpStatusCode.NotFound, (await http.GetAsync("/assets/nosuch.js")).StatusCode);
            var refused = await http.PostAsync("/api/subscriptions",
                new StringContent("{\"spec\":\"index:12\"}", System.Text.Encoding.UTF8, "application/json"));
            Assert.Equal(System.Net.HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Contains("not a valid H0UPCNT0 key", await refused.Content.ReadAsStringAsync());

            // Only this page may change subscriptions: not a form from another site, not another host name.
            var form = await http.PostAsync("/api/subscriptions", new StringContent("{\"spec\":\"index:1001\"}", System.Text.Encoding.UTF8, "text/plain"));
            Assert.Equal(System.Net.HttpStatusCode.UnsupportedMediaType, form.StatusCode);
            using var crossSite = new HttpRequestMessage(HttpMethod.Post, "/api/subscriptions")
            {
                Content = new StringContent("{\"spec\":\"index:1001\"}", System.Text.Encoding.UTF8, "application/json"),
            };
            crossSite.Headers.Add("Origin", "http://evil.example");
            Assert.Equal(System.Net.HttpStatusCode.Forbidden, (await http.SendAsync(crossSite)).StatusCode);
            using var rebound = new HttpRequestMessage(HttpMethod.Get, "/");
            rebound.Headers.Host = "evil.example";
            Assert.Equal(System.Net.HttpStatusCode.Forbidden, (await http.SendAsync(rebound)).StatusCode);

            // A page listening: the first events are snapshots of the panels.
            using var events = await http.GetAsync("/events", HttpCompletionOption.ResponseHeadersRead);
            var reader = new StreamReader(await events.Content.ReadAsStreamAsync());
            string? line;
            while ((line = await reader.ReadLineAsync()) is not null && line != "event: health") { }
            Assert.Equal("event: health", line);
            Assert.StartsWith("data: {\"snapshot\":true", await reader.ReadLineAsync());
            Assert.Equal(1, host.Publisher.PageCount);
        }
        finally
        {
            // Stopping ends the open event stream rather than waiting for the page to go away.
            await host.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        }
    }
}
