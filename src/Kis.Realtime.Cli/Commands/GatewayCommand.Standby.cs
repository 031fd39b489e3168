using Kis.Realtime.Gateway;

namespace Kis.Realtime.Cli.Commands;

internal static partial class GatewayCommand
{
    /// <summary>
    /// Returns once this process is active or has said it is standby: another gateway holds the lock. A broker problem on
    /// the way is said (each new one once) and the watch goes on, so a process that joins after a failed first try still
    /// says it is standby: a user (and a supervisor reading the line) otherwise cannot tell a waiting standby from a stuck one.
    /// </summary>
    private static async Task SayWhenStandbyAsync(KisGatewayElection election, KisGatewayOptions options, TextWriter status, CancellationToken stop)
    {
        try
        {
            var waiting = election.WaitUntilActiveAsync(stop);
            // "Another gateway is active" only once this process has joined the election and its token has had an interval
            // to come back: on a busy machine joining alone took over a second with no other gateway anywhere.
            var candidateRounds = 0;
            string? said = null;
            while (await Task.WhenAny(waiting, Task.Delay(options.ElectionRetryInterval, stop)).ConfigureAwait(false) != waiting)
            {
                // Not in the election at all: what the broker said is the line.
                if (election.BrokerProblem is { } problem)
                {
                    candidateRounds = 0;
                    if (problem != said) await status.WriteLineAsync($"kisrt gateway: not active, not standby: {problem}; retrying");
                    said = problem;
                    continue;
                }
                if (!election.IsCandidate || ++candidateRounds < 2) continue;
                await status.WriteLineAsync($"kisrt gateway: standby: another gateway is active on namespace {options.Endpoint.Namespace} " +
                                            $"({options.Endpoint.ActiveQueue}); taking over when it goes");
                return;
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
