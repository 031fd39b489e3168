using Kis.Realtime.Gateway;

namespace Kis.Realtime.Cli.Commands;

internal static partial class GatewayCommand
{
    /// <summary>Returns once this process is active or, when it is not soon, has said so: another gateway holds the lock.</summary>
    private static async Task SayWhenStandbyAsync(KisGatewayElection election, KisGatewayOptions options, TextWriter status, CancellationToken stop)
    {
        try
        {
            var waiting = election.WaitUntilActiveAsync(stop);
            // "Another gateway is active" only once this process has joined the election and its token has had an interval
            // to come back: on a busy machine joining alone took over a second with no other gateway anywhere.
            var candidateRounds = 0;
            while (await Task.WhenAny(waiting, Task.Delay(options.ElectionRetryInterval, stop)).ConfigureAwait(false) != waiting)
            {
                // Not in the election at all: what the broker said is the line.
                if (election.BrokerProblem is { } problem)
                {
                    await status.WriteLineAsync($"kisrt gateway: not active, not standby: {problem}; retrying");
                    return;
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
