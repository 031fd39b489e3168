using System.Globalization;
using System.Text;
using Kis.Realtime.Benchmarks;
using Kis.Realtime.Cli.Commands;
using Kis.Realtime.Protocol;
using static Kis.Realtime.Tests.Cli.CliTestKit;

namespace Kis.Realtime.Tests.Replay;

/// <summary>
/// Hand-made <c>kisrt record</c> folders of trades whose truth is exact (each received 5 ms after its stamp, as
/// <c>kisrt record</c> would store them), and <c>kisrt bars --replay</c> over them.
/// </summary>
internal static class RecordedDays
{
    internal static readonly TimeSpan Kst = TimeSpan.FromHours(9);

    /// <summary>One trade: its KST stamp (the wire holds only the time of day), price, volume and acml_vol.</summary>
    internal readonly record struct Trade(DateTime Kst, decimal Price, long Volume, long Accumulated, TimeSpan? ReceivedLate = null);

    internal static Trade T(string kst, decimal price, long volume, long accumulated) =>
        new(DateTime.ParseExact(kst, "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture), price, volume, accumulated);

    /// <summary>The trade, received <paramref name="late"/> after its stamp (written where that puts it).</summary>
    internal static Trade Late(Trade trade, TimeSpan late) => trade with { ReceivedLate = late };

    /// <summary>A record of <paramref name="tr"/> (a futures or index TR, or a stock trade) for <paramref name="key"/>.</summary>
    internal static byte[] Record(TrDefinition tr, string key, Trade trade)
    {
        var fields = Encoding.ASCII.GetString(SyntheticRecording.Record(tr, key, 1)).Split('^');
        var time = trade.Kst.ToString("HHmmss", CultureInfo.InvariantCulture);
        void Set(string name, string value)
        {
            var i = tr.IndexOf(name);
            if (i >= 0) fields[i] = value;
        }
        Set("bsop_hour", time);
        Set("stck_cntg_hour", time);
        Set("bsop_date", trade.Kst.ToString("yyyyMMdd", CultureInfo.InvariantCulture));
        var price = trade.Price.ToString(CultureInfo.InvariantCulture);
        foreach (var p in new[] { "futs_prpr", "prpr_nmix", "stck_prpr" }) Set(p, price);
        foreach (var v in new[] { "last_cnqn", "pcas_vol", "cntg_vol" }) Set(v, trade.Volume.ToString(CultureInfo.InvariantCulture));
        Set("acml_vol", trade.Accumulated.ToString(CultureInfo.InvariantCulture));
        Set("pcas_tr_pbmn", ((long)(trade.Price * trade.Volume)).ToString(CultureInfo.InvariantCulture));
        return Encoding.ASCII.GetBytes(string.Join('^', fields));
    }

    /// <summary>Writes the trades as a recording, in the order given, each received 5 ms after its stamp (or later).</summary>
    internal static string Write(TrDefinition tr, string key, params Trade[] trades)
    {
        var dir = EmptyDirectory();
        using var recording = new SyntheticRecording(dir);
        foreach (var trade in trades)
        {
            var received = new DateTimeOffset(trade.Kst, Kst).AddMilliseconds(5) + (trade.ReceivedLate ?? TimeSpan.Zero);
            var record = Record(tr, key, trade);
            recording.Add(received, SyntheticRecording.Frame(tr, record));
            Cli.BarsPandasCrossCheckTests.UsRecording.AppendJson(dir, tr, record, key, received); // what tools/bars-check reads
        }
        return dir;
    }

    /// <summary><c>kisrt bars --replay</c>: the bars as JSON and the summary lines.</summary>
    internal static async Task<(List<System.Text.Json.JsonElement> Bars, string Summary)> BarsAsync(string dir, string sub, string interval,
        string? sessions = null,
        TimeSpan? lateWindow = null)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = await BarsCommand.RunAsync(new ConnectionArgs { Subscriptions = [sub] },
            new BarsArgs { Replay = dir, Format = "jsonl", Interval = interval, Sessions = sessions, LateWindow = lateWindow ?? TimeSpan.Zero }, Env(), stdout,
                stderr, default).WaitAsync(CliTimeout);
        Assert.True(exit == 0, $"exit {exit}: {stderr}");
        return (JsonLines(stdout.ToString()), stderr.ToString());
    }

    /// <summary>A bar as (open date-time on the market's clock, volume, close).</summary>
    internal static (string Open, long Volume, decimal Close) Brief(System.Text.Json.JsonElement bar) =>
        (bar.GetProperty("open_time").GetString()![..16], bar.GetProperty("volume").GetInt64(), bar.GetProperty("close").GetDecimal());

    internal static string[] Flags(System.Text.Json.JsonElement bar) =>
        [.. bar.GetProperty("flags").EnumerateArray().Select(f => f.GetString()!)];
}
