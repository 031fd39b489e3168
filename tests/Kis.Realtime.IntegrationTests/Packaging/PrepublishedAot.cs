namespace Kis.Realtime.Tests.Packaging;

/// <summary>
/// The Native AOT publishes that scripts/test.sh started in the background as the suite began (scripts/aot-prepublish.sh,
/// its folder in <see cref="Variable"/>), so that they ran beside the build and the unit tests instead of alone at the
/// end; a test waits for one as a <see cref="BackgroundStep"/>. Without the variable (a plain <c>dotnet test</c>) the
/// test publishes itself.
/// </summary>
internal static class PrepublishedAot
{
    /// <summary>The folder scripts/test.sh gave scripts/aot-prepublish.sh.</summary>
    public const string Variable = "KISRT_TEST_PREPUBLISHED";

    /// <summary>As long as a test's own publish may take (a cold Release build on a loaded machine).</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(30);

    /// <summary>The background publishes' folder, or null: the test publishes itself.</summary>
    public static string? Folder => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } folder ? folder : null;

    /// <summary>Waits for publish <paramref name="name"/> (<c>kisrt</c> or <c>aot-worker</c>) in <paramref name="folder"/>.</summary>
    public static Task<Gateway.ChildProcess.Result> WaitAsync(string folder, string name, TimeSpan timeout) =>
        BackgroundStep.WaitAsync(folder, name, "scripts/aot-prepublish.sh", $"the {name} publish", timeout);
}
