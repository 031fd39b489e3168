using System.Text.Json;

namespace Kis.Realtime.Tests.Cli;

/// <summary>
/// The runtime settings kisrt ships in kisrt.runtimeconfig.json (the JIT build reads them at start; a Native AOT
/// publish embeds the same items). They come from <c>RuntimeHostConfigurationOption</c> items of the Cli project, so
/// an edit of the project that drops one changes kisrt's memory or CPU without a failing build.
/// </summary>
public sealed class KisrtRuntimeConfigTests
{
    [Fact]
    public void The_gen0_budget_is_capped_at_one_megabyte()
    {
        // Without the cap the budget follows the L3 cache (6 MB on this project's machines) and kisrt stream's resident
        // memory grew from 64.5 to 72.9 MiB before its first gen0 collection (docs/performance.md, kisrt stream).
        Assert.Equal(1024 * 1024, ConfigProperty("System.GC.Gen0MaxBudget").GetInt64());
    }

    [Fact]
    public void Idle_thread_pool_workers_do_not_spin()
    {
        Assert.Equal(0, ConfigProperty("System.Threading.ThreadPool.UnfairSemaphoreSpinLimit").GetInt32());
    }

    private static JsonElement ConfigProperty(string name)
    {
        // kisrt.runtimeconfig.json is copied beside kisrt.dll into this project's output (the project references the Cli).
        var path = Path.Combine(AppContext.BaseDirectory, "kisrt.runtimeconfig.json");
        using var config = JsonDocument.Parse(File.ReadAllText(path));
        var properties = config.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");
        Assert.True(properties.TryGetProperty(name, out var value), $"{name} is not in {path}");
        return value.Clone();
    }
}
