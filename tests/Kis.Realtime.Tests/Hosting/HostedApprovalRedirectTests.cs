using Kis.Realtime.Tests.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Kis.Realtime.Tests.Hosting;

/// <summary>The container's named HttpClient (IHttpClientFactory follows redirects by default) must not either.</summary>
public class HostedApprovalRedirectTests
{
    [Fact]
    public async Task The_containers_http_client_does_not_follow_a_redirect_with_the_secret()
    {
        var elsewhere = 0;
        await using var other = await KestrelPeer.StartAsync(configure: app => app.MapPost("/oauth2/Approval", () =>
        {
            Interlocked.Increment(ref elsewhere);
            return Results.Json(new { approval_key = "stolen-key-0000" });
        }));
        await using var peer = await KestrelPeer.StartAsync(configure: app => app.MapPost("/oauth2/Approval",
            (HttpContext ctx) => { ctx.Response.StatusCode = 307; ctx.Response.Headers.Location = new Uri(other.BaseUrl, "/oauth2/Approval").ToString(); }));
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Kis:AppKey"] = "PShostedAppKey000000000000000000000",
            ["Kis:AppSecret"] = "hosted-secret",
            ["Kis:WebSocketUrl"] = peer.WebSocketUrl.ToString(),
            ["Kis:RestBaseUrl"] = peer.BaseUrl.ToString(),
        }).Build();
        await using var provider = new ServiceCollection().AddLogging().AddKisRealtime(configuration.GetSection("Kis")).BuildServiceProvider();

        var client = provider.GetRequiredService<KisRealtimeClient>();
        // Failed before the handler was configured: the factory's default handler re-posted the request there.
        var e = await Assert.ThrowsAsync<KisApprovalException>(() => client.ConnectAsync().WaitAsync(TimeSpan.FromSeconds(15)));
        Assert.Equal(307, e.HttpStatus);
        Assert.Equal(0, Volatile.Read(ref elsewhere));
    }

    [Fact]
    public async Task A_named_client_reconfigured_to_follow_redirects_is_refused_before_any_request()
    {
        var requests = 0;
        await using var peer = await KestrelPeer.StartAsync(configure: app => app.MapPost("/oauth2/Approval", () =>
        {
            Interlocked.Increment(ref requests);
            return Results.Json(new { approval_key = "never-0000" });
        }));
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Kis:AppKey"] = "PShostedAppKey000000000000000000000",
            ["Kis:AppSecret"] = "hosted-secret",
            ["Kis:WebSocketUrl"] = peer.WebSocketUrl.ToString(),
            ["Kis:RestBaseUrl"] = peer.BaseUrl.ToString(),
        }).Build();
        var services = new ServiceCollection().AddLogging().AddKisRealtime(configuration.GetSection("Kis"));
        // An application's own configuration of the named client, behind a delegating handler of its own.
        services.AddHttpClient(KisRealtimeServiceCollectionExtensions.HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { UseProxy = false })
            .AddHttpMessageHandler(() => new PassThrough());
        await using var provider = services.BuildServiceProvider();

        var e = Assert.Throws<ArgumentException>(() => provider.GetRequiredService<KisRealtimeClient>());
        Assert.Contains("AllowAutoRedirect", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hosted-secret", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, Volatile.Read(ref requests));
    }

    private sealed class PassThrough : DelegatingHandler;
}
