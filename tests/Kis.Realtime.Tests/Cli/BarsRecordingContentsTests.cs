using Kis.Realtime.Cli.Commands;
using static Kis.Realtime.Tests.Cli.CliTestKit;

namespace Kis.Realtime.Tests.Cli;

/// <summary>
/// `kisrt bars --replay DIR --sub stock:000660` on a recording without that stock names what the recording holds (issue
/// 47, item 5). Failed before: "0 bars shown; gaps 0" and nothing else.
/// </summary>
public sealed class BarsRecordingContentsTests
{
    [Fact]
    public async Task A_subscription_the_recording_does_not_hold_names_what_it_holds()
    {
        var dir = EmptyDirectory();
        var start = new DateTimeOffset(2026, 11, 23, 0, 30, 0, TimeSpan.Zero);
        using (var recording = new Kis.Realtime.Benchmarks.SyntheticRecording(dir))
        {
            recording.Add(start, "0|H0STCNT0|001|005930^093000^too^few"u8);
            recording.Add(start.AddSeconds(1), "0|H0UPCNT0|001|0001^093001^too^few"u8);
            recording.Add(start.AddSeconds(2), "0|H0STCNT0|001|005930^093002^too^few"u8);
        }
        var stderr = new StringWriter();
        await BarsCommand.RunAsync(new ConnectionArgs { Subscriptions = ["stock:000660"] },
            new BarsArgs { Replay = dir, Format = "jsonl" }, Env(), new StringWriter(), stderr, default).WaitAsync(CliTimeout);

        Assert.Contains($"kisrt: H0STCNT0:000660: the recording {Path.GetFullPath(dir)} holds no trades of it; it holds H0STCNT0:005930, H0UPCNT0:0001 (give " +
            $"one as --sub)",
            stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Many_pairs_are_named_up_to_a_dozen_and_the_rest_counted()
    {
        var pairs = Enumerable.Range(0, 15).Select(i => $"H0STCNT0:{i:000000}").ToList();
        var line = RecordingContents.Describe("H0STCNT0:000660", "/rec", pairs);
        Assert.EndsWith("H0STCNT0:000011 and 3 more (give one as --sub)", line, StringComparison.Ordinal);
    }
}
