namespace Kis.Realtime.Tests.Gateway;

/// <summary>The one broker error the fleet tests leave out (<see cref="BrokerLog.ErrorLinesExceptStandbyQueueRaceOf"/>) is
/// that race's event alone: as a CI run's broker logged it, and nothing beside it.</summary>
public sealed class BrokerLogTests
{
    private const string Channel = "2026-11-29 05:11:55.952921+00:00 [error] <0.17944.16> Channel error on connection <0.17885.16> "
        + "(127.0.0.1:34544 -> 127.0.0.1:5672, vhost: '/', user: 'kisrt-test-gw-84e963fe'), channel 1:";

    [Fact]
    public void The_standby_queue_race_is_recognised_in_its_namespace_only()
    {
        string[] race = [Channel, "2026-11-29 05:11:55.952921+00:00 [error] <0.17944.16> operation basic.consume caused a channel exception "
            + "not_found: no queue 'sec84e963fe.gateway-standbys' in vhost '/'"];
        Assert.True(BrokerLog.IsStandbyQueueRace(race, "sec84e963fe"));
        Assert.False(BrokerLog.IsStandbyQueueRace(race, "sec84e963"), "another namespace's prefix");
    }

    [Theory]
    [InlineData("operation basic.consume caused a channel exception access_refused: access to queue 'sec84e963fe.gateway-standbys' refused")]
    [InlineData("operation queue.declare caused a channel exception not_found: no queue 'sec84e963fe.gateway-standbys' in vhost '/'")]
    [InlineData("operation basic.consume caused a channel exception not_found: no queue 'sec84e963fe.gateway-active' in vhost '/'")]
    public void Any_other_error_still_counts(string second) =>
        Assert.False(BrokerLog.IsStandbyQueueRace([Channel, "2026-11-29 05:11:55.952921+00:00 [error] <0.17944.16> " + second], "sec84e963fe"));
}
