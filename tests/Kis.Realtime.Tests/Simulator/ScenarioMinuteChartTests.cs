using Kis.Realtime.Simulator;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Simulator;

/// <summary>
/// Issue 46 item 7: the simulator's REST minute chart (주식당일분봉조회) answers in a scenario
/// (<see cref="SimulatorOptions.MarketStart"/>) as on the demo clock, so seeding bars can be tried there.
/// </summary>
public sealed class ScenarioMinuteChartTests
{
    [Fact]
    public async Task In_a_scenario_the_REST_minute_chart_holds_the_minutes_traded()
    {
        // Monday 2026-11-23 from 09:00 KST, a market minute a real second.
        var start = new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.FromHours(9));
        await using var sim = await KisSimulator.StartAsync(SimulatorOptions.Default with
        {
            MarketStart = start, ClockSpeed = 60, Pace = MarketPace.PerSecond(50), Seed = 5,
        });
        var minutes = new Dictionary<DateTimeOffset, long>();
        await using (var client = new KisRealtimeClient(Options(sim)))
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await foreach (var t in client.SubscribeStockTradesAsync("005930", cancellationToken: timeout.Token))
            {
                var minute = new DateTimeOffset(t.BusinessDate!.Value.ToDateTime(new TimeOnly(t.Time.Hour, t.Time.Minute)), TimeSpan.FromHours(9));
                minutes[minute] = minutes.GetValueOrDefault(minute) + t.Volume;
                if (minutes.Count > 3) break;
            }
        }
        using var rest = new KisRestClient(new KisRestOptions
        {
            Credential = new KisCredential(SimulatorOptions.DefaultAppKey, SimulatorOptions.DefaultAppSecret), RestBaseUrl = sim.RestBaseUrl,
        });
        var rows = await rest.GetTodayMinuteBarsAsync("005930", StockVenue.Krx, until: new TimeOnly(23, 59, 59));
        Assert.NotEmpty(rows);
        Assert.All(rows, r => Assert.Equal(new DateOnly(2026, 11, 23), DateOnly.FromDateTime(r.Time.DateTime)));
        // Every minute the subscription saw whole (not its first, joined late, nor its last) is a row of at least that volume
        // (the chart holds every trade of the minute; the subscription may have missed some before it began).
        foreach (var (minute, volume) in minutes.OrderBy(m => m.Key).Skip(1).SkipLast(1))
        {
            var row = Assert.Single(rows, r => r.Time == minute);
            Assert.Equal(volume, row.Volume);
        }
    }

    [Theory]
    [InlineData(2026, 12, 25)] // Christmas: KRX and NXT closed
    [InlineData(2026, 10, 9)]  // Hangul Day
    public async Task On_a_closed_day_the_REST_minute_chart_holds_no_backfilled_minute(int year, int month, int day)
    {
        // Issue 57 item 7: a stock first asked for at 10:00 on a holiday had traded nothing that day.
        var start = new DateTimeOffset(year, month, day, 10, 0, 0, TimeSpan.FromHours(9));
        await using var sim = await KisSimulator.StartAsync(SimulatorOptions.Default with
        {
            MarketStart = start, ClockSpeed = 60, Pace = MarketPace.PerSecond(50), Seed = 5,
        });
        using var rest = new KisRestClient(new KisRestOptions
        {
            Credential = new KisCredential(SimulatorOptions.DefaultAppKey, SimulatorOptions.DefaultAppSecret), RestBaseUrl = sim.RestBaseUrl,
        });
        foreach (var venue in new[] { StockVenue.Krx, StockVenue.Nxt, StockVenue.Unified })
            Assert.Empty(await rest.GetTodayMinuteBarsAsync("005930", venue, until: new TimeOnly(23, 59, 59)));
    }
}
