using System.Globalization;
using System.Text;
using Kis.Realtime.Simulator;
using Kis.Realtime.Tests.Simulator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Kis.Realtime.Tests.Rest;

/// <summary>The library's REST client against the simulator and against hostile peers.</summary>
public sealed class KisRestClientTests
{
    private static readonly KisCredential Credential = new(SimulatorOptions.DefaultAppKey, SimulatorOptions.DefaultAppSecret);

    private static StockTrade Decode(string record)
    {
        Assert.True(StockTrade.TryDecode(KisTrs.H0STCNT0, Encoding.UTF8.GetBytes(record), out var t, out var err), $"{err} in {record}");
        return t;
    }

    [Fact]
    public async Task Todays_minute_bars_page_back_30_rows_at_a_time_and_equal_the_bars_of_the_ticks_with_one_token()
    {
        // The market clock held at the open until the subscription stands: at 960x the day closes 24 s of wall time after
        // it starts, and a slow connect on a loaded machine straddled the close.
        var time = new Kis.Realtime.Tests.Bars.HeldMarketTime();
        await using var sim = await Sim.StartAsync(o => o with { ClockSpeed = 960, Pace = MarketPace.PerSecond(400), Seed = 17, TimeProvider = time });
        await using var c = await Sim.ClientAsync(sim);
        await c.SubscribeAsync("H0STCNT0", "005930");
        time.Run();
        using var session = new SessionRecords();
        await session.ReadUntilAsync(c, r => MinuteChartTests.BarsOf(r.Of("H0STCNT0").Select(Decode)).Count >= 66);
        var fromTicks = MinuteChartTests.BarsOf(session.Of("H0STCNT0").Select(Decode))[..^1]; // the last minute may go on
        var until = TimeOnly.ParseExact(fromTicks[^1].Hour, "HHmmss", CultureInfo.InvariantCulture).Add(TimeSpan.FromSeconds(59));

        using var rest = new KisRestClient(new KisRestOptions { Credential = Credential, RestBaseUrl = sim.RestBaseUrl });
        var bars = await rest.GetTodayMinuteBarsAsync("005930", StockVenue.Krx, until);
        // From the minute after the subscription's first: the stock appeared part-way through the day, so its first minute
        // and the ones before also hold what it traded before (the simulator's backfill: ScenarioSeedTests).
        var rows = bars.Select(b => new MinuteChartTests.Bar(b.Time.ToString("HHmm00", CultureInfo.InvariantCulture),
            (long)b.Open, (long)b.High, (long)b.Low, (long)b.Close, b.Volume, b.CumulativeTradeValue)).ToList();
        Assert.Equal(fromTicks.Skip(1), rows.SkipWhile(r => string.CompareOrdinal(r.Hour, fromTicks[0].Hour) <= 0));
        Assert.All(bars, b => Assert.Equal(TimeSpan.FromHours(9), b.Time.Offset));
        Assert.Equal(sim.MarketTime.Date, bars[0].Time.Date);
        Assert.Equal((bars.Count + 29) / 30, rest.Requests);

        // From a minute on: only the minutes from there, fewer pages; the token is still the first one.
        var from = bars[40].Time;
        var tail = await rest.GetTodayMinuteBarsAsync("005930", StockVenue.Krx, until, TimeOnly.FromTimeSpan(from.TimeOfDay));
        Assert.Equal(bars.Skip(40), tail);
        Assert.Equal(1, rest.AccessTokensIssued);
        Assert.Equal(1, sim.Counters.AccessTokensIssued);
    }

    [Fact]
    public async Task The_token_is_cached_in_a_user_only_file_reissued_when_refused_and_not_more_than_once_a_minute()
    {
        await using var sim = await Sim.StartAsync(o => o with { Pace = MarketPace.Off });
        var file = Path.Combine(Path.GetTempPath(), $"kisrt-token-{Guid.NewGuid():N}.json");
        var clock = new ManualTimeProvider(DateTimeOffset.UtcNow);
        try
        {
            var options = new KisRestOptions { Credential = Credential, RestBaseUrl = sim.RestBaseUrl, AccessTokenCacheFile = file, TimeProvider = clock };
            // The chart's content is not the subject (the demo market trades from 09:00 while the test runs): that
            // each read is answered, and by which token, is.
            using (var first = new KisRestClient(options))
                await first.GetTodayMinuteBarsAsync("005930", until: new TimeOnly(15, 30));
            if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
            Assert.Equal(1, sim.Counters.AccessTokensIssued);

            // Another client (a restart) takes the token from the file: no new issue.
            using var second = new KisRestClient(options);
            await second.GetTodayMinuteBarsAsync("005930", until: new TimeOnly(15, 30));
            Assert.Equal(0, second.AccessTokensIssued);

            // The server forgets the token (revoked): the client asks for a new one, but only a minute after the last issue.
            var token = System.Text.Json.JsonDocument.Parse(File.ReadAllText(file)).RootElement[0].GetProperty("AccessToken").GetString()!;
            using (var http = new HttpClient())
            {
                var revoke = $$"""{"appkey":"{{Credential.AppKey}}","appsecret":"{{Credential.AppSecret}}","token":"{{token}}"}""";
                (await http.PostAsync(new Uri(sim.RestBaseUrl, "/oauth2/revokeP"),
                    new StringContent(revoke, Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();
            }
            var reading = second.GetTodayMinuteBarsAsync("005930", until: new TimeOnly(15, 30));
            var issueAt = clock.GetUtcNow() + TimeSpan.FromSeconds(61);
            await Sim.UntilAsync(() => clock.HasTimerDueIn(issueAt - TimeSpan.FromSeconds(2), issueAt));
            Assert.False(reading.IsCompleted);
            clock.Advance(TimeSpan.FromSeconds(61));
            await reading.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(1, second.AccessTokensIssued);
            Assert.Equal(2, sim.Counters.AccessTokensIssued);
            Assert.DoesNotContain(token, File.ReadAllText(file));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Errors_are_typed_and_carry_neither_the_secret_nor_the_token()
    {
        await using var sim = await Sim.StartAsync(o => o with { Pace = MarketPace.Off });
        using var wrong = new KisRestClient(
            new KisRestOptions { Credential = Credential with { AppSecret = "not-the-secret-1234" }, RestBaseUrl = sim.RestBaseUrl });
        var e = await Assert.ThrowsAsync<KisRestException>(() => wrong.GetTodayMinuteBarsAsync("005930", until: new TimeOnly(10, 0)));
        Assert.Equal("EGW00105", e.ErrorCode);
        Assert.Equal(403, e.HttpStatus);
        Assert.DoesNotContain("not-the-secret-1234", e.ToString());
        Assert.Throws<ArgumentException>(() => new KisRestClient(new KisRestOptions { Credential = Credential with { AppSecret = "" } }));
        using var rest = new KisRestClient(new KisRestOptions { Credential = Credential, RestBaseUrl = sim.RestBaseUrl });
        await Assert.ThrowsAsync<ArgumentException>(() => rest.GetTodayMinuteBarsAsync("5930"));
    }

    /// <summary>A hostile REST peer on 127.0.0.1: answers every request with <paramref name="handler"/>.</summary>
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
    public async Task A_redirect_is_not_followed_and_an_oversized_answer_is_not_read()
    {
        var followed = 0;
        var (elsewhere, elsewhereUrl) = await PeerAsync(ctx =>
        {
            Interlocked.Increment(ref followed);
            return Task.CompletedTask;
        });
        var (redirecting, redirectingUrl) = await PeerAsync(ctx =>
        {
            ctx.Response.StatusCode = 307; // a 307 would resend the body, secret included
            ctx.Response.Headers.Location = new Uri(elsewhereUrl, "/oauth2/tokenP").ToString();
            return Task.CompletedTask;
        });
        var (huge, hugeUrl) = await PeerAsync(async ctx =>
        {
            ctx.Response.ContentType = "application/json";
            await ctx.Response.WriteAsync("{\"access_token\":\"" + new string('a', 3 * 1024 * 1024) + "\"}");
        });
        await using (elsewhere)
        await using (redirecting)
        await using (huge)
        {
            using var r = new KisRestClient(new KisRestOptions { Credential = Credential, RestBaseUrl = redirectingUrl });
            var e = await Assert.ThrowsAsync<KisRestException>(() => r.GetTodayMinuteBarsAsync("005930", until: new TimeOnly(10, 0)));
            Assert.Equal(307, e.HttpStatus);
            Assert.Equal(0, followed);

            using var h = new KisRestClient(new KisRestOptions { Credential = Credential, RestBaseUrl = hugeUrl });
            e = await Assert.ThrowsAsync<KisRestException>(() => h.GetTodayMinuteBarsAsync("005930", until: new TimeOnly(10, 0)));
            Assert.Contains("limit", e.Message);
            Assert.DoesNotContain("aaaa", e.Message);
        }
    }
}
