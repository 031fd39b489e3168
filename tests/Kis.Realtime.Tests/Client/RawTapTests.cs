using Kis.Realtime.Simulator;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Client;

/// <summary>The raw tap buffers only while it is enumerated, and never more than its capacity.</summary>
public sealed class RawTapTests
{
    [Fact]
    public async Task A_raw_tap_buffers_only_from_enumeration_to_dispose()
    {
        await using var sim = await StartSimAsync(o => o with { Pace = MarketPace.PerSecond(2_000) });
        await using var client = new KisRealtimeClient(Options(sim));
        var tap = client.ReadRawMessagesAsync(); // asked for, never enumerated: must keep nothing
        await using (var ticks = client.SubscribeIndexTicksAsync("0001").GetAsyncEnumerator())
            for (var i = 0; i < 50; i++) await ticks.NextAsync();
        Assert.Equal(0, client.RawTaps.Count);
        Assert.True(client.Statistics.RecordsReceived >= 50); // records went by while the tap was asked for

        var raw = tap.GetAsyncEnumerator(); // buffering starts here, before the first MoveNextAsync
        Assert.Equal(1, client.RawTaps.Count);
        await raw.DisposeAsync();
        Assert.Equal(0, client.RawTaps.Count);
    }

    [Fact]
    public async Task A_raw_tap_read_too_slowly_is_bounded_and_its_drops_are_counted()
    {
        await using var sim = await StartSimAsync(o => o with { Pace = MarketPace.FlatOut });
        await using var client = new KisRealtimeClient(Options(sim) with { RawMessageCapacity = 16 });
        await using var raw = client.ReadRawMessagesAsync().GetAsyncEnumerator();
        await using var ticks = client.SubscribeIndexTicksAsync("0001").GetAsyncEnumerator();
        await ticks.NextAsync();
        await UntilAsync(() => client.Statistics.RawMessagesDropped > 100, "raw messages dropped");
        Assert.True(client.RawTaps.Buffered <= 16, $"{client.RawTaps.Buffered} buffered");
        Assert.True(await raw.MoveNextAsync()); // what is kept is still readable
    }
}
