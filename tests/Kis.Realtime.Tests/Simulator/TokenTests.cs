using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using Kis.Realtime.Simulator;
using Microsoft.Extensions.Logging;

namespace Kis.Realtime.Tests.Simulator;

/// <summary>The REST side as KIS's samples use it: access token, revoke, forgiving paths.</summary>
public sealed class TokenTests
{
    private static readonly string TokenBody =
        $$"""{"grant_type":"client_credentials","appkey":"{{SimulatorOptions.DefaultAppKey}}","appsecret":"{{SimulatorOptions.DefaultAppSecret}}"}""";

    /// <summary>Posts to base + path by string concatenation, exactly as KIS's samples build URLs.</summary>
    private static async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(KisSimulator sim, string path, string json)
    {
        using var handler = new HttpClientHandler { UseProxy = false };
        using var http = new HttpClient(handler);
        using var response = await http.PostAsync(KisSimulator.Display(sim.RestBaseUrl) + path, new StringContent(json, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }

    [Fact]
    public async Task TokenP_issues_a_bearer_token_with_KIS_shape_and_KST_expiry()
    {
        // 2026-11-21 00:30 UTC = 09:30 KST; expiry 24 h later in KST.
        var clock = new ManualTimeProvider(new DateTimeOffset(2026, 11, 21, 0, 30, 0, TimeSpan.Zero));
        await using var sim = await Sim.StartAsync(o => o with { TimeProvider = clock, Pace = MarketPace.Off });
        var (status, body) = await PostAsync(sim, "/oauth2/tokenP", TokenBody);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("Bearer", body.GetProperty("token_type").GetString());
        Assert.Equal(86400, body.GetProperty("expires_in").GetInt64());
        Assert.Equal("2026-11-22 09:30:00", body.GetProperty("access_token_token_expired").GetString());
        var token = body.GetProperty("access_token").GetString()!;
        Assert.Matches(@"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$", token); // JWT-shaped, as KIS's
        Assert.DoesNotContain(SimulatorOptions.DefaultAppKey, Encoding.UTF8.GetString(Convert.FromBase64String(Pad(token.Split('.')[1]))));
        Assert.Equal(1, sim.Counters.AccessTokensIssued);
    }

    private static string Pad(string b64Url)
    {
        var s = b64Url.Replace('-', '+').Replace('_', '/');
        return s + new string('=', (4 - s.Length % 4) % 4);
    }

    [Fact]
    public async Task A_token_asked_again_within_six_hours_is_the_same_and_a_new_one_after()
    {
        var clock = new ManualTimeProvider(new DateTimeOffset(2026, 11, 21, 0, 30, 0, TimeSpan.Zero));
        await using var sim = await Sim.StartAsync(o => o with { TimeProvider = clock, Pace = MarketPace.Off });
        var first = (await PostAsync(sim, "/oauth2/tokenP", TokenBody)).Body;
        clock.Advance(TimeSpan.FromHours(5));
        var again = (await PostAsync(sim, "/oauth2/tokenP", TokenBody)).Body;
        Assert.Equal(first.GetProperty("access_token").GetString(), again.GetProperty("access_token").GetString());
        Assert.Equal(first.GetProperty("access_token_token_expired").GetString(), again.GetProperty("access_token_token_expired").GetString());
        Assert.Equal(19 * 3600, again.GetProperty("expires_in").GetInt64());
        clock.Advance(TimeSpan.FromHours(1));
        var later = (await PostAsync(sim, "/oauth2/tokenP", TokenBody)).Body;
        Assert.NotEqual(first.GetProperty("access_token").GetString(), later.GetProperty("access_token").GetString());
        Assert.Equal("2026-11-22 15:30:00", later.GetProperty("access_token_token_expired").GetString());
    }

    [Theory]
    [InlineData("""{"grant_type":"client_credentials","appkey":"PSsimKisRealtimeDefaultAppKey0000000","secretkey":"simulator-default-app-secret-not-a-real-""" +
        """secret"}""", HttpStatusCode.BadRequest, "EGW00104")]
    [InlineData("""{"grant_type":"client_credentials","appkey":"PSsimKisRealtimeDefaultAppKey0000000","appsecret":"wrong"}""", HttpStatusCode.Forbidden,
        "EGW00105")]
    [InlineData("""{"grant_type":"client_credentials","appkey":"nobody","appsecret":"x"}""", HttpStatusCode.Forbidden, "EGW00103")]
    [InlineData("""{"appkey":"PSsimKisRealtimeDefaultAppKey0000000","appsecret":"simulator-default-app-secret-not-a-real-secret"}""", HttpStatusCode.BadRequest,
        "EGW00101")]
    [InlineData("{", HttpStatusCode.BadRequest, "EGW00002")]
    public async Task TokenP_takes_appsecret_and_refuses_bad_requests_with_KIS_errors(string json, HttpStatusCode expected, string code)
    {
        await using var sim = await Sim.StartAsync(o => o with { Pace = MarketPace.Off });
        var (status, body) = await PostAsync(sim, "/oauth2/tokenP", json);
        Assert.Equal(expected, status);
        Assert.Equal(code, body.GetProperty("error_code").GetString());
        Assert.Equal(1, sim.Counters.AccessTokenRequestsRejected);
        Assert.Equal(0, sim.Counters.AccessTokensIssued);
    }

    [Fact]
    public async Task RevokeP_revokes_a_token_once()
    {
        await using var sim = await Sim.StartAsync(o => o with { Pace = MarketPace.Off });
        var token = (await PostAsync(sim, "/oauth2/tokenP", TokenBody)).Body.GetProperty("access_token").GetString();
        var revoke = $$"""{"appkey":"{{SimulatorOptions.DefaultAppKey}}","appsecret":"{{SimulatorOptions.DefaultAppSecret}}","token":"{{token}}"}""";
        var (status, body) = await PostAsync(sim, "/oauth2/revokeP", revoke);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(200, body.GetProperty("code").GetInt32());
        (status, body) = await PostAsync(sim, "/oauth2/revokeP", revoke);
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal("EGW00121", body.GetProperty("error_code").GetString());
        // A revoked token is not handed out again: the next tokenP issues a new one.
        var next = (await PostAsync(sim, "/oauth2/tokenP", TokenBody)).Body.GetProperty("access_token").GetString();
        Assert.NotEqual(token, next);
    }

    [Theory]
    [InlineData("//oauth2/tokenP")]
    [InlineData("/oauth2//tokenP/")]
    public async Task Duplicate_and_trailing_slashes_are_tolerated(string path)
    {
        await using var sim = await Sim.StartAsync(o => o with { Pace = MarketPace.Off });
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(sim, path, TokenBody)).Status);
        var approval = $$"""{"grant_type":"client_credentials","appkey":"{{SimulatorOptions.DefaultAppKey}}","secretke""" +
            $$"""y":"{{SimulatorOptions.DefaultAppSecret}}"}""";
        var (status, body) = await PostAsync(sim, "//oauth2/Approval", approval);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(body.TryGetProperty("approval_key", out _));
    }

    [Fact]
    public void Printed_urls_have_no_trailing_slash()
    {
        Assert.Equal("ws://127.0.0.1:21000", KisSimulator.Display(new Uri("ws://127.0.0.1:21000/")));
        Assert.Equal("http://127.0.0.1:9443", KisSimulator.Display(new Uri("http://127.0.0.1:9443")));
    }

    [Fact]
    public async Task Tokens_and_secrets_never_reach_the_log_or_status()
    {
        var logs = new ConcurrentQueue<string>();
        using var factory = LoggerFactory.Create(b => b.AddProvider(new SinkLoggerProvider(logs)).SetMinimumLevel(LogLevel.Trace));
        await using var sim = await Sim.StartAsync(o => o with { LoggerFactory = factory, Pace = MarketPace.Off });
        var token = (await PostAsync(sim, "/oauth2/tokenP", TokenBody)).Body.GetProperty("access_token").GetString()!;
        await PostAsync(sim, "/oauth2/tokenP", TokenBody.Replace(SimulatorOptions.DefaultAppSecret, "wrong-secret-value"));
        await PostAsync(sim, "/oauth2/revokeP",
            $$"""{"appkey":"{{SimulatorOptions.DefaultAppKey}}","appsecret":"{{SimulatorOptions.DefaultAppSecret}}","token":"{{token}}"}""");
        using var http = new HttpClient { BaseAddress = sim.RestBaseUrl };
        var status = await http.GetStringAsync("/sim/status");
        Assert.Contains(logs, l => l.Contains("Access token issued"));
        foreach (var text in logs.Append(status))
        {
            Assert.DoesNotContain(token, text);
            Assert.DoesNotContain(token.Split('.')[2], text);
            Assert.DoesNotContain(SimulatorOptions.DefaultAppSecret, text);
            Assert.DoesNotContain("wrong-secret-value", text);
            Assert.DoesNotContain(SimulatorOptions.DefaultAppKey, text);
        }
        var root = JsonDocument.Parse(status).RootElement;
        Assert.Equal(KisSimulator.Display(sim.WebSocketUrl), root.GetProperty("webSocketUrl").GetString());
        Assert.False(root.GetProperty("restBaseUrl").GetString()!.EndsWith('/'));
    }

    private sealed class SinkLoggerProvider(ConcurrentQueue<string> sink) : ILoggerProvider, ILogger
    {
        public ILogger CreateLogger(string categoryName) => this;
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            => sink.Enqueue(formatter(state, exception) + exception);
        public void Dispose() { }
    }
}
