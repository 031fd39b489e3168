using System.Diagnostics;
using System.Globalization;
using Kis.Realtime.Cli.Configuration;

namespace Kis.Realtime.Cli.Dashboard;

/// <summary>
/// <c>kisrt dashboard --screenshot FILE</c>: headless chromium pictures the page once every panel shows live data
/// (the page's <c>?screenshot</c> hold, <see cref="ScreenshotHolds"/>), then the dashboard stops. The browser is
/// <c>KISRT_CHROMIUM</c>, else the first of chromium, chromium-browser, google-chrome on PATH.
/// </summary>
internal static class DashboardScreenshot
{
    private static readonly string[] BrowserNames = ["chromium", "chromium-browser", "google-chrome"];

    /// <summary>The browser to run, or a run error naming how to get one.</summary>
    public static string FindBrowser(Func<string, string?> variable)
    {
        if (variable("KISRT_CHROMIUM") is { Length: > 0 } configured)
            return File.Exists(configured) ? configured : throw new CliRunException($"KISRT_CHROMIUM={configured}: no such file.");
        foreach (var folder in (variable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            foreach (var name in BrowserNames)
                if (Path.Combine(folder, name) is var path && File.Exists(path)) return path;
        throw new CliRunException("--screenshot needs chromium: install it (Debian: apt-get install chromium) or set KISRT_CHROMIUM to its path.");
    }

    private static Process Launch(ProcessStartInfo start, string browser)
    {
        try
        {
            return Process.Start(start) ?? throw new CliRunException($"--screenshot: could not start {browser}.");
        }
        catch (System.ComponentModel.Win32Exception e) // not executable, a wrong binary
        {
            throw new CliRunException($"--screenshot: cannot run {browser}: {e.Message}", e);
        }
    }

    /// <summary>Takes the picture into <paramref name="file"/>; the line to print says whether the page was ready.</summary>
    public static async Task<string> TakeAsync(string browser, Uri page, string file, ScreenshotHolds holds, CancellationToken cancellationToken)
    {
        var full = Path.GetFullPath(file);
        var profile = Directory.CreateTempSubdirectory("kisrt-chromium-");
        var start = new ProcessStartInfo(browser)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var arg in (string[])["--headless", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--hide-scrollbars", "--window-size=1400,1800", $"--user-data-dir={profile.FullName}",
            string.Create(CultureInfo.InvariantCulture, $"--timeout={(ScreenshotHolds.MaxHold + TimeSpan.FromSeconds(10)).TotalMilliseconds:0}"),
            $"--screenshot={full}", new Uri(page, "/?screenshot").ToString()])
            start.ArgumentList.Add(arg);
        // chromium refuses to run as root without it (a container); the page is ours, on 127.0.0.1.
        if (Environment.UserName == "root") start.ArgumentList.Insert(0, "--no-sandbox");
        try
        {
            using var process = Launch(start, browser);
            // Its dbus, zygote and launcher chatter is not ours to print.
            var drain = Task.WhenAll(process.StandardOutput.ReadToEndAsync(cancellationToken), process.StandardError.ReadToEndAsync(cancellationToken));
            try
            {
                await process.WaitForExitAsync(cancellationToken).WaitAsync(ScreenshotHolds.MaxHold + TimeSpan.FromSeconds(60), cancellationToken);
                await drain;
            }
            catch (Exception e) when (e is OperationCanceledException or TimeoutException)
            {
                process.Kill(entireProcessTree: true);
                throw;
            }
            if (!File.Exists(full)) throw new CliRunException($"--screenshot: {Path.GetFileName(browser)} exited {process.ExitCode} without writing {file}.");
        }
        finally
        {
            try { profile.Delete(recursive: true); }
            catch (IOException) { } // the browser's last writes: it is under the temp folder
        }
        return holds.FirstReady.IsCompletedSuccessfully
            ? string.Create(CultureInfo.InvariantCulture,
                $"kisrt: {file}: the dashboard with every panel live ({holds.FirstReady.Result.TotalSeconds:0.0} s after start)")
            : $"kisrt: {file}: taken after {ScreenshotHolds.MaxHold.TotalSeconds:0} s without every panel live: some panels may be empty";
    }
}
