using Microsoft.Playwright;

namespace Kis.Realtime.Tests.Dashboard;

/// <summary>
/// Debian's chromium driven by Playwright through its executable path (never <c>playwright install</c>), headless, in a
/// fresh user-data folder. A missing browser FAILS the tests (scripts/browser.sh, which scripts/test.sh runs, installs it).
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public static string ChromiumPath => Environment.GetEnvironmentVariable("KISRT_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    private static readonly string[] LaunchArgs =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync",
    ];

    private IPlaywright? _playwright;
    private string? _userDataDir;

    public IBrowserContext Context { get; private set; } = null!;

    /// <summary>Screenshots and measurements, kept in the test output folder.</summary>
    public static string ArtifactsDirectory { get; } = Path.Combine(AppContext.BaseDirectory, "artifacts", "dashboard");

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
            throw new InvalidOperationException($"chromium not found at {ChromiumPath}: run scripts/browser.sh (scripts/test.sh does) or set KISRT_CHROMIUM.");
        Directory.CreateDirectory(ArtifactsDirectory);
        _playwright = await Playwright.CreateAsync();
        _userDataDir = Path.Combine(Path.GetTempPath(), "kisrt-tests", "chromium-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_userDataDir);
        Context = await _playwright.Chromium.LaunchPersistentContextAsync(_userDataDir, new BrowserTypeLaunchPersistentContextOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = LaunchArgs,
            ViewportSize = new ViewportSize { Width = 1400, Height = 1800 },
            Timeout = 60_000,
        });
    }

    public async Task DisposeAsync()
    {
        if (Context is not null) await Context.CloseAsync();
        _playwright?.Dispose();
        if (_userDataDir is not null)
        {
            try { Directory.Delete(_userDataDir, recursive: true); }
            catch (IOException) { } // chromium may still be writing as it exits; the folder is under the temp dir
        }
    }
}

[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<BrowserFixture>
{
    public const string Name = "Browser";
}
