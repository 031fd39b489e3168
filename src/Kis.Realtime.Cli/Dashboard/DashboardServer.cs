using System.Net;
using System.Text.Json;
using Kis.Realtime.Cli.Configuration;
using Kis.Realtime.Cli.Output;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Kis.Realtime.Cli.Dashboard;

/// <summary>
/// The page's HTTP side on 127.0.0.1 (Kestrel): the embedded page and assets, <c>GET /events</c> (server-sent events
/// from <see cref="DashboardPublisher"/>), and <c>POST /api/subscriptions</c> (body <c>{"spec":"TR:KEY"}</c>) /
/// <c>DELETE /api/subscriptions/{id}</c> to choose subscriptions on the page.
/// </summary>
internal static class DashboardServer
{
    // Everything from this origin only: the page must work, and be seen to work, with no internet.
    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors " +
        "'none'";

    /// <summary>The largest request body read (a subscription spec is a few dozen bytes); larger: 413.</summary>
    internal const int MaxRequestBodyBytes = 4096;

    /// <summary>The longest spec considered; a longer one is refused without being parsed or echoed.</summary>
    internal const int MaxSpecLength = 100;

    public static async Task<(WebApplication App, Uri Url)> StartAsync(int port, DashboardPublisher publisher,
        DashboardSubscriptions subscriptions, ScreenshotHolds holds, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(DashboardServer).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
            Args = [],
        });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, port); // loopback only: the page can change subscriptions
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = MaxRequestBodyBytes; // a 10 MB spec is refused while it arrives, never buffered
        });
        var app = builder.Build();
        // Only this page may change subscriptions: a request naming another site (Host: DNS rebinding; Origin: a
        // cross-site form or fetch) is refused. JSON bodies also make a browser ask first (CORS preflight), which we never allow.
        app.Use(async (ctx, next) =>
        {
            // No other site may frame the page (clickjacking its subscription buttons): on every response, refusals included.
            ctx.Response.Headers.ContentSecurityPolicy = "frame-ancestors 'none'";
            ctx.Response.Headers.XFrameOptions = "DENY";
            var host = ctx.Request.Host.Host;
            var origin = ctx.Request.Headers.Origin.ToString();
            var localHost = host is "127.0.0.1" or "localhost";
            var sameOrigin = origin.Length == 0 || origin == $"http://{ctx.Request.Host}";
            if (!localHost || !sameOrigin)
            {
                ctx.Response.StatusCode = StatusCodes.Status403Forbidden;
                return;
            }
            await next(ctx);
        });

        // RequestDelegate handlers throughout: no reflection over a delegate's parameters (Native AOT), nothing generated.
        app.MapGet("/", ctx => Serve(ctx, "index.html").ExecuteAsync(ctx));
        app.MapGet("/assets/{name}", ctx => Serve(ctx, ctx.Request.RouteValues["name"] as string ?? "").ExecuteAsync(ctx));
        app.MapGet("/events", ctx => StreamEventsAsync(ctx, publisher));
        app.MapPost("/api/subscriptions", async ctx => await (await SubscribeAsync(ctx, subscriptions)).ExecuteAsync(ctx));
        app.MapGet("/screenshot-hold/{id}", ctx => HoldForScreenshotAsync(ctx, holds));
        app.MapPost("/screenshot-hold/{id}", ctx =>
        {
            var id = ctx.Request.RouteValues["id"] as string;
            ctx.Response.StatusCode = !ScreenshotHolds.IsValidId(id) ? 400 : holds.Release(id!) ? 204 : 404;
            return Task.CompletedTask;
        });
        app.MapDelete("/api/subscriptions/{id:int}", async ctx =>
        {
            var id = int.Parse((string)ctx.Request.RouteValues["id"]!, System.Globalization.CultureInfo.InvariantCulture); // {id:int} matched
            await (await subscriptions.RemoveAsync(id) ? Results.NoContent() : Results.NotFound()).ExecuteAsync(ctx);
        });

        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var url = new Uri($"http://127.0.0.1:{new Uri(address).Port}/");
        return (app, url);
    }

    /// <summary>The image a <c>?screenshot</c> page holds its load event on (<see cref="ScreenshotHolds"/>).</summary>
    private static async Task HoldForScreenshotAsync(HttpContext ctx, ScreenshotHolds holds)
    {
        var id = ctx.Request.RouteValues["id"] as string;
        if (!ScreenshotHolds.IsValidId(id))
        {
            ctx.Response.StatusCode = 400;
            return;
        }
        try
        {
            if (!await holds.HoldAsync(id!, ctx.RequestAborted))
            {
                ctx.Response.StatusCode = 429;
                return;
            }
        }
        catch (OperationCanceledException) when (ctx.RequestAborted.IsCancellationRequested)
        {
            return; // the page went
        }
        ctx.Response.ContentType = "image/gif";
        ctx.Response.Headers.CacheControl = "no-store";
        await ctx.Response.Body.WriteAsync(ScreenshotHolds.Pixel.ToArray(), ctx.RequestAborted);
    }

    private static async Task<IResult> SubscribeAsync(HttpContext ctx, DashboardSubscriptions subscriptions)
    {
        if (!ctx.Request.HasJsonContentType())
            return Results.Json(new Dictionary<string, string> { ["error"] = "send Content-Type: application/json" }, CliJson.Web.DictionaryStringString,
                statusCode: 415);
        string? text;
        try
        {
            using var body = await JsonDocument.ParseAsync(ctx.Request.Body, cancellationToken: ctx.RequestAborted);
            text = body.RootElement.TryGetProperty("spec", out var spec) && spec.ValueKind == JsonValueKind.String ? spec.GetString() : null;
        }
        catch (JsonException)
        {
            text = null;
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return Results.Json(new Dictionary<string, string> { ["error"] = $"the request is larger than {MaxRequestBodyBytes} bytes" },
                CliJson.Web.DictionaryStringString, statusCode: 413);
        }
        if (text is { Length: > MaxSpecLength })
            return Results.Json(new Dictionary<string, string> { ["error"] = $"a subscription spec is at most {MaxSpecLength} characters (TR:KEY)" },
                CliJson.Web.DictionaryStringString, statusCode: 400);
        if (string.IsNullOrWhiteSpace(text))
            return Results.Json(new Dictionary<string, string> { ["error"] = "send {\"spec\":\"TR:KEY\"}, e.g. {\"spec\":\"index:1001\"}" },
                CliJson.Web.DictionaryStringString, statusCode: 400);
        try
        {
            var spec = subscriptions.Add(text);
            return Results.Json(new Dictionary<string, string> { ["spec"] = spec.ToString() }, CliJson.Web.DictionaryStringString);
        }
        catch (CliUsageException e)
        {
            return Results.Json(new Dictionary<string, string> { ["error"] = e.Message }, CliJson.Web.DictionaryStringString, statusCode: 400);
        }
    }

    private static IResult Serve(HttpContext ctx, string name)
    {
        if (!DashboardAssets.All.TryGetValue(name, out var asset)) return Results.NotFound();
        ctx.Response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        ctx.Response.Headers.XContentTypeOptions = "nosniff";
        ctx.Response.Headers.CacheControl = "no-cache";
        return Results.Bytes(asset.Content, asset.ContentType);
    }

    private static async Task StreamEventsAsync(HttpContext ctx, DashboardPublisher publisher)
    {
        ctx.Response.Headers.ContentType = "text/event-stream";
        ctx.Response.Headers.CacheControl = "no-cache";
        var page = publisher.Open();
        try
        {
            // Tell EventSource to come back quickly after the publisher drops a page that fell behind.
            await ctx.Response.WriteAsync("retry: 1000\n\n", ctx.RequestAborted);
            await ctx.Response.Body.FlushAsync(ctx.RequestAborted);
            var events = page.Events;
            while (await events.WaitToReadAsync(ctx.RequestAborted))
            {
                while (events.TryRead(out var e)) await ctx.Response.Body.WriteAsync(e, ctx.RequestAborted);
                await ctx.Response.Body.FlushAsync(ctx.RequestAborted);
            }
        }
        catch (OperationCanceledException) when (ctx.RequestAborted.IsCancellationRequested)
        {
            // The page went away.
        }
        catch (IOException)
        {
            // The connection broke mid-write.
        }
        finally
        {
            publisher.Close(page);
        }
    }
}
