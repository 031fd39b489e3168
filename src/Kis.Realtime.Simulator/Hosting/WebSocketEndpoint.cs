using Kis.Realtime.Simulator.Internal;
using Kis.Realtime.Simulator.WebSockets;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Kis.Realtime.Simulator.Hosting;

/// <summary>
/// Accepts WebSocket upgrades on any path: KIS ignores it (its samples use the bare host, <c>/tryitout</c> and
/// <c>/tryitout/&lt;TR&gt;</c>, and a base URL ending in <c>/</c> gives <c>//tryitout</c>).
/// </summary>
internal static class WebSocketEndpoint
{
    public static async Task HandleAsync(HttpContext context, SimulatorHub hub)
    {
        var upgrade = context.Features.Get<IHttpUpgradeFeature>();
        var headers = context.Request.Headers;
        var key = headers["Sec-WebSocket-Key"].ToString();
        if (upgrade is null || !upgrade.IsUpgradableRequest || !HttpMethods.IsGet(context.Request.Method)
            || !headers.Upgrade.ToString().Contains("websocket", StringComparison.OrdinalIgnoreCase) || string.IsNullOrEmpty(key))
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            context.Response.ContentType = "text/plain";
            await context.Response.WriteAsync("KIS real-time simulator: connect with a WebSocket client.").ConfigureAwait(false);
            return;
        }
        if (headers["Sec-WebSocket-Version"].ToString() != "13")
        {
            context.Response.StatusCode = StatusCodes.Status426UpgradeRequired;
            context.Response.Headers["Sec-WebSocket-Version"] = "13";
            return;
        }

        context.Response.Headers.Connection = "Upgrade";
        context.Response.Headers.Upgrade = "websocket";
        context.Response.Headers["Sec-WebSocket-Accept"] = WebSocketFraming.AcceptKey(key);
        var stream = await upgrade.UpgradeAsync().ConfigureAwait(false);

        var session = new SimSession(hub, context, stream, hub.NextSessionId());
        hub.Add(session);
        Interlocked.Increment(ref hub.Counters._sessionsAccepted);
        Log.SessionConnected(hub.Logger, session.Id, session.Path);
        try
        {
            await session.RunAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Log.SessionFailed(hub.Logger, session.Id, ex);
        }
        finally
        {
            // The app key's one-session slot is released however the session ended (close, abort, ping timeout).
            hub.Remove(session);
        }
    }
}
