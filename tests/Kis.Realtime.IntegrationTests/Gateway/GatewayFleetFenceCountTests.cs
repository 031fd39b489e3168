using Kis.Realtime.Gateway;
using Xunit.Abstractions;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>
/// A term that lost its shard's lock while its publisher's connection lived (its election connection lost, the rest
/// not): what it received is confirmed or dropped at its fence, every record counted. The chaos test's SIGTERM summary
/// found "not everything was published: 1955 unconfirmed" (exit 3) after such a loss: the shard counted as fenced only
/// what the fence dropped at once, not the records KIS delivered while the term closed its session, which the fenced
/// publisher dropped too.
/// </summary>
[Collection(FleetProcessCollection.Name)] // one fleet at a time, beside the tests that wait
public sealed class GatewayFleetFenceCountTests(ITestOutputHelper output)
{
    [RabbitFact]
    public async Task A_term_whose_election_connection_is_lost_counts_every_record_it_received_as_confirmed_or_fenced()
    {
        await using var run = await ProxiedFleet.StartAsync("fenced", shards: 1, perSecond: 500);
        var proxy = run.Proxy;
        GatewayFleetShardStatus Shard() => run.Shard();

        await UntilAsync(() => Shard() is { Role: GatewayRole.Active, Gateway.Confirmed: > 200 }, "the shard publishing");
        // The publisher's confirms held: what it publishes from now on stays unconfirmed, so the fence has records to drop.
        var confirmedAtHold = Shard().Gateway!.Confirmed;
        proxy.HoldRepliesTo("kisrt-gateway-publisher");
        await UntilAsync(() => Shard().Gateway is { } g && g.Received - g.Confirmed > 50 && g.Received > confirmedAtHold + 50,
            "records published and unconfirmed");
        // One election connection (a reconnect under way would leave a second one, or none, to the cut).
        await UntilAsync(() => proxy.OpenNames().Count(n => n.StartsWith("kisrt-gateway-election", StringComparison.Ordinal)) == 1,
            "exactly one election connection open");
        var cut = proxy.CutNamed("kisrt-gateway-election"); // its publisher's connection stays open: the term must fence it
        Assert.Equal(1, cut);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await UntilAsync(() => Shard().EndedReceived > 0, "the term that lost the lock ended", TimeSpan.FromSeconds(90));
        var ended = clock.Elapsed;
        output.WriteLine($"the term ended {ended.TotalSeconds:0.0} s after the cut, its publisher's confirms held");
        // Its fenced publisher's close is a bounded abort: it took 20 s before (the close waited for the broker's answer).
        Assert.True(ended < TimeSpan.FromSeconds(12), $"the fenced term took {ended.TotalSeconds:0.0} s to end");
        // The warning names the shard and the term whose lock went (a fleet process logs one a shard).
        var lost = run.Logs.Lines.Where(l => l.Contains("Lost the active lock", StringComparison.Ordinal)).ToList();
        output.WriteLine(string.Join("\n", lost));
        Assert.Contains(lost, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"shard 0\b.*\bterm \d+"));
        proxy.ReleaseReplies(); // the next term's publisher gets its confirms
        // One snapshot: the ended terms' figures are one record, replaced whole once the term's gateway is disposed.
        var s = Shard();
        output.WriteLine($"ended term: received {s.EndedReceived}, confirmed {s.EndedConfirmed}, fenced {s.Fenced}, overflowed {s.EndedOverflowed}");
        Assert.Equal(s.EndedReceived, s.EndedConfirmed + s.Fenced + s.EndedOverflowed);
        Assert.True(s.Fenced > 0, "nothing dropped at the fence: the test did not cut a publishing term");
        // And the shard is served again, its next term publishing.
        await UntilAsync(() => Shard() is { Role: GatewayRole.Active, Gateway.Confirmed: > 0 }, "the shard served again", TimeSpan.FromSeconds(60));
    }
}
