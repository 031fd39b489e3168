using Kis.Realtime.Cli.Commands;
using Kis.Realtime.Tests.Client;
using static Kis.Realtime.Tests.Cli.CliTestKit;

namespace Kis.Realtime.Tests.Cli;

/// <summary>kisrt stream's summary names the gaps the cumulative volume revealed: count, missing volume, worst windows.</summary>
public class StreamGapReportingTests
{
    // H0UPCNT0: code^bsop_hour^value^sign^change^acml_vol^acml_tr_pbmn^pcas_vol^pcas_tr_pbmn^… (29 fields after these)
    private static string Tick(string time, long accumulated, long volume)
        => $"0001^{time}^2600.00^2^32.68^{accumulated}^1650684^{volume}^10335^1.26^2615.72^2624.82^2610.00^23.86^2^32.96^2^18.14^2^0.92^1.27^0.70^0^670^72^" +
            $"177^0^0^0^19";

    [Fact]
    public async Task A_jump_in_acml_vol_is_a_gap_in_the_summary_with_its_volume_and_window()
    {
        await using var server = ScriptedKisServer.Start(async c =>
        {
            var (_, trId, trKey) = await c.ReceiveRequestAsync() ?? throw new IOException("closed");
            await c.ReplyAsync(trId, trKey);
            await c.SendTextAsync("0|H0UPCNT0|001|" + Tick("090001", 63_952, 439));
            await c.SendTextAsync("0|H0UPCNT0|001|" + Tick("090002", 64_000, 48));  // 63,952 + 48: nothing missed
            await c.SendTextAsync("0|H0UPCNT0|001|" + Tick("090005", 64_100, 40));  // 64,000 + 40 ≠ 64,100: 60 missed
            await c.ServeUntilClosedAsync();
        });
        var stdout = new MemoryStream();
        var stderr = new StringWriter();
        var connection = Scripted(server, "index:0001");
        var exit = await StreamCommand.RunAsync(connection, new StreamArgs { Format = "jsonl", Count = 3 }, Env(), stdout, stderr, default).WaitAsync(
            CliTimeout);

        Assert.Equal(0, exit);
        Assert.Equal(3, JsonLines(stdout.ToArray()).Count);
        var summary = stderr.ToString();
        Assert.Contains("gaps 1 (missing volume 60)", summary);
        Assert.Contains("largest gaps: H0UPCNT0 0001 60 missed between 09:00:02 and 09:00:05 KST", summary);
    }
}
