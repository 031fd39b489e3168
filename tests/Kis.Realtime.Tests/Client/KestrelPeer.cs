using System.Net.WebSockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Kis.Realtime.Tests.Client;

/// <summary>An independent WebSocket peer: Kestrel's server-side WebSocket on 127.0.0.1, a random port.</summary>
internal sealed class KestrelPeer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private KestrelPeer(WebApplication app, Uri baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
    }

    public Uri BaseUrl { get; }
    public Uri WebSocketUrl => new($"ws://{BaseUrl.Authority}/");

    public static async Task<KestrelPeer> StartAsync(Func<WebSocket, HttpContext, Task>? onWebSocket = null,
        Action<WebApplication>? configure = null, WebSocketAcceptContext? accept = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.UseWebSockets();
        configure?.Invoke(app);
        if (onWebSocket is not null)
        {
            app.Map("/", async (HttpContext context) =>
            {
                if (!context.WebSockets.IsWebSocketRequest)
                {
                    context.Response.StatusCode = 400;
                    return;
                }
                using var ws = accept is null ? await context.WebSockets.AcceptWebSocketAsync() : await context.WebSockets.AcceptWebSocketAsync(accept);
                await onWebSocket(ws, context);
            });
        }
        await app.StartAsync();
        return new KestrelPeer(app, new Uri(app.Urls.First()));
    }

    public async ValueTask DisposeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        await _app.StopAsync(cts.Token);
        await _app.DisposeAsync();
    }
}
