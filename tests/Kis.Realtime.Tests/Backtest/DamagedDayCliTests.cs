using Kis.Realtime.Cli;
using Kis.Realtime.Cli.Commands;
using Kis.Realtime.Tests.Cli;

namespace Kis.Realtime.Tests.Backtest;

/// <summary>
/// Issue 56 (5): <c>kisrt backtest</c> over a day it cannot fully use says where and why, with the exit code docs/cli.md
/// gives, and never ends with <c>done</c> and exit 0: a raw.log cut mid-line (1), a day folder with JSON Lines but no
/// raw.log (3), an empty folder or one that is not a recording (2), a <c>--code</c> the recording does not hold (3).
/// </summary>
public sealed class DamagedDayCliTests
{
    private static async Task<(int Exit, string Out, string Err, string Files)> BacktestAsync(string replay, string code = "005930")
    {
        var output = Path.Combine(CliTestKit.EmptyDirectory(), "out");
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = await KisrtApp.GuardAsync(() => BacktestCommand.RunAsync(new BacktestArgs { Replay = replay, Out = output, Code = code },
            stdout, stderr, default), stderr).WaitAsync(CliTestKit.CliTimeout);
        return (exit, stdout.ToString(), stderr.ToString(), output);
    }

    [Fact]
    public async Task A_raw_log_cut_mid_line_is_warned_with_its_file_and_line_and_exits_1()
    {
        var dir = BacktestRecording.Write(CliTestKit.EmptyDirectory(), 300);
        var raw = BacktestRecording.RawLog(dir);
        var bytes = await File.ReadAllBytesAsync(raw);
        var lines = File.ReadAllLines(raw).Length;
        // A recorder killed mid-write: the last line stops half-way through its message, without its end of line.
        var lastLineStart = Array.LastIndexOf(bytes, (byte)'\n', bytes.Length - 2) + 1;
        await File.WriteAllBytesAsync(raw, bytes[..(lastLineStart + (bytes.Length - lastLineStart) / 2)]);

        var (exit, _, err, output) = await BacktestAsync(dir);

        Assert.True(exit == 1, $"exit {exit}: {err}");
        Assert.Contains($"{Path.Combine("2026-11-23", "raw.log")}:{lines}", err, StringComparison.Ordinal);
        Assert.DoesNotContain("kisrt backtest: done\n", err.ReplaceLineEndings("\n") + "\n", StringComparison.Ordinal);
        Assert.Contains("1 line of the recording could not be used", err, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(output, "fills.csv")), "the usable part is still backtested and written");
    }

    [Fact]
    public async Task A_day_folder_with_json_lines_but_no_raw_log_is_an_error_naming_the_folder_exit_3()
    {
        var dir = BacktestRecording.Write(CliTestKit.EmptyDirectory(), 50);
        File.Delete(BacktestRecording.RawLog(dir));
        await File.WriteAllTextAsync(Path.Combine(dir, "2026-11-23", "H0STCNT0.jsonl"), "{}\n");

        var (exit, _, err, _) = await BacktestAsync(dir);

        Assert.True(exit == 3, $"exit {exit}: {err}");
        Assert.Contains(Path.Combine(dir, "2026-11-23"), err, StringComparison.Ordinal);
        Assert.Contains("no raw.log", err, StringComparison.Ordinal);
        Assert.DoesNotContain("done", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_day_without_raw_log_beside_a_good_one_is_warned_and_exits_1()
    {
        var dir = BacktestRecording.Write(CliTestKit.EmptyDirectory(), 100);
        Directory.CreateDirectory(Path.Combine(dir, "2026-11-24"));
        await File.WriteAllTextAsync(Path.Combine(dir, "2026-11-24", "H0STCNT0.jsonl"), "{}\n");

        var (exit, _, err, _) = await BacktestAsync(dir);

        Assert.True(exit == 1, $"exit {exit}: {err}");
        Assert.Contains($"{Path.Combine(dir, "2026-11-24")}: no raw.log", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_empty_folder_is_a_usage_error_exit_2()
    {
        var (exit, _, err, _) = await BacktestAsync(CliTestKit.EmptyDirectory());

        Assert.True(exit == 2, $"exit {exit}: {err}");
        Assert.Contains("is empty", err, StringComparison.Ordinal);
        Assert.DoesNotContain("done", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_folder_that_is_not_a_recording_is_a_usage_error_naming_what_it_holds_exit_2()
    {
        var dir = CliTestKit.EmptyDirectory();
        await File.WriteAllTextAsync(Path.Combine(dir, "notes.txt"), "not a recording");
        Directory.CreateDirectory(Path.Combine(dir, "photos"));

        var (exit, _, err, _) = await BacktestAsync(dir);

        Assert.True(exit == 2, $"exit {exit}: {err}");
        Assert.Contains("not a `kisrt record --out` folder", err, StringComparison.Ordinal);
        Assert.Contains("notes.txt", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_code_the_recording_does_not_hold_is_an_error_naming_what_it_holds_exit_3()
    {
        var dir = BacktestRecording.Write(CliTestKit.EmptyDirectory(), 50);

        var (exit, _, err, output) = await BacktestAsync(dir, code: "000660");

        Assert.True(exit == 3, $"exit {exit}: {err}");
        Assert.Contains("--code 000660", err, StringComparison.Ordinal);
        Assert.Contains("H0STCNT0:005930", err, StringComparison.Ordinal);
        Assert.Contains("give one of its H0STCNT0 codes as --code", err, StringComparison.Ordinal);
        Assert.DoesNotContain("done", err, StringComparison.Ordinal);
        Assert.False(Directory.Exists(output), "no result files for a run that traded nothing it was asked to");
    }
}
