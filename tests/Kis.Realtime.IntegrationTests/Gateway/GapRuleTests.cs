using Kis.Realtime.Benchmarks;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>
/// <see cref="GapRule"/> on a key whose only run on the stream took it over from a holder that left none of its records
/// there (killed before any was confirmed): the whole-market run of 2026-12-01 found 114 such keys, each missing
/// records before its first one, and counted them as short at the end.
/// </summary>
public sealed class GapRuleTests
{
    [Fact]
    public void A_first_run_announcing_a_gap_of_unknown_extent_states_what_is_missing_before_it()
    {
        // Run B took the key over from run A, whose records of it never reached the stream; B read the stream's tail
        // within its bound without finding A's last record: the gap is stated, of unknown extent.
        GapRule.Announcement[] announced = [new("B", "A", "A", null, Unknown: true, null)];

        var account = GapRule.Account(made: 124, got: 54, inRunHoles: 0, runs: [("B", 54)], open: null, announced);

        Assert.Equal(new GapRule.KeyAccount(Unaccounted: 0, TailShort: 0, UnknownExtent: 70, Stated: 0, Unstated: 0), account);
    }

    [Fact]
    public void A_single_run_with_no_gap_announced_before_it_is_short_at_its_end()
    {
        GapRule.Announcement[] announced = [new("B", null, null, null, Unknown: false, null)];

        var account = GapRule.Account(made: 124, got: 54, inRunHoles: 0, runs: [("B", 54)], open: null, announced);

        Assert.Equal(new GapRule.KeyAccount(Unaccounted: 0, TailShort: 70, UnknownExtent: 0, Stated: 0, Unstated: 0), account);
    }
}
