using System.Text;
using Kis.Realtime.Protocol;
using Kis.Realtime.Simulator;
using Kis.Realtime.Simulator.Market;

namespace Kis.Realtime.Tests.Simulator;

/// <summary>
/// Issue 47, item 6: the simulator has one instrument master. A stock code it does not list is subscribed as KIS
/// subscribes a key of the right form (OPSP0000) and sends nothing; the venue refuses orders in it (APBK1680).
/// </summary>
public sealed class UnlistedCodeTests
{
    [Fact]
    public async Task A_subscription_to_an_unlisted_code_succeeds_and_receives_no_record_while_a_listed_one_streams()
    {
        await using var sim = await KisSimulator.StartAsync(SimulatorOptions.Default with { Pace = MarketPace.PerSecond(200) });
        await using var c = await SimTestClient.ConnectAsync(sim, "/", await sim.IssueApprovalKeyAsync());
        Assert.Equal(OpspCode.SubscribeSuccess, (await c.RequestAsync("H0STCNT0", "999999")).Code);
        Assert.Equal(OpspCode.SubscribeSuccess, (await c.RequestAsync("H0STCNT0", "005930")).Code);

        // Both are paced alike: by the listed code's 20th record, the unlisted one would have sent as many.
        var listed = 0;
        while (listed < 20)
        {
            var text = Encoding.UTF8.GetString((await c.NextDataAsync("H0STCNT0")).Data);
            Assert.DoesNotContain("|999999^", text);
            Assert.DoesNotContain("^999999^", text);
            listed += text.Split("005930^").Length - 1;
        }
        Assert.Equal(1, sim.Counters.UnlistedSubscriptions);
    }

    [Theory]
    [InlineData("H0STCNT0", "123456", false)]   // six digits, no such listing
    [InlineData("H0STASP0", "A05930", false)]
    [InlineData("H0STCNT0", "005930", true)]
    [InlineData("H0STCNT0", "069500", true)]    // an ETF trades on the stock feed
    [InlineData("H0STNAV0", "069500", true)]
    [InlineData("H0EWCNT0", "57LA24", true)]    // KIS's documented ELW
    [InlineData("H0UPCNT0", "0009", true)]      // index codes are not short codes: generic values as before
    public void The_feed_of_a_code_speaks_only_when_the_master_lists_it(string trId, string key, bool speaks)
    {
        var market = new SimulatedMarket(SimulatorOptions.Default);
        Assert.True(KisTrs.TryGet(trId, out var tr));
        var instrument = market.Get(tr, key);
        var buffer = new byte[64 * 1024];
        var writer = new RecordWriter(buffer);
        // A market time inside every one of these feeds' hours (KRX's regular session).
        var now = market.Clock.Now().Date.AddHours(10);

        Assert.Equal(speaks, instrument.WriteRecords(ref writer, 3, now) > 0);
        Assert.Equal(!speaks, SimulatedMarket.IsUnlisted(tr, key));
    }
}
