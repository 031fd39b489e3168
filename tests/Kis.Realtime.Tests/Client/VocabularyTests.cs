using System.Reflection;

namespace Kis.Realtime.Tests.Client;

/// <summary>One vocabulary across the surface (issue 31, item 10).</summary>
public class VocabularyTests
{
    [Fact]
    public void Every_helper_that_takes_a_venue_takes_the_one_venue_enum_with_the_one_default()
    {
        // Before: program trades took ProgramTradeVenue {Nxt=1, Unified=2, Krx=3} defaulting to Unified, the other
        // helpers StockVenue {Krx=1, Nxt=2, Unified=3} defaulting to Krx.
        var venues = typeof(KisSubscribeExtensions).GetMethods(BindingFlags.Public | BindingFlags.Static)
            .SelectMany(m => m.GetParameters().Where(p => p.Name == "venue").Select(p => (Method: m.Name, Parameter: p)))
            .ToList();
        Assert.Contains(venues, v => v.Method == "SubscribeProgramTradesAsync");
        Assert.Contains(venues, v => v.Method == "SubscribeStockTradesAsync");
        Assert.All(venues, v =>
        {
            Assert.Equal(typeof(StockVenue), v.Parameter.ParameterType);
            Assert.Equal(StockVenue.Krx, (StockVenue)v.Parameter.DefaultValue!);
        });
    }

    [Fact]
    public void Statistics_print_their_items_not_the_collection_type_names()
    {
        var statistics = new KisRealtimeStatistics
        {
            Gaps = 1,
            LargestGaps = [new VolumeGap { TrId = "H0STCNT0", Key = "005930", Kind = VolumeGapKind.Missing, MissingVolume = 120 }],
            UnroutedByTr = new Dictionary<string, long> { ["H0UPCNT0"] = 3 },
        };
        var text = statistics.ToString();
        Assert.DoesNotContain("System.Collections", text);   // failed before: "LargestGaps = System.Collections.Generic.List`1[…]"
        Assert.Contains("MissingVolume = 120", text);
        Assert.Contains("UnroutedByTr = { H0UPCNT0 = 3 }", text);
        Assert.StartsWith("KisRealtimeStatistics { MessagesReceived = 0", text);
    }

    [Fact]
    public void Statistics_text_names_every_counter()
    {
        // PrintMembers is written by hand (for the collections): a counter added later must not be left out of it.
        var text = new KisRealtimeStatistics().ToString();
        Assert.All(typeof(KisRealtimeStatistics).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.Name != "EqualityContract"),
            p => Assert.Contains(p.Name + " = ", text));
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    public void An_empty_hts_id_is_no_hts_id_on_every_surface(string empty)
    {
        // One convention: null when absent. Before, "" (an empty Kis:HtsId or KIS_HTS_ID, an appsettings template) was
        // kept, so the notice helpers subscribed with an empty key instead of saying that no HTS ID is configured.
        Assert.Null((KisRealtimeOptions.Default with { HtsId = empty }).HtsId);
        Assert.Null(new Kis.Realtime.KisReplayOptions { HtsId = empty }.HtsId);
        Assert.Null(new Kis.Realtime.Gateway.KisGatewayClientOptions { HtsId = empty }.HtsId);
        Assert.Null(new KisRealtimeSettings { AppKey = "PSvocabularyAppKey00000000000000000", AppSecret = "s", HtsId = empty }.ToOptions().HtsId);
        Assert.Equal("myhtsid", (KisRealtimeOptions.Default with { HtsId = "myhtsid" }).HtsId);

        var configuration = Kis.Realtime.Cli.Configuration.CliSettings.BuildConfiguration(
            new Dictionary<string, string?>(), name => name == "KIS_HTS_ID" ? empty : null, Cli.CliTestKit.EmptyDirectory(), userSecrets: false);
        Assert.Null(Kis.Realtime.Cli.Configuration.CliSettings.From(configuration).HtsId);
    }
}
