using System.Globalization;
using System.Text;
using Kis.Realtime.Benchmarks;
using Kis.Realtime.Gateway.Internal;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>
/// Issue 30 (6g) / issue 33: the gateway's gap marker counted missed volume by a rule of its own (any drop of the
/// cumulative volume = a new day), so a repeated record across a run change was reported as the whole day's volume
/// missed; the client's rule (<c>CumulativeVolume</c>) calls a drop within a day an overlap. One rule now.
/// </summary>
public sealed class GatewayGapVolumeTests
{
    private static readonly DateTimeOffset Morning = new(2026, 11, 24, 10, 0, 0, TimeSpan.FromHours(9));

    private static byte[] Trade(long volume, long accumulated, string date = "20261124")
    {
        var fields = Encoding.ASCII.GetString(SyntheticRecording.Record(KisTrs.H0STCNT0, "005930", 1)).Split('^');
        // A date field (when the TR has one) says the trading day; otherwise the day the gateway received it.
        for (var i = 0; i < fields.Length; i++)
            if (KisTrs.H0STCNT0.Fields[i].Type == Kis.Realtime.Protocol.FieldType.Date) fields[i] = date;
        fields[KisTrs.H0STCNT0.IndexOf("cntg_vol")] = volume.ToString(CultureInfo.InvariantCulture);
        fields[KisTrs.H0STCNT0.IndexOf("acml_vol")] = accumulated.ToString(CultureInfo.InvariantCulture);
        return Encoding.ASCII.GetBytes(string.Join('^', fields));
    }

    [Fact]
    public void A_repeated_record_after_a_run_change_misses_nothing()
    {
        // The last record of the old run had the day at 50,000; the new run's first is a repeat of an earlier one (40,000).
        Assert.Equal(0, TradeVolumes.Missed("H0STCNT0", Trade(10, 50_000), Morning, Trade(10, 40_000), Morning.AddSeconds(2)));
    }

    [Fact]
    public void Within_a_day_the_missed_volume_is_the_difference_and_a_new_day_counts_from_zero()
    {
        Assert.Equal(990, TradeVolumes.Missed("H0STCNT0", Trade(10, 50_000), Morning, Trade(10, 51_000), Morning.AddSeconds(2)));
        Assert.Equal(290, TradeVolumes.Missed("H0STCNT0", Trade(10, 50_000), Morning, Trade(10, 300, "20261125"), Morning.AddDays(1)));
    }

    [Fact]
    public void A_night_session_across_midnight_is_one_trading_day_for_the_gap_marker()
    {
        static byte[] Night(long volume, long accumulated)
        {
            var tr = KisTrs.H0MFCNT0;
            var fields = Encoding.ASCII.GetString(SyntheticRecording.Record(tr, "101W3000", 1)).Split('^');
            fields[tr.IndexOf("last_cnqn")] = volume.ToString(CultureInfo.InvariantCulture);
            fields[tr.IndexOf("acml_vol")] = accumulated.ToString(CultureInfo.InvariantCulture);
            return Encoding.ASCII.GetBytes(string.Join('^', fields));
        }
        var beforeMidnight = new DateTimeOffset(2026, 11, 24, 23, 59, 59, TimeSpan.FromHours(9));
        // 5 contracts missed between the two runs; the KST date rule called 00:00:05 a new day and reported 505.
        Assert.Equal(5, TradeVolumes.Missed("H0MFCNT0", Night(3, 500), beforeMidnight, Night(5, 510), beforeMidnight.AddSeconds(6)));
        // The next evening's session is a new trading day: only its own volume before the first record counts.
        Assert.Equal(0, TradeVolumes.Missed("H0MFCNT0", Night(3, 500), beforeMidnight, Night(4, 4), beforeMidnight.AddHours(18).AddMinutes(1)));
    }
}
