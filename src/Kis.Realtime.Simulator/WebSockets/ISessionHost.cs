using Kis.Realtime.Simulator.Market;
using Kis.Realtime.Simulator.Metrics;
using Microsoft.Extensions.Logging;

namespace Kis.Realtime.Simulator.WebSockets;

/// <summary>
/// What a <see cref="SimSession"/> needs of the simulator that hosts it: the market, the venue's notices, approval
/// keys, app-key slots and fault switches. The hosting layer implements it (<c>Hosting/SimulatorHub</c>) and creates
/// the sessions; a session names only this interface, so the layers import one way (hosting → sessions, never back).
/// </summary>
internal interface ISessionHost
{
    SimulatorOptions Options { get; }
    SimulatorTally Counters { get; }
    ILogger Logger { get; }
    SimulatedMarket Market { get; }

    /// <summary>Which unlisted-code subscriptions are logged (the first of each code, rate-limited).</summary>
    UnlistedCodeWarnings UnlistedWarnings { get; }

    /// <summary>The paper venue (a session wakes when it published a notice).</summary>
    Trading.PaperVenue Venue { get; }

    /// <summary>True while new sessions are refused (fault injection).</summary>
    bool RefuseNewSessions { get; }

    /// <summary>True while sessions are stalled (fault injection: nothing is sent).</summary>
    bool IsStalled { get; }

    /// <summary>The credential an approval key was issued for; false when the key is unknown or expired.</summary>
    bool TryValidateApproval(string? approvalKey, out SimulatorCredential credential);

    /// <summary>The instrument behind a subscription (the venue's notices, or the market's records).</summary>
    Instrument Instrument(TrDefinition tr, string key);

    /// <summary>True when the profile offers the TR and the simulator can generate it.</summary>
    bool Offers(TrDefinition tr);

    /// <summary>Takes the app key's one live-session slot for <paramref name="session"/> (KIS allows one per key).</summary>
    bool TryClaimAppKey(string appKey, SimSession session);

    /// <summary>Gives the slot back when <paramref name="session"/> holds it.</summary>
    void ReleaseAppKey(string appKey, SimSession session);

    /// <summary>The next failure a test injected for a request, if any.</summary>
    bool TryTakeInjectedFailure(out OpspCode code);

    /// <summary>A session's registrations changed (status and tests waiting for it wake).</summary>
    void NotifyChanged();
}
