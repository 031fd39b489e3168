using Kis.Realtime.Internal;
using Kis.Realtime.Tests.Client;

namespace Kis.Realtime.Tests.Orders;

/// <summary>
/// Issue 73 (4): the server's clock as its answers' stamps tell it: the latest stamp is a floor whatever the rate, the
/// rate is measured between stamps (never assumed once measurable), an answer that overtook a later one leaves the floor
/// where it was, and a clock that jumps back (a restarted simulator) starts the measure afresh.
/// </summary>
public sealed class ServerClockTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 26, 1, 0, 0, TimeSpan.Zero);

    [Fact]
    public void The_rate_is_measured_between_stamps_and_carries_a_local_moment_onto_the_servers_clock()
    {
        var local = new FakeTimeProvider(Start);
        var clock = new ServerClock(local);
        var server = Start.AddHours(-3);
        Assert.Null(clock.Now());

        clock.ObserveDate(server);
        Assert.Equal(1, clock.Rate); // one stamp: no rate measured yet
        local.Advance(TimeSpan.FromSeconds(4));
        clock.ObserveDate(server.AddSeconds(40));

        Assert.Equal(10, clock.Rate, 3);
        Assert.Equal(server.AddSeconds(40), clock.Latest);
        Assert.Equal(server.AddSeconds(20), clock.At(Start.AddSeconds(2)));
        local.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(server.AddSeconds(50), clock.Now());
    }

    [Fact]
    public void An_answer_that_overtook_a_later_one_keeps_the_floor_and_a_clock_set_back_starts_afresh()
    {
        var local = new FakeTimeProvider(Start);
        var clock = new ServerClock(local);
        clock.ObserveDate(Start);
        local.Advance(TimeSpan.FromSeconds(3));
        clock.ObserveDate(Start.AddSeconds(3));
        clock.ObserveDate(Start.AddSeconds(2)); // produced before the last, received after it
        Assert.Equal(Start.AddSeconds(3), clock.Latest);
        Assert.Equal(1, clock.Rate, 3);

        clock.ObserveDate(Start.AddHours(-1)); // the server restarted on another day
        Assert.Equal(Start.AddHours(-1), clock.Latest);
        Assert.Equal(1, clock.Rate);
    }
}
