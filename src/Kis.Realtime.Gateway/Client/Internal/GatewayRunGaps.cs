using Microsoft.Extensions.Logging;

namespace Kis.Realtime.Gateway.Internal;

/// <summary>
/// The gaps between gateway runs the stream readers found (<see cref="KisGatewayClient.RunGapDetected"/>): counted,
/// logged and handed to the client's handlers on the reader's delivery, under no lock.
/// </summary>
internal sealed class GatewayRunGaps(ILogger logger, Action<GatewayGap> raise)
{
    private long _gaps, _missedVolume;

    public long Gaps => Interlocked.Read(ref _gaps);

    public long MissedVolume => Interlocked.Read(ref _missedVolume);

    public void Report(GatewayGap gap)
    {
        Interlocked.Increment(ref _gaps);
        if (gap.MissedVolume is { } volume) Interlocked.Add(ref _missedVolume, volume);
        GatewayClientLog.Gap(logger, gap.ToString());
        try
        {
            raise(gap);
        }
        catch (Exception e)
        {
            GatewayClientLog.GapHandlerFailed(logger, e.Message);
        }
    }
}
