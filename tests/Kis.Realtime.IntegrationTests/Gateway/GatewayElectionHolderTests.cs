using Kis.Realtime.Gateway;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>
/// Issue 61: a fleet shard taken over at the open's burst read no checkpoint within its start's 2 s wait (the broker busy)
/// and its run followed none: no announcement, its keys' missing records in no stated gap. A term that follows another
/// holder (joined behind another candidate, or a token that had been held) now says so, and a fleet shard's start then
/// waits the read's whole bound for that holder's checkpoint.
/// </summary>
public sealed class GatewayElectionHolderTests
{
    [RabbitFact]
    public async Task A_term_after_another_holder_says_so_and_a_first_term_does_not()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        var options = KisGatewayOptions.Default with { Endpoint = broker.Endpoint, ElectionHeartbeat = TimeSpan.FromSeconds(1) };
        var first = KisGatewayElection.Start(options);
        await using var firstScope = first;
        await first.WaitUntilActiveAsync(CancellationToken.None).WaitAsync(TestTimeout);
        Assert.False(first.ElectedAfterHolder, "the namespace's first holder had no holder before it");

        await using var second = KisGatewayElection.Start(options);
        await UntilAsync(() => second.IsCandidate, "the second process waiting as a candidate");
        await first.DisposeAsync();
        await second.WaitUntilActiveAsync(CancellationToken.None).WaitAsync(TestTimeout);
        Assert.True(second.ElectedAfterHolder, "the second holder took the token the first had held");
    }
}
