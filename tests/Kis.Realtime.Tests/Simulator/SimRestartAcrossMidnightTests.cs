using System.Globalization;
using System.Text.Json;
using Kis.Realtime.Simulator;
using Kis.Realtime.Tests.Client;
using static Kis.Realtime.Tests.Simulator.PaperVenueTests;

namespace Kis.Realtime.Tests.Simulator;

/// <summary>
/// <c>SimKillTests</c> restarts <c>kisrt sim</c> on one state file and lists the account's orders with inquire-daily-ccld
/// after each start, asking for no date; a run across KST midnight (15:00 UTC) restarts on the next day. The listing must
/// not depend on which day the restart falls: the simulator lists every order the account has (it reads no
/// INQR_STRT_DT/INQR_END_DT), each with the market date it was placed on (<c>ord_dt</c>), so yesterday's orders are not
/// lost by a restart after midnight. Driven by a fake clock over the boundary, on the demo clock <c>kisrt sim</c> runs.
/// </summary>
public sealed class SimRestartAcrossMidnightTests
{
    private const string Account = "50123456";
    private const string DailyOrders = "/uapi/domestic-stock/v1/trading/inquire-daily-ccld";

    private static Task<KisSimulator> StartAsync(string stateFile, TimeProvider time) => KisSimulator.StartAsync(SimulatorOptions.Default with
    {
        TimeProvider = time, StateFile = stateFile, RandomNotices = false, Seed = 7, PingInterval = TimeSpan.FromSeconds(2),
    });

    /// <summary>A market buy of one share of 005930 (KIS's order_cash sample's body); its order number.</summary>
    private static async Task<long> PlaceAsync(KisSimulator sim, string token)
    {
        var reply = await PostAsync(sim, token, "/uapi/domestic-stock/v1/trading/order-cash", "TTTC0012U", new Dictionary<string, string>
        {
            ["CANO"] = Account, ["ACNT_PRDT_CD"] = "01", ["PDNO"] = "005930", ["ORD_DVSN"] = "01", ["ORD_QTY"] = "1",
            ["ORD_UNPR"] = "0", ["EXCG_ID_DVSN_CD"] = "KRX", ["SLL_TYPE"] = "", ["CNDT_PRIC"] = "",
        });
        Assert.True(reply.GetProperty("rt_cd").GetString() == "0", reply.ToString());
        return long.Parse(reply.GetProperty("output").GetProperty("ODNO").GetString()!, NumberStyles.None, CultureInfo.InvariantCulture);
    }

    /// <summary>Order number → ord_dt of every order inquire-daily-ccld lists, asked as SimKillTests asks (no date).</summary>
    private static async Task<Dictionary<long, string>> ListedAsync(KisSimulator sim, string token)
    {
        var reply = await GetAsync(sim, token, DailyOrders, "TTTC0081R", $"CANO={Account}&ACNT_PRDT_CD=01");
        return reply.GetProperty("output1").EnumerateArray().ToDictionary(
            o => long.Parse(o.GetProperty("odno").GetString()!, NumberStyles.None, CultureInfo.InvariantCulture),
            o => o.GetProperty("ord_dt").GetString()!);
    }

    private static string Day(DateTime marketTime) => marketTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture);

    [Fact]
    public async Task A_restart_after_KST_midnight_still_lists_the_orders_of_the_day_before_by_their_day()
    {
        var stateFile = Path.Combine(Cli.CliTestKit.EmptyDirectory(), "sim-state.json");
        // 23:59 KST on a Wednesday (14:59 UTC): the demo clock trades that date from KRX's open.
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 23, 59, 0, TimeSpan.FromHours(9)));
        var before = new List<long>();
        string firstDay;
        await using (var sim = await StartAsync(stateFile, time))
        {
            firstDay = Day(sim.MarketTime);
            var token = await MinuteChartTests.TokenAsync(sim);
            for (var i = 0; i < 3; i++) before.Add(await PlaceAsync(sim, token));
            Assert.All((await ListedAsync(sim, token)).Values, d => Assert.Equal(firstDay, d));
        }

        time.Advance(TimeSpan.FromMinutes(2)); // 00:01 KST: the next date, as a test run across 15:00 UTC restarts on it
        await using var restarted = await StartAsync(stateFile, time);
        var secondDay = Day(restarted.MarketTime);
        Assert.True(string.CompareOrdinal(secondDay, firstDay) > 0,
            $"the restart after midnight trades {secondDay}, not a day after {firstDay}: the test did not cross the boundary");
        var secondToken = await MinuteChartTests.TokenAsync(restarted);
        var after = await PlaceAsync(restarted, secondToken);

        var listed = await ListedAsync(restarted, secondToken);
        var lost = before.Where(n => !listed.ContainsKey(n)).ToList();
        Assert.True(lost.Count == 0, $"orders of {firstDay} not listed after the restart on {secondDay}: {string.Join(", ", lost)} " +
                                     $"(listed: {JsonSerializer.Serialize(listed)})");
        Assert.All(before, n => Assert.Equal(firstDay, listed[n])); // each by the day it was placed, not the day asked on
        Assert.Equal(secondDay, listed[after]);
        Assert.True(after > before.Max(), $"order number {after} after the restart is not above {before.Max()}");
    }
}
