using Kis.Realtime.Cli.Commands;
using Kis.Realtime.Cli.Configuration;
using Kis.Realtime.Protocol;
using Kis.Realtime.Simulator;
using Kis.Realtime.Simulator.Market;

namespace Kis.Realtime.Tests.Simulator;

/// <summary>
/// The simulator at market scale (issue 61, item 2): the whole KRX as a generated universe with skewed activity, a
/// market-wide day profile with the open's burst, many app keys at once, and its own count per instrument.
/// </summary>
public sealed class MarketScaleTests
{
    private static readonly DateOnly Day = new(2026, 3, 9);

    private static List<KisSimulatorInstrument> StocksOf(int seed, SimulatorUniverse universe) =>
        [.. KisSimulatorInstrument.List(seed, Day, universe).Where(i => i.Kind == "stock")];

    [Fact]
    public void The_whole_KRX_lists_2700_stocks_with_distinct_codes_and_names_the_same_for_a_seed_and_keeps_the_small_one()
    {
        var all = StocksOf(7, SimulatorUniverse.KrxAll);
        Assert.Equal(MarketUniverse.KospiStocks + MarketUniverse.KosdaqStocks, all.Count);
        Assert.All(all, s => Assert.Matches("^[0-9]{6}$", s.Code));
        Assert.Equal(all.Count, all.Select(s => s.Code).Distinct().Count());
        Assert.Equal(all.Count, all.Select(s => s.Name).Distinct().Count());
        Assert.Equal(all, StocksOf(7, SimulatorUniverse.KrxAll));
        Assert.NotEqual(all.Select(s => s.Code), StocksOf(8, SimulatorUniverse.KrxAll).Select(s => s.Code));
        var small = StocksOf(7, SimulatorUniverse.Small);
        Assert.Equal(49, small.Count); // the default universe is unchanged
        Assert.Equal(small, all.Take(small.Count));
        var kospi = new InstrumentMaster(7, SimulatorUniverse.KrxAll).Universe.Count(s => s.Market == "KOSPI");
        Assert.InRange(kospi, 850, 1_050); // about 950 KOSPI, the rest KOSDAQ
    }

    [Fact]
    public void Activity_is_skewed_as_a_real_market_s_a_few_names_make_most_records()
    {
        var universe = new InstrumentMaster(1, SimulatorUniverse.KrxAll).Universe;
        Assert.Equal(1.0, universe.Sum(s => s.Share), 9);
        Assert.Equal("005930", universe[0].Code);
        Assert.InRange(universe[0].Share, 0.03, 0.08);
        Assert.InRange(universe.Take(100).Sum(s => s.Share), 0.35, 0.6);
        Assert.True(universe[^1].Share < universe[0].Share / 500);
        // Trades and books of a stock split its share; an instrument outside the universe makes the quietest one's.
        var master = new InstrumentMaster(1, SimulatorUniverse.KrxAll);
        Assert.Equal(universe[0].Share / 2, master.ActivityShare("005930"));
        Assert.Equal(universe[^1].Share / 2, master.ActivityShare("0001"));
    }

    [Fact]
    public void The_market_wide_pace_makes_the_burst_for_the_first_minute_from_the_open_on_the_market_clock()
    {
        var pace = MarketPace.MarketWide(20_000, 100_000);
        var day = new DateTime(2026, 3, 9);
        Assert.Equal(20_000, pace.MarketRateAt(day.AddHours(8).AddMinutes(59)));
        Assert.Equal(100_000, pace.MarketRateAt(day.AddHours(9)));
        Assert.Equal(100_000, pace.MarketRateAt(day.AddHours(9).AddSeconds(59.9)));
        Assert.Equal(20_000, pace.MarketRateAt(day.AddHours(9).AddMinutes(1)));
        Assert.Throws<ArgumentException>(() => (SimulatorOptions.Default with { Pace = new MarketPace(MarketPaceMode.MarketWide, 100) }).Validate());
    }

    [Fact]
    public async Task A_generated_stock_trades_at_its_share_and_the_simulator_counts_what_it_made_while_the_small_universe_keeps_it_silent()
    {
        var code = StocksOf(1, SimulatorUniverse.KrxAll)[60].Code; // a generated name, about 19 records/s at 20,000/s
        Assert.True(new SimulatedMarket(SimulatorOptions.Default).IsSilent(KisTrs.H0STCNT0, code));
        await using var sim = await Sim.StartAsync(o => o with { Universe = SimulatorUniverse.KrxAll, Pace = MarketPace.MarketWide(20_000) });
        await using var c = await Sim.ClientAsync(sim);
        Assert.Equal(OpspCode.SubscribeSuccess, (await c.RequestAsync("H0STCNT0", code)).Code);
        var data = await c.NextDataAsync("H0STCNT0");
        Assert.Contains(code, data.Text);
        var counted = Assert.Single(sim.Instruments, i => i.TrId == "H0STCNT0" && i.Key == code);
        Assert.True(counted.RecordsMade > 0);
        Assert.Equal(0, sim.Counters.UnlistedSubscriptions);
    }

    [Fact]
    public async Task Each_of_many_keys_holds_41_registrations_of_the_whole_market_and_is_refused_the_42nd()
    {
        var keys = SimKeyFile.Generate(3);
        var codes = StocksOf(1, SimulatorUniverse.KrxAll).Skip(100).Select(s => s.Code).ToList();
        await using var sim = await Sim.StartAsync(o => o with { Universe = SimulatorUniverse.KrxAll, Pace = MarketPace.Off, Credentials = keys });
        for (var k = 0; k < keys.Count; k++)
        {
            var approval = await sim.IssueApprovalKeyAsync(keys[k].AppKey, keys[k].AppSecret);
            await using var c = await SimTestClient.ConnectAsync(sim, "/", approval);
            for (var i = 0; i < 41; i++) Assert.Equal(OpspCode.SubscribeSuccess, (await c.RequestAsync("H0STASP0", codes[k * 41 + i])).Code);
            Assert.Equal(OpspCode.MaxSubscribeOver, (await c.RequestAsync("H0STCNT0", codes[k * 41])).Code);
        }
    }

    [Fact]
    public void Sim_app_keys_are_written_to_a_user_only_file_never_printed_and_read_back_by_credentials_file()
    {
        var dir = Directory.CreateTempSubdirectory("kisrt-keys-");
        try
        {
            var path = Path.Combine(dir.FullName, "keys.json");
            var options = SimCommand.OptionsFrom(SimCommand.Create().Parse(["--app-keys", "132", "--app-keys-file", path, "--universe", "krx-all",
                "--pace", "market:20000:100000", "--no-state"]));
            Assert.Equal(133, options.Credentials.Count); // the default key and 132 more
            Assert.Equal(SimulatorUniverse.KrxAll, options.Universe);
            Assert.Equal((MarketPaceMode.MarketWide, 20_000.0, 100_000.0),
                (options.Pace.Mode, options.Pace.RecordsPerSecond, options.Pace.OpenBurstRecordsPerSecond));
            if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            var read = SimKeyFile.Read(path);
            Assert.Equal(options.Credentials.Skip(1).Select(c => (c.AppKey, c.AppSecret)), read.Select(c => (c.AppKey, c.AppSecret)));
            Assert.Equal(132, read.Select(c => c.AppKey).Distinct().Count());
            var again = SimCommand.OptionsFrom(SimCommand.Create().Parse(["--credentials-file", path, "--no-state"]));
            Assert.Equal(133, again.Credentials.Count);
            var error = Assert.Throws<CliUsageException>(() => SimCommand.OptionsFrom(SimCommand.Create().Parse(["--app-keys", "3", "--no-state"])));
            Assert.Contains("--app-keys-file", error.Message);
            Assert.Throws<CliUsageException>(() => SimCommand.OptionsFrom(SimCommand.Create().Parse(["--pace", "market:0", "--no-state"])));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
