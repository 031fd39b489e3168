using Kis.Realtime.Gateway.Wire;
using Microsoft.Extensions.Logging;

namespace Kis.Realtime.Gateway.Internal;

/// <summary>
/// Hands each record the publisher takes to the gateway's sinks (<see cref="KisGatewayOptions.Sinks"/>), before its buffer.
/// A sink must not throw; one that does loses that record for itself only, counted and logged (its 1st, 2nd, 4th …
/// failure), and the record still goes to the broker (an exception here must not end the key's pump).
/// </summary>
internal sealed partial class SinkFanOut(IReadOnlyList<IGatewayRecordSink> sinks, ILogger logger)
{
    private long _failures;

    /// <summary>Records a sink threw on (each lost for that sink only).</summary>
    public long Failures => Interlocked.Read(ref _failures);

    public void Write(in OutgoingRecord record)
    {
        if (sinks.Count == 0) return;
        var route = record.Route;
        var received = new GatewayRecord(route.TrId, route.Key, route.Session, record.Sequence, GatewayWire.FromUnixMicroseconds(record.ReceivedAtMicros),
            record.Body, route.Run);
        for (var i = 0; i < sinks.Count; i++)
        {
            try
            {
                sinks[i].Write(received);
            }
            catch (Exception e)
            {
                if (Interlocked.Increment(ref _failures) is var failures && (failures & (failures - 1)) == 0)
                    Log.SinkFailed(logger, sinks[i].Name, e.Message, failures);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(4, LogLevel.Error,
            "Sink {Sink} threw on a record ({Reason}): that record is lost for it, {Failures} so far; records still go to the broker")]
        public static partial void SinkFailed(ILogger logger, string sink, string reason, long failures);
    }
}
