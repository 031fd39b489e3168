using Kis.Realtime.Internal;
using Microsoft.Extensions.Logging;

namespace Kis.Realtime.Session;

/// <summary>
/// What the sessions of one client share: where events go, the clock, the log, the instruments, the counters, the raw
/// taps and the delivery settings. References only: each part owns (and locks) its own state.
/// </summary>
internal sealed class ClientShared
{
    public ClientShared(TimeProvider time, ILogger logger, System.Diagnostics.Metrics.IMeterFactory? meterFactory, SessionEvents events,
        int rawMessageCapacity, KisFullMode fullMode)
    {
        Time = time;
        Logger = logger;
        Events = events;
        Instruments = new KisInstruments(meterFactory);
        Counters = new ClientCounters(time, logger, Instruments, events);
        RawTaps = new RawTaps(rawMessageCapacity, fullMode, Counters);
    }

    /// <summary>Where state changes and drop notices go to reach the user's handlers (off every session thread and lock).</summary>
    public SessionEvents Events { get; }

    /// <summary>Gap detection over every subscription's trade records (<see cref="KisRealtimeOptions.DetectGaps"/>).</summary>
    public ClientGaps Gaps { get; set; } = null!; // set once by the client, on Instruments' meter

    /// <summary>This client's instruments (on a meter from its <see cref="KisRealtimeOptions.MeterFactory"/> when given).</summary>
    public KisInstruments Instruments { get; }

    /// <summary>What <see cref="KisRealtimeClient.Statistics"/> reports.</summary>
    public ClientCounters Counters { get; }

    /// <summary>The <see cref="KisRealtimeClient.ReadRawMessagesAsync"/> enumerations.</summary>
    public RawTaps RawTaps { get; }

    public TimeProvider Time { get; }

    public ILogger Logger { get; }

    /// <summary><see cref="KisRealtimeOptions.InlineDelivery"/>.</summary>
    public bool InlineDelivery { get; init; }

    /// <summary><see cref="KisRealtimeOptions.DeliveryThreads"/>: where waiting consumers continue (unless inline).</summary>
    public DeliveryThreads? Delivery { get; init; }
}
