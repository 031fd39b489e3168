using Kis.Realtime.Cli.Commands;
using Kis.Realtime.Cli.Configuration;
using Kis.Realtime.Gateway;

namespace Kis.Realtime.Tests.Cli;

/// <summary>
/// <c>kisrt gateway audit</c>'s and a fleet's command-line edges: a <c>--quiet</c> that is not positive is a usage error
/// (exit 2), not an ArgumentOutOfRangeException; a fleet's stop line names what was overflowed apart from what was unconfirmed.
/// </summary>
public sealed class GatewayAuditCliTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public async Task A_quiet_that_is_not_positive_is_a_usage_error(int seconds)
    {
        var options = GatewayAuditOptions.Default with { Quiet = TimeSpan.FromSeconds(seconds) };

        var e = await Assert.ThrowsAsync<CliUsageException>(() =>
            GatewayAuditCommand.AuditAsync(KisGatewayEndpoint.Default, options, 10, TextWriter.Null, CancellationToken.None));

        Assert.Equal("--quiet must be positive.", e.Message);
    }

    [Fact]
    public void A_fleet_stop_with_only_overflow_says_how_many_overflowed_and_none_unconfirmed()
    {
        var shard = new GatewayFleetShardStatus("0", GatewayRole.Active, 1, 0, 0, null) { EndedReceived = 100, EndedConfirmed = 90, EndedOverflowed = 10 };

        var (line, complete) = GatewayFleetProcess.FleetEndSummary(new GatewayFleetStatus("b", 1, 1, [shard]));

        Assert.False(complete);
        Assert.Contains("not everything was published: 0 unconfirmed, 10 overflowed;", line, StringComparison.Ordinal);
    }

    [Fact]
    public void A_fleet_stop_that_counted_more_than_it_received_reports_the_negative_figure()
    {
        var shard = new GatewayFleetShardStatus("0", GatewayRole.Active, 1, 0, 0, null) { EndedReceived = 100, EndedConfirmed = 95, Fenced = 10 };

        var (line, complete) = GatewayFleetProcess.FleetEndSummary(new GatewayFleetStatus("b", 1, 1, [shard]));

        Assert.False(complete); // an over-count is a defect to see, not a clean stop
        Assert.Contains("not everything was published: -5 unconfirmed, 0 overflowed;", line, StringComparison.Ordinal);
    }
}
