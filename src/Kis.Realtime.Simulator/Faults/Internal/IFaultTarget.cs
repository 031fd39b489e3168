using Kis.Realtime.Simulator.Market;
using Kis.Realtime.Simulator.WebSockets;
using Microsoft.Extensions.Logging;

namespace Kis.Realtime.Simulator.Internal;

/// <summary>
/// What the fault switches (<see cref="SimulatorFaults"/>) act on: the running hub, which implements this. The faults
/// sit beneath what they fault: Hosting names them (its REST endpoints switch them), they never name Hosting.
/// </summary>
internal interface IFaultTarget
{
    SimulatorOptions Options { get; }
    ILogger Logger { get; }
    RecordSkips Skips { get; }
    IReadOnlyCollection<SimSession> Sessions { get; }
    bool RefuseNewSessions { get; set; }
    bool IsStalled { get; }

    /// <summary>Stalls or resumes every session; how many changed.</summary>
    int SetStalled(bool stalled);

    void InjectFailures(OpspCode code, int count);

    /// <summary>Expires every approval key issued so far; how many.</summary>
    int ExpireApprovalKeys();
}
