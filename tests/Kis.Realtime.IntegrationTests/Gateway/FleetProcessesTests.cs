namespace Kis.Realtime.Tests.Gateway;

/// <summary>What the fleet tests read of a fleet process's output while shards move (lines as GatewayFleetProcess.cs and the
/// fleet's warnings print them): records counted across a hand-over, the shards it says it let go of.</summary>
public sealed class FleetProcessesTests
{
    private static string Line(string shards, long confirmed) =>
        $"kisrt gateway: fleet process a: live processes 3, fair share 2, shards [{shards}], registrations 82, opening 0, 12.0 records/s, "
        + $"received {confirmed + 3}, confirmed {confirmed}, overflowed 0, refused 0";

    [Fact]
    public void Records_confirmed_are_counted_between_lines_of_the_same_shards_only()
    {
        // 1000 → 1040 on [0,claims]; shard 3 arrives at 0 (+0); 1050 → 1080 on [0,3,claims]; shard 0 goes: 1080 → 60 is no loss.
        string[] lines = [Line("0,claims", 1000), Line("0,claims", 1040), Line("0,3,claims", 1050), Line("0,3,claims", 1080),
            Line("3,claims", 60), Line("3,claims", 70)];
        var text = "earlier output\n" + string.Join('\n', lines) + "\n";

        Assert.Equal(40 + 30 + 10, FleetProcesses.ConfirmedSince(text, 0));
        Assert.Equal(10, FleetProcesses.ConfirmedSince(text, text.IndexOf(Line("3,claims", 60), StringComparison.Ordinal)));
    }

    [Fact]
    public void The_shards_it_let_go_of_are_read_from_a_point_on()
    {
        var text = "Fleet: handing over shard(s) 1: holding 3, fair share 2 of 3 live processes\n"
            + Line("0,2", 5) + "\n"
            + "Fleet: handing over shard(s) 0, 2: holding 4, fair share 2 of 3 live processes\n"
            + "Fleet shard 4: could not serve it (broker unreachable); left its election for another process, joining again after a back-off\n";

        Assert.Equal(["0", "1", "2", "4"], FleetProcesses.LetGo(text, 0).Order());
        Assert.Equal(["0", "2", "4"], FleetProcesses.LetGo(text, text.IndexOf("kisrt gateway", StringComparison.Ordinal)).Order());
    }
}
