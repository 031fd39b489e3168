using Kis.Realtime.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kis.Realtime.Tests.Rest;

/// <summary>The approval-key request carries the app secret: it must not follow a redirect, nor read an answer without bound.</summary>
public sealed class ApprovalKeyRedirectTests
{
    private static readonly KisCredential Credential = new("PSredirectTestAppKey000000000000000", "approval-secret-that-must-stay-home");

    private static async Task<(WebApplication App, Uri Url)> PeerAsync(RequestDelegate handler)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.Run(handler);
        await app.StartAsync();
        return (app, new Uri(app.Urls.First()));
    }

    [Fact]
    public async Task A_307_to_another_host_is_not_followed_with_the_secret()
    {
        var received = new List<string>();
        var (elsewhere, elsewhereUrl) = await PeerAsync(async ctx =>
        {
            using var reader = new StreamReader(ctx.Request.Body);
            var body = await reader.ReadToEndAsync();
            lock (received) received.Add(body);
            await ctx.Response.WriteAsJsonAsync(new { approval_key = "stolen-approval-key" });
        });
        var (redirecting, redirectingUrl) = await PeerAsync(ctx =>
        {
            ctx.Response.StatusCode = 307; // 307 keeps the method and the body: the secret would go along
            ctx.Response.Headers.Location = new Uri(elsewhereUrl, "/oauth2/Approval").ToString();
            return Task.CompletedTask;
        });
        await using (elsewhere)
        await using (redirecting)
        {
            using var provider = new ApprovalKeyProvider(redirectingUrl, null, TimeProvider.System, NullLogger.Instance);
            var e = await Assert.ThrowsAsync<KisApprovalException>(() => provider.GetAsync(Credential, null, CancellationToken.None).AsTask());
            Assert.Equal(307, e.HttpStatus);
            lock (received) Assert.Empty(received);
            Assert.DoesNotContain(Credential.AppSecret, e.ToString());
        }
    }

    [Fact]
    public async Task An_answer_over_the_limit_is_not_read_whole()
    {
        var (huge, hugeUrl) = await PeerAsync(async ctx =>
        {
            ctx.Response.ContentType = "application/json";
            await ctx.Response.WriteAsync("{\"approval_key\":\"" + new string('k', 3 * 1024 * 1024) + "\"}");
        });
        await using (huge)
        {
            using var provider = new ApprovalKeyProvider(hugeUrl, null, TimeProvider.System, NullLogger.Instance);
            var e = await Assert.ThrowsAsync<KisApprovalException>(() => provider.GetAsync(Credential, null, CancellationToken.None).AsTask());
            Assert.Contains("longer than", e.Message); // "the answer is longer than 64 KiB (not read further)"
        }
    }
}
