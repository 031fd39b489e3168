namespace Kis.Realtime.Gateway.Internal;

/// <summary>
/// The gateway client's counters, each moved with <see cref="Interlocked"/> by whichever part counts it (the stream
/// readers' intake, the subscriptions' delivery, the claims) and read by the client's figures.
/// </summary>
internal sealed class GatewayClientCounters
{
    /// <summary>Records taken off the streams for a subscription (repeats and records before a start time not counted).</summary>
    public long RecordsReceived;

    /// <summary>Records handed to the application.</summary>
    public long RecordsDelivered;

    /// <summary>Records the gateway published twice that were delivered once.</summary>
    public long Duplicates;

    /// <summary>Records or messages that could not be read (a malformed message, a record its view cannot decode).</summary>
    public long DecodeErrors;

    /// <summary>Sequences that went back further than a resend can within a run.</summary>
    public long Resets;

    /// <summary>Claims made again after the gateway did not hold them.</summary>
    public long Reclaims;

    /// <summary>Streams found deleted and created again.</summary>
    public long StartedOver;

    /// <summary>Run announcements read from the streams.</summary>
    public long Announcements;
}
