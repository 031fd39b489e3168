using Kis.Realtime.Tests.Orders;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Cli;

/// <summary>
/// Issue 73 (2), across processes: two <c>kisrt order place</c> processes on one account (the library's order client in
/// each, its journal in kisrt's data folder, here XDG_DATA_HOME of the test's own) at a scripted order server. One
/// process's order is placed with its answer held; the other's identical order is lost before the server: the other
/// may not take the first's number. And a process killed with its order in flight: the next program settles it.
/// </summary>
public sealed class OrderJournalProcessTests
{
    private static readonly TimeSpan ProcessTimeout = TimeSpan.FromSeconds(90);

    private static string[] Place(ScriptedOrderServer server)
        => ["order", "place", "--rest-url", server.BaseUrl.ToString(), "--account", "50123456-01", "--code", "005930", "--side", "buy", "--qty", "11",
            "--price", "70000",
            // Credentials of its own: kisrt keeps no journal on a simulator's default ones (a restarted simulator gives numbers again).
            "--app-key", "PSjournalProcessTestAppKey0000000000", "--app-secret", "journal-process-test-secret"];

    private static Dictionary<string, string> DataHome(string folder) => new() { ["XDG_DATA_HOME"] = folder };

    [Fact]
    public async Task Two_processes_on_one_account_claim_an_order_number_once()
    {
        var script = new[] { OrderReaction.PlaceThenHold, OrderReaction.OnlyDrop };
        await using var server = new ScriptedOrderServer(call => script[call]);
        using var data = new OrderJournalTests.JournalFolder();

        using var first = KisrtProcess.Start(null, DataHome(data.Path), Place(server));
        await UntilAsync(() => server.Placed.Count == 1, "the first process's order placed at the server, its answer held", ProcessTimeout);
        using var second = KisrtProcess.Start(null, DataHome(data.Path), Place(server));
        var secondExit = await second.WaitForExitAsync();
        server.ReleaseHeld();
        var firstExit = await first.WaitForExitAsync();

        var placed = Assert.Single(server.Placed);
        Assert.True(firstExit == 0, first.Output + first.Errors);
        Assert.StartsWith($"accepted {placed.Number}", first.Output);
        Assert.True(secondExit == 3, second.Output + second.Errors);
        Assert.StartsWith("UNKNOWN", second.Output);
        Assert.Contains("same terms still awaits its answer", second.Output);
        Assert.DoesNotContain("accepted", second.Output);
        Assert.Equal(2, server.OrderCalls);
    }

    [Fact]
    public async Task An_order_in_flight_when_its_process_was_killed_is_settled_by_the_next_program_and_not_taken_for_a_new_order()
    {
        var script = new[] { OrderReaction.PlaceThenHold, OrderReaction.OnlyDrop };
        await using var server = new ScriptedOrderServer(call => script[call]);
        using var data = new OrderJournalTests.JournalFolder();
        using (var killed = KisrtProcess.Start(null, DataHome(data.Path), Place(server)))
        {
            await UntilAsync(() => server.Placed.Count == 1, "the process's order placed at the server, its answer held", ProcessTimeout);
            await killed.KillAsync();
        }
        var placed = Assert.Single(server.Placed);

        using var next = KisrtProcess.Start(null, DataHome(data.Path), Place(server));
        var exit = await next.WaitForExitAsync();

        Assert.Contains($"an earlier run's order: accepted {placed.Number}", next.Errors);
        Assert.Contains("found in today's orders after the answer was lost", next.Errors);
        Assert.True(exit == 3, next.Output + next.Errors); // its own order was lost before the server: unknown, not the earlier one's
        Assert.StartsWith("UNKNOWN", next.Output);
        Assert.Equal(2, server.OrderCalls);
    }
}
