using Microsoft.Extensions.Logging;

namespace Kis.Realtime.Gateway.Internal;

/// <summary>What a stream reader uses of its client: the options, the log, the broker link (its channels are opened on
/// the client's connection), the claims (claimed again after a reconnect), the counters and the run gaps it reports.</summary>
internal sealed record GatewayReaderContext(KisGatewayClientOptions Options, ILogger Logger, GatewayBrokerLink Link, GatewayClaims Claims,
    GatewayClientCounters Counters, GatewayRunGaps RunGaps);
