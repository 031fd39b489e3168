
namespace Kis.Realtime.Gateway;

/// <summary>
/// An explicit gap in one key's records (<see cref="KisGatewayClient.RunGapDetected"/>): the gateway run that published
/// them changed (a crash and a takeover by a standby, or a restart), so what KIS sent between the last record of the
/// previous run this consumer got and the first record of the next run was not published: received but not yet
/// confirmed by the previous run, or sent while no run held the registration. Every record a run confirmed is on the
/// stream and reaches the consumer before the gap is reported; nothing inside the window does.
/// </summary>
public sealed record GatewayGap
{
    /// <summary>The TR id.</summary>
    public required string Tr { get; init; }
    /// <summary>The key.</summary>
    public required string Key { get; init; }
    /// <summary>The run of the last record before the gap.</summary>
    public required string PreviousRun { get; init; }
    /// <summary>The <c>seq</c> of the last record before the gap this consumer got (of <see cref="PreviousRun"/>).</summary>
    public long LastSequence { get; init; }
    /// <summary>When the gateway received that record: the gap begins after it.</summary>
    public DateTimeOffset LastReceivedAt { get; init; }
    /// <summary>The run of the first record after the gap.</summary>
    public required string NextRun { get; init; }
    /// <summary>The <c>seq</c> of that record (1 unless the key was registered earlier in that run).</summary>
    public long FirstSequence { get; init; }
    /// <summary>When the gateway received it: the gap ends before it.</summary>
    public DateTimeOffset FirstReceivedAt { get; init; }
    /// <summary>True when the next run announced itself on the stream (false: a run change seen from the records alone).</summary>
    public bool Announced { get; init; }
    /// <summary>When the next run began, from its announcement.</summary>
    public DateTimeOffset? NextRunStartedAt { get; init; }
    /// <summary>The last <c>seq</c> of this key the previous run had confirmed as of its last checkpoint (written every
    /// <see cref="KisGatewayOptions.CheckpointInterval"/>: a lower bound of what it confirmed), from the announcement.</summary>
    public long? PreviousRunConfirmedSequence { get; init; }
    /// <summary>Volume traded in the gap, where the TR carries a cumulative volume (trades: acml_vol after − acml_vol
    /// before − the first trade's own volume; a new trading day counts from 0); null when it does not tell.</summary>
    public long? MissedVolume { get; init; }

    /// <summary>Set when the gap is within one run (<see cref="PreviousRun"/> = <see cref="NextRun"/>, consecutive seqs): the KIS
    /// session carrying the key reconnected at this time, and what KIS sent while it was away was never received. The run
    /// announced it on the stream; <see cref="MissedVolume"/> tells its extent where the TR has a cumulative volume.</summary>
    public DateTimeOffset? KisSessionReconnectedAt { get; init; }

    /// <summary>Set when the gap is within one run because the gateway had released the key's registration (its last consumer
    /// left, the linger ended) and registered it again at this time: what KIS sent meanwhile was never received. The run
    /// announced it on the stream, as a reconnect; <see cref="MissedVolume"/> tells its extent where the TR has a cumulative
    /// volume.</summary>
    public DateTimeOffset? KeyRegisteredAgainAt { get; init; }

    /// <summary>A line for logs and <c>kisrt stream --gateway</c>.</summary>
    public override string ToString() =>
        $"GAP {Tr} {Key}: run {PreviousRun} seq {LastSequence} at {LastReceivedAt:HH:mm:ss.ffffff} -> run {NextRun} seq {FirstSequence} at " +
        $"{FirstReceivedAt:HH:mm:ss.ffffff} " +
        $"({(FirstReceivedAt - LastReceivedAt).TotalSeconds:0.000} s{(MissedVolume is { } v ? $", missed volume {v}" : "")}" +
        $"{(PreviousRunConfirmedSequence is { } c ? $", previous run confirmed seq {c} at its last checkpoint" : "")}" +
        $"{(KisSessionReconnectedAt is { } k ? $", KIS session reconnected at {k:HH:mm:ss.ffffff}" : "")}" +
        $"{(KeyRegisteredAgainAt is { } g ? $", key registered again at {g:HH:mm:ss.ffffff}" : "")}{(Announced ? "" : ", not announced")})";
}
