using Kis.Realtime.Cli.Commands;
using static Kis.Realtime.Tests.Cli.CliTestKit;

namespace Kis.Realtime.Tests.Cli;

/// <summary>A test that mounts a small tmpfs (a real full file system): needs root, as CI runs the tests; skipped otherwise.</summary>
internal sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root") Skip = "mounts a tmpfs to fill it: needs root on Linux (CI runs the tests as root)";
    }
}

/// <summary><c>kisrt record</c> on a disk that fills up while it records.</summary>
public class RecordFullDiskTests
{
    private static async Task RunAsync(string file, params string[] arguments)
    {
        var result = await Kis.Realtime.Tests.Gateway.ChildProcess.RunAsync(file, arguments, TimeSpan.FromSeconds(20));
        Assert.True(result.ExitCode == 0, $"{file} {string.Join(' ', arguments)}: {result.Errors}");
    }

    [RootFact]
    public async Task A_full_disk_still_gives_the_summary_and_leaves_no_torn_line()
    {
        var dir = EmptyDirectory();
        await RunAsync("mount", "-t", "tmpfs", "-o", "size=96k", "tmpfs", dir);
        try
        {
            var stderr = new StringWriter();
            var run = RecordCommand.RunAsync(FastSimulator("index:0001"), dir, count: null, duration: null, Env(), stderr, default);
            // Failed before: the IOException came out with no summary at all.
            var e = await Assert.ThrowsAnyAsync<IOException>(() => run.WaitAsync(CliTimeout));
            Assert.Contains("No space left on device", e.Message);
            var text = stderr.ToString();
            Assert.Matches(@"writing stopped: [\d,]+ records and [\d,]+ raw messages written into .*received [\d,]+ records in [\d,]+ messages; not written " +
                @"[\d,]+ raw messages \([\d,]+ records\)", text);
            Assert.Contains("dropped 0", text); // the loss counters line too
            Assert.Contains("cut it back to its last complete line", text);

            // Failed before: the failed batch's fragment stayed, and the next run called it "left by a run that was killed".
            var day = Assert.Single(Directory.GetDirectories(dir));
            foreach (var file in Directory.GetFiles(day))
            {
                var bytes = await File.ReadAllBytesAsync(file);
                Assert.True(bytes.Length == 0 || bytes[^1] == (byte)'\n', $"{Path.GetFileName(file)} ends in a torn line");
            }
            var written = System.Text.RegularExpressions.Regex.Match(text, @"writing stopped: ([\d,]+) records and ([\d,]+) raw messages");
            var rawLines = File.ReadAllLines(Path.Combine(day, RecordCommand.RawFileName)).Length;
            Assert.Equal(long.Parse(written.Groups[2].Value.Replace(",", "")), rawLines); // written means in the file, exactly
        }
        finally
        {
            await RunAsync("umount", dir);
        }
    }
}
