using System.Globalization;
using System.Text;
using Kis.Realtime.Benchmarks;
using Kis.Realtime.Cli.Commands;
using Kis.Realtime.Cli.Configuration;
using Kis.Realtime.Protocol;
using static Kis.Realtime.Tests.Cli.CliTestKit;

namespace Kis.Realtime.Tests.Cli;

/// <summary><c>kisrt bars --sessions</c> over a recorded KRX day and a recorded NXT day (issue #33).</summary>
public sealed class BarsSessionsTests
{
    // One trade of 005930 on <paramref name="tr"/> at a KST time of day, acml_vol continuing the previous one.
    private static byte[] Trade(TrDefinition tr, string hhmmss, long price, long volume, long accumulated)
    {
        var fields = Encoding.ASCII.GetString(SyntheticRecording.Record(tr, "005930", 1)).Split('^');
        fields[tr.IndexOf("stck_cntg_hour")] = hhmmss;
        fields[tr.IndexOf("stck_prpr")] = price.ToString(CultureInfo.InvariantCulture);
        fields[tr.IndexOf("cntg_vol")] = volume.ToString(CultureInfo.InvariantCulture);
        fields[tr.IndexOf("acml_vol")] = accumulated.ToString(CultureInfo.InvariantCulture);
        return SyntheticRecording.Frame(tr, Encoding.ASCII.GetBytes(string.Join('^', fields)));
    }

    /// <summary>
    /// One day of <paramref name="tr"/>'s trades: pre-market 08:10 (1 share), regular 10:00 (2), a trade stamped 15:30:02
    /// (4), after-market 17:00 (8).
    /// </summary>
    private static string RecordDay(TrDefinition tr)
    {
        var dir = EmptyDirectory();
        var day = new DateTimeOffset(2026, 11, 23, 0, 0, 0, TimeSpan.FromHours(9));
        using var recording = new SyntheticRecording(dir);
        long accumulated = 0;
        foreach (var (time, price, volume) in new[] { ("081000", 100L, 1L), ("100000", 110L, 2L), ("153002", 120L, 4L), ("170000", 130L, 8L) })
        {
            accumulated += volume;
            var at = day + TimeOnly.ParseExact(time, "HHmmss", CultureInfo.InvariantCulture).ToTimeSpan();
            recording.Add(at.AddMilliseconds(5), Trade(tr, time, price, volume, accumulated));
        }
        return dir;
    }

    private static Task<(long Volume, decimal Open, decimal Close, string Summary)> DailyBarAsync(string dir, string? sessions) =>
        DailyBarAsync(dir, "stock-nxt:005930", sessions);

    private static async Task<(long Volume, decimal Open, decimal Close, string Summary)> DailyBarAsync(string dir, string sub, string? sessions)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = await BarsCommand.RunAsync(new ConnectionArgs { Subscriptions = [sub] },
            new BarsArgs { Replay = dir, Format = "jsonl", Interval = "1d", Sessions = sessions }, Env(), stdout, stderr, default).WaitAsync(CliTimeout);
        Assert.True(exit == 0, $"exit {exit}: {stderr}");
        var bar = Assert.Single(JsonLines(stdout.ToString()));
        return (bar.GetProperty("volume").GetInt64(), bar.GetProperty("open").GetDecimal(), bar.GetProperty("close").GetDecimal(), stderr.ToString());
    }

    [Fact]
    public async Task A_KRX_closing_print_stamped_15_30_02_is_the_close_of_the_regular_daily_bar()
    {
        // KRX's closing auction ends at a random moment after 15:30: its print, the day's close, is regular.
        var regular = await DailyBarAsync(RecordDay(KisTrs.H0STCNT0), "stock:005930", "regular");
        Assert.Equal((2L + 4L, 110m, 120m), (regular.Volume, regular.Open, regular.Close));
        Assert.Contains("trades outside the sessions 2", regular.Summary);
    }

    [Fact]
    public async Task Sessions_choose_which_trades_make_the_daily_bar()
    {
        var dir = RecordDay(KisTrs.H0NXCNT0);

        // NXT has no closing auction: its main market ends at 15:20, so a trade at 15:30:02 is after-market.
        var regular = await DailyBarAsync(dir, "regular");
        Assert.Equal((2L, 110m, 110m), (regular.Volume, regular.Open, regular.Close));
        Assert.Contains("trades outside the sessions 3", regular.Summary);

        var extended = await DailyBarAsync(dir, "extended");
        Assert.Equal((15L, 100m, 130m), (extended.Volume, extended.Open, extended.Close));
        Assert.Equal(extended.Volume, (await DailyBarAsync(dir, null)).Volume); // the default is every session
        Assert.Equal(1L + 4L + 8L, (await DailyBarAsync(dir, "pre,after")).Volume);

        var e = await Assert.ThrowsAsync<CliUsageException>(() => BarsCommand.RunAsync(new ConnectionArgs { Subscriptions = ["stock-nxt:005930"] },
            new BarsArgs { Replay = dir, Sessions = "lunch" }, Env(), new StringWriter(), new StringWriter(), default));
        Assert.Contains("--sessions", e.Message);
    }
}
