using Kis.Realtime.Gateway.Internal;

namespace Kis.Realtime.Gateway;

/// <summary>
/// An independent check of a namespace's streams, as any consumer can read them (<c>kisrt gateway audit</c>): each TR
/// stream read from its first record, and per key, the seqs consecutive within a run, the cumulative volume continuous
/// between consecutive seqs where the TR has one (trades: each one's <c>acml_vol</c> is the previous one's plus its own
/// <c>cntg_vol</c>), and every run change against its announcement (does <c>previous_stream_seq</c> name the key's real
/// last record on the stream; is the extent exact or stated unknown). What is missing, and whether the stream states it.
/// It needs only read access to the streams; it writes nothing.
/// </summary>
public static class KisGatewayAudit
{
    /// <summary>Audits the streams of <paramref name="endpoint"/>'s namespace.</summary>
    /// <exception cref="KisConnectionException">The broker could not be reached.</exception>
    /// <exception cref="KisBrokerRefusedException">The broker refused the user (credentials, the vhost, a permission).</exception>
    /// <exception cref="KisGatewayAuditIncompleteException">The broker ended a stream's read before its end (the connection closed, the
    /// consumer cancelled): nothing is judged.</exception>
    public static async Task<GatewayAuditReport> AuditAsync(KisGatewayEndpoint endpoint, GatewayAuditOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        options ??= GatewayAuditOptions.Default;
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxMessages);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxFindings);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.Quiet, TimeSpan.Zero);
        var audits = await GatewayAuditReader.AuditAsync(endpoint, options, cancellationToken).ConfigureAwait(false);
        var counts = new GatewayAuditCounts();
        foreach (var audit in audits) counts.Add(audit.Counts);
        return new GatewayAuditReport(
            [.. audits.Select(a => new GatewayAuditStream(a.TrId, endpoint.StreamFor(a.TrId), a.Counts, a.FromFirst))],
            [.. audits.SelectMany(a => a.Findings)], audits.Sum(a => a.FindingsLeftOut), counts);
    }
}

/// <summary>How far <see cref="KisGatewayAudit"/> reads.</summary>
public sealed record GatewayAuditOptions
{
    /// <summary>Every TR stream of the namespace, up to 20,000,000 messages each, a stream quiet for 3 s ended.</summary>
    public static GatewayAuditOptions Default { get; } = new();

    /// <summary>The TRs whose streams to audit; null: every TR whose stream exists in the namespace.</summary>
    public IReadOnlyList<string>? Trs { get; init; }

    /// <summary>Messages read from a stream at most; a stream cut there is said (<see cref="GatewayAuditCounts.Bounded"/>).</summary>
    public long MaxMessages { get; init; } = 20_000_000;

    /// <summary>A stream that delivers nothing for this long has ended. A stream also ends at the first record the gateway
    /// received after the audit began (a live gateway's stream has no end).</summary>
    public TimeSpan Quiet { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Findings kept per stream and kind (the counts hold them all).</summary>
    public int MaxFindings { get; init; } = 1000;
}

/// <summary>What <see cref="KisGatewayAudit"/> found.</summary>
/// <param name="Streams">Each stream read, with its own figures.</param>
/// <param name="Findings">The findings, stream by stream in stream order (up to <see cref="GatewayAuditOptions.MaxFindings"/> per stream and kind).</param>
/// <param name="FindingsLeftOut">Findings beyond that bound (counted in <paramref name="Counts"/>, not listed).</param>
/// <param name="Counts">The figures of all streams together.</param>
public sealed record GatewayAuditReport(IReadOnlyList<GatewayAuditStream> Streams, IReadOnlyList<GatewayAuditFinding> Findings, long FindingsLeftOut,
    GatewayAuditCounts Counts)
{
    /// <summary>Nothing missing unstated and no wrong announcement (<see cref="GatewayAuditCounts.Clean"/>).</summary>
    public bool Clean => Counts.Clean;
}

/// <summary>One stream read by <see cref="KisGatewayAudit"/>.</summary>
/// <param name="Tr">The TR id.</param>
/// <param name="Stream">The stream queue's name.</param>
/// <param name="Counts">Its figures.</param>
/// <param name="FromFirst">False when retention had removed the stream's start: what lies before the first offset read is not judged.</param>
public sealed record GatewayAuditStream(string Tr, string Stream, GatewayAuditCounts Counts, bool FromFirst);
