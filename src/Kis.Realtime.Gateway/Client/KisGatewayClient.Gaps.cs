namespace Kis.Realtime.Gateway;

/// <summary>Gap markers: the records a change of gateway run cost this client, reported typed.</summary>
public sealed partial class KisGatewayClient
{
    internal long Announcements;
    private long _runGaps, _runGapMissedVolume;

    /// <summary>
    /// Raised when a subscription's records jump from one gateway run to the next (a crash and a standby's takeover, or a
    /// restart): the window, the runs and sequences, and the missed volume where the TR's cumulative volume tells it.
    /// Raised on the stream reader's delivery, before the new run's first record is handed to the subscription; a
    /// handler must be quick and must not throw (an exception is logged and ignored). Each is also logged (warning).
    /// Not <see cref="GapDetected"/>, which reports trades KIS's own feed skipped (from cumulative volume) within a run.
    /// </summary>
    public event EventHandler<GatewayGap>? RunGapDetected;

    /// <summary>Gaps reported (<see cref="RunGapDetected"/>), all subscriptions together.</summary>
    public long RunGaps => Interlocked.Read(ref _runGaps);

    /// <summary>Volume missed in the gaps reported, where the TR tells it.</summary>
    public long RunGapMissedVolume => Interlocked.Read(ref _runGapMissedVolume);

    /// <summary>Run announcements read from the streams (a new gateway run's first message of each key).</summary>
    public long RunAnnouncements => Interlocked.Read(ref Announcements);

    /// <summary>Claims made again after the gateway did not hold them (a new run took over, a lease lapsed).</summary>
    public long ClaimsRenewedAfterLoss => Interlocked.Read(ref Reclaims);

    internal void ReportGap(GatewayGap gap)
    {
        Interlocked.Increment(ref _runGaps);
        if (gap.MissedVolume is { } volume) Interlocked.Add(ref _runGapMissedVolume, volume);
        Log.Gap(_logger, gap.ToString());
        try
        {
            RunGapDetected?.Invoke(this, gap);
        }
        catch (Exception e)
        {
            Log.GapHandlerFailed(_logger, e.Message);
        }
    }
}
