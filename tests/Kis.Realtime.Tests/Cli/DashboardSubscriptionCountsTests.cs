using System.Text.Json;
using Kis.Realtime.Cli.Configuration;
using Kis.Realtime.Cli.Dashboard;
using Kis.Realtime.Protocol;
using Kis.Realtime.Tests.Client;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Cli;

/// <summary>The dashboard's subscriptions panel: a refused subscription is sent when it changes, not every second.</summary>
public sealed class DashboardSubscriptionCountsTests
{
    [Fact]
    public async Task Once_a_second_only_the_counts_that_moved_go_out_and_a_refused_subscription_is_not_sent_again()
    {
        await using var sim = await StartSimAsync(o => o with { Pace = Kis.Realtime.Simulator.MarketPace.PerSecond(200) });
        await using var client = new KisRealtimeClient(Options(sim));
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        await using var subscriptions = new DashboardSubscriptions(client, new CliSettings { HtsId = "simuser01" }, new DashboardPanels()) { Clock = clock };
        // Publish is the publisher's tick: it takes the delta when there is one, whatever else it is asked for.
        JsonElement Snapshot() => JsonDocument.Parse(subscriptions.Publish(snapshotWanted: true).Snapshot!).RootElement.GetProperty("subscriptions").Clone();
        JsonElement? Delta() => subscriptions.Publish(snapshotWanted: false).Delta is { } d ? JsonDocument.Parse(d).RootElement.Clone() : null;

        sim.Faults.FailNextRequests(OpspCode.InvalidTrKey);
        subscriptions.Add("index:0001");
        await UntilAsync(() => Snapshot()[0].GetProperty("state").GetString() == "refused", "the refusal");
        subscriptions.Add("index:1001");
        await UntilAsync(() => Snapshot()[1].GetProperty("records").GetInt64() > 0, "records of the live one");
        Assert.Equal(2, Snapshot().GetArrayLength()); // (each Publish also takes the delta, as the publisher's tick does)

        for (var second = 0; second < 3; second++)
        {
            var published = Snapshot()[1].GetProperty("records").GetInt64();
            await UntilAsync(() => Snapshot()[1].GetProperty("records").GetInt64() > published, "more records");
            Assert.Null(Delta()); // within the second: nothing
            clock.Advance(TimeSpan.FromSeconds(1.1));
            // A second has passed: the next tick at which a count has moved sends the delta. On a loaded machine no record
            // may have arrived since the last tick yet (then that tick sends nothing), so wait for it rather than assume it.
            JsonElement delta = default;
            await UntilAsync(() => Delta() is { } d && (delta = d).ValueKind == JsonValueKind.Object, "the second's delta");
            // Failed before: the whole list again, the refused entry and its KIS message with it, every second.
            Assert.False(delta.TryGetProperty("subscriptions", out _), delta.ToString());
            var counts = delta.GetProperty("counts");
            var moved = Assert.Single(counts.EnumerateArray());
            Assert.Equal(Snapshot()[1].GetProperty("id").GetInt32(), moved.GetProperty("id").GetInt32());
            Assert.True(moved.GetProperty("records").GetInt64() > published);
        }
    }
}
