using Kis.Realtime.Simulator.Market;

namespace Kis.Realtime.Simulator.WebSockets;

/// <summary>One (TR, key) a session subscribes to: immutable, so the send loop reads a snapshot of them without a lock.</summary>
internal sealed class SessionSubscription(TrDefinition tr, string key, Instrument instrument, TapeReader? reader)
{
    public TrDefinition Tr { get; } = tr;
    public string Key { get; } = key;
    /// <summary>The market's instrument: shared with every other session subscribed to it.</summary>
    public Instrument Instrument { get; } = instrument;
    /// <summary>This session's place on the instrument's tape (null for the venue's notices, which are per subscription).</summary>
    public TapeReader? Reader { get; } = reader;
}
