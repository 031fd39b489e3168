using Kis.Realtime.Cli.Commands;
using Kis.Realtime.Gateway;

namespace Kis.Realtime.Tests.Cli;

/// <summary>
/// `kisrt gateway --duration` ends with a summary line as stream, record and bars do (issue 47, item 5). Failed before:
/// the end was one more periodic status line, with nothing saying the run had ended or how it went. The summary comes
/// just before those final figures (GatewayCommandTests, with RabbitMQ, holds the figures to the end of the output);
/// this holds the line's words.
/// </summary>
public sealed class GatewayEndSummaryTests
{
    [Fact]
    public void The_end_summary_says_how_long_the_run_lasted_and_whether_every_record_was_confirmed()
    {
        var end = new GatewayStatus { Run = "r1", Received = 1200, Confirmed = 1200 };
        Assert.Equal("kisrt gateway: stopped after 12.0 s (run r1): received 1200, confirmed 1200, overflowed 0, registrations held at the end 0; every " +
            "record published and confirmed",
            GatewayCommand.EndSummary(end, TimeSpan.FromSeconds(12.04), failed: false));
        Assert.EndsWith("not everything was published and stored: 100 received and not confirmed by the broker (figures above)",
            GatewayCommand.EndSummary(end with { Confirmed = 1100 }, TimeSpan.FromSeconds(3), failed: true), StringComparison.Ordinal);
    }

    [Fact]
    public void The_end_summary_counts_what_a_bounded_stop_dropped_apart_from_what_is_unconfirmed()
    {
        // Issue 72, finding 3: a stop whose budget ran out fenced its publisher; what it dropped is stated, not "unconfirmed".
        var end = new GatewayStatus { Run = "r1", Received = 1200, Confirmed = 1100, StopDropped = 80, Overflowed = 5 };
        Assert.EndsWith("not everything was published and stored: 15 received and not confirmed by the broker, dropped at the stop's bound 80 (its " +
                        "budget spent before the broker confirmed them; the next run announces where the streams end) (figures above)",
            GatewayCommand.EndSummary(end, TimeSpan.FromSeconds(3), failed: true), StringComparison.Ordinal);
    }

    [Fact]
    public void The_end_summary_names_the_gaps_announced_for_KIS_session_reconnects()
    {
        // Issue 72, finding 1: what KIS sent while a session was away never reached the gateway; the summary says so.
        var end = new GatewayStatus { Run = "r1", Received = 1200, Confirmed = 1200, KisReconnectGaps = 3 };
        Assert.Contains("; 3 gaps announced where a KIS session reconnected (records KIS sent while it was away)",
            GatewayCommand.EndSummary(end, TimeSpan.FromSeconds(12.04), failed: false), StringComparison.Ordinal);
        Assert.DoesNotContain("reconnected", GatewayCommand.EndSummary(end with { KisReconnectGaps = 0 }, TimeSpan.FromSeconds(1), failed: false),
            StringComparison.Ordinal);
    }
}
