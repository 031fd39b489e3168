namespace Kis.Realtime;

public sealed partial class BarAggregator<TTrade, TAccessor>
{
    private const int MaxTrs = 4;

    // The last cumulative volume per TR: a key may be fed from several TRs (e.g. KRX and NXT trades of one stock).
    private readonly string?[] _trIds = new string?[MaxTrs];
    private readonly long[] _trAccumulated = new long[MaxTrs];
    private readonly int[] _trDay = new int[MaxTrs];

    // Cumulative-volume check per TR: true when trades were missed between this TR's previous trade and this one.
    // Runs for every trade, also those outside the bar's sessions, so their volume is not taken for missed volume.
    private bool CheckVolume(string trId, long volume, long accumulated, int day)
    {
        if (accumulated < 0) return false;
        var i = 0;
        while (i < MaxTrs && _trIds[i] is { } id && !ReferenceEquals(id, trId) && !string.Equals(id, trId, StringComparison.Ordinal)) i++;
        if (i == MaxTrs) return false; // more TRs than any instrument has: not checked
        if (_trIds[i] is null)
        {
            _trIds[i] = trId;
            _trAccumulated[i] = accumulated;
            _trDay[i] = day;
            return false;
        }
        var missing = CumulativeVolumeRule.Missing(_trAccumulated[i], _trDay[i], accumulated, volume, day, out var reset);
        if (CumulativeVolumeRule.Advances(_trAccumulated[i], _trDay[i], accumulated, day))
        {
            _trAccumulated[i] = accumulated;
            _trDay[i] = day;
        }
        if (missing <= 0) return false;
        Gaps++;
        MissingVolume += missing;
        return true;
    }

    // A gap found on a trade the bar's sessions leave out (NXT's first after-market trade revealing a lost main-market
    // one): the trade is in no bar, so without this the gap would be counted but no bar would say so, and a regular-only
    // daily bar would look complete. The volume was lost before this trade, so the forming bar of its trading day is where
    // it went missing; with none (closed on the clock, or no trade of that day in the sessions yet) the key's next bar
    // carries the flag, as after a seed that leaves volume missing.
    private void FlagSkippedTradeGap(int day)
    {
        if (_forming && _formingDay == day) _flags |= BarFlags.Gap;
        else _pendingFlags |= BarFlags.Gap;
    }
}
