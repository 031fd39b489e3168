using System.Buffers.Binary;
using System.Diagnostics;
using System.Text.RegularExpressions;
using Kis.Realtime.Cli.Commands;
using Kis.Realtime.Cli.Dashboard;
using Kis.Realtime.Tests.Cli;

namespace Kis.Realtime.Tests.Dashboard;

/// <summary>
/// Issue 76 (1): a picture of the dashboard shows the market. Headless chromium shoots at the page's load event, which
/// a live page reached before its first events (empty panels, a grey "connecting…" badge, 5 of 5 times): a page opened
/// with <c>?screenshot</c> holds its load until every panel has drawn live data. Both ways users take it are tested
/// with the real browser: <c>kisrt dashboard --screenshot FILE</c> and chromium alone on the <c>?screenshot</c> URL.
/// </summary>
public sealed class DashboardScreenshotTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task Screenshot_option_writes_the_page_once_every_panel_is_live()
    {
        var file = Path.Combine(CliTestKit.EmptyDirectory(), "dashboard.png");
        var stderr = new StringWriter();
        var env = CliTestKit.Env(new() { ["KISRT_CHROMIUM"] = BrowserFixture.ChromiumPath });

        var exit = await DashboardCommand.RunAsync(new ConnectionArgs { SimulatorPace = "50" }, 0, null, env, TextWriter.Null, stderr,
            CancellationToken.None, screenshot: file).WaitAsync(Limit);

        Assert.True(exit == 0, stderr.ToString());
        Assert.Matches(@"dashboard\.png: the dashboard with every panel live \(\d+\.\d s after start\)", stderr.ToString());
        Assert.Contains("kisrt: dashboard stopped after", stderr.ToString(), StringComparison.Ordinal); // its summary, as after Ctrl+C
        var png = await File.ReadAllBytesAsync(file);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
        Assert.Equal((1400u, 1800u), (BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(16)), BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(20))));
        Directory.CreateDirectory(BrowserFixture.ArtifactsDirectory);
        File.Copy(file, Path.Combine(BrowserFixture.ArtifactsDirectory, "screenshot-option.png"), overwrite: true);
    }

    [Fact]
    public async Task Chromium_alone_on_the_screenshot_url_sees_every_panel_filled_at_load()
    {
        await using var host = await DashboardHost.StartAsync(new ConnectionArgs { SimulatorPace = "50" }, port: 0, CliTestKit.Env(), TextWriter.Null,
            CancellationToken.None);
        var profile = CliTestKit.EmptyDirectory();
        // --dump-dom prints the page at its load event, the moment --screenshot shoots.
        var start = new ProcessStartInfo(BrowserFixture.ChromiumPath) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in (string[])["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", $"--user-data-dir={profile}", "--dump-dom",
            new Uri(host.Url, "/?screenshot&settle=1").ToString()])
            start.ArgumentList.Add(arg);
        using var chromium = Process.Start(start)!;
        var dom = chromium.StandardOutput.ReadToEndAsync();
        var chatter = chromium.StandardError.ReadToEndAsync();
        await chromium.WaitForExitAsync().WaitAsync(Limit);
        var html = await dom;
        await chatter;

        Assert.True(host.ScreenshotHolds.FirstReady.IsCompletedSuccessfully, "the page never said it was ready");
        Assert.DoesNotContain("connecting…</span>", html, StringComparison.Ordinal); // the badge shows the session's state
        foreach (var panel in new[] { "tape", "book" })
        {
            var section = Regex.Match(html, $"<section id=\"panel-{panel}\".*?</section>", RegexOptions.Singleline).Value;
            Assert.True(Regex.Matches(section, "<tbody>.*?<tr", RegexOptions.Singleline).Count > 0, $"{panel} has no rows at load:\n{section}");
        }
        Assert.Matches("<section id=\"panel-index\"[^>]*data-points=\"[1-9]", html); // the chart has points
    }
}
