using Kis.Realtime.Gateway.Internal;
using Microsoft.Extensions.Logging;

namespace Kis.Realtime.Gateway;

public sealed partial class KisGateway
{
    /// <summary>
    /// A planned stop, after its last confirm: deletes the run's exchange (<see cref="RunExchange"/>), so nothing of this
    /// run is stored after it. A fenced run's exchange is the next run's to delete (it may be gone already); one that
    /// cannot be deleted now (the broker away) is deleted by the next run too.
    /// </summary>
    private async Task EndRunTermAsync()
    {
        if (!_started || _publisher.IsFenced) return;
        try
        {
            using var bounded = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await RunExchange.DeleteAsync(_options.Endpoint, Run, bounded.Token).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            Log.RunExchangeNotDeleted(_logger, RunExchange.Name(_options.Endpoint, Run), e.Message);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(38, LogLevel.Information, "Could not delete this run's exchange {Exchange} at its stop ({Reason}): the next run deletes it")]
        public static partial void RunExchangeNotDeleted(ILogger logger, string exchange, string reason);
    }
}
