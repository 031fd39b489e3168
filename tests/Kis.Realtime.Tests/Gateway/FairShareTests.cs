using Kis.Realtime.Gateway.Internal;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>The max-min arithmetic of who yields a registration to a user asking for one more (issue 45, item 2).</summary>
public sealed class FairShareTests
{
    private static Dictionary<string, int> Held(params (string User, int Count)[] held) => held.ToDictionary(h => h.User, h => h.Count, StringComparer.Ordinal);

    private static Dictionary<string, long> Newest(params (string User, long Number)[] newest) =>
        newest.ToDictionary(n => n.User, n => n.Number, StringComparer.Ordinal);

    [Fact]
    public void The_user_holding_the_most_yields_to_a_newcomer()
    {
        var held = Held(("a", 8), ("b", 9), ("c", 8));
        Assert.Equal("b", FairShare.WhoYields(held, Newest(("a", 30), ("b", 10), ("c", 20)), "new"));
    }

    [Fact]
    public void Between_users_holding_as_many_the_one_whose_yieldable_registration_is_newest_yields()
    {
        var held = Held(("a", 8), ("b", 8), ("c", 8));
        Assert.Equal("c", FairShare.WhoYields(held, Newest(("a", 5), ("b", 17), ("c", 23)), "new"));
        Assert.Equal("b", FairShare.WhoYields(held, Newest(("a", 5), ("b", 17), ("c", 2)), "new"));
    }

    [Theory]
    [InlineData(7, 6, null)] // equal split within one: 7 > 6 + 1 is false
    [InlineData(7, 5, "a")]  // the requester with 6 would still hold fewer than a's 6
    [InlineData(2, 0, "a")]
    [InlineData(1, 0, null)] // a would be left with none for the requester's one: no gain in fairness
    [InlineData(3, 3, null)]
    public void A_user_yields_only_when_it_holds_more_than_the_requester_would_with_one_more(int userHeld, int requesterHeld, string? expected)
    {
        Assert.Equal(expected, FairShare.WhoYields(Held(("a", userHeld), ("new", requesterHeld)), Newest(("a", 1)), "new"));
    }

    [Fact]
    public void A_user_with_nothing_it_alone_holds_never_yields_however_many_it_holds()
    {
        // b's registrations are all shared (with another user or the gateway): c, with fewer, yields instead.
        var held = Held(("b", 30), ("c", 5));
        Assert.Equal("c", FairShare.WhoYields(held, Newest(("c", 3)), "new"));
        Assert.Null(FairShare.WhoYields(held, Newest(), "new"));
    }

    [Fact]
    public void The_requester_never_yields_to_itself()
    {
        Assert.Null(FairShare.WhoYields(Held(("new", 20)), Newest(("new", 40)), "new"));
    }

    [Fact]
    public void Six_users_over_41_registrations_end_at_an_equal_split_within_one()
    {
        // Five users hold all 41 (9, 8, 8, 8, 8); the sixth asks again and again, each grant taken from the one holding most.
        var held = Held(("u0", 9), ("u1", 8), ("u2", 8), ("u3", 8), ("u4", 8), ("u5", 0));
        var newest = Newest(("u0", 100), ("u1", 101), ("u2", 102), ("u3", 103), ("u4", 104));
        var granted = 0;
        while (FairShare.WhoYields(held, newest, "u5") is { } from)
        {
            held[from]--;
            held["u5"]++;
            granted++;
            Assert.True(granted <= 41, "the arithmetic must converge");
        }
        Assert.Equal(6, granted);
        Assert.Equal([7, 7, 7, 7, 7, 6], held.OrderBy(h => h.Key, StringComparer.Ordinal).Select(h => h.Value));
    }
}
