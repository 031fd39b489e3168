using System.Reflection;
using Kis.Realtime.Gaps;
using Kis.Realtime.Trs;

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
}
