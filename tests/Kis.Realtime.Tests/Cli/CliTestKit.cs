using System.Text;
using System.Text.Json;
using Kis.Realtime.Cli.Commands;

namespace Kis.Realtime.Tests.Cli;

/// <summary>Runs kisrt commands in-process with a private environment (no real variables, no user secrets).</summary>
internal static class CliTestKit
{
    /// <summary>An upper bound for a command's step, never a pace: at load 40 on two cores a database recorder's
    /// start and first 30,000 records took over 60 s (RecordKillTests), so only a hang should reach it.</summary>
    public static readonly TimeSpan CliTimeout = TimeSpan.FromSeconds(150);

    /// <summary>A private environment: the variables given, an empty configuration folder and a cache folder of its own
    /// (a shared approval-key cache let one test's key be sent to another's server that reused the port).</summary>
    public static ClientHost.Environment Env(Dictionary<string, string>? variables = null, string? configDirectory = null, string? cacheDirectory = null) =>
        new(name => variables is not null && variables.TryGetValue(name, out var v) ? v : null,
            configDirectory ?? EmptyDirectory(), UserSecrets: false, cacheDirectory ?? EmptyDirectory());

    public static string EmptyDirectory()
    {
        var dir = Path.Combine(Path.GetTempPath(), "kisrt-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    public static List<JsonElement> JsonLines(byte[] bytes) => JsonLines(Encoding.UTF8.GetString(bytes));

    public static List<JsonElement> JsonLines(string text) => text
        .Split('\n', StringSplitOptions.RemoveEmptyEntries)
        .Select(l => JsonDocument.Parse(l).RootElement.Clone())
        .ToList();

    /// <summary>Connection arguments for a <see cref="Client.ScriptedKisServer"/> (its app key and secret, its URLs).</summary>
    public static ConnectionArgs Scripted(Client.ScriptedKisServer server, params string[] subs) => new()
    {
        Subscriptions = subs,
        AppKey = "PSscriptedAppKey0000000000000000000",
        AppSecret = "scripted-secret",
        WebSocketUrl = server.WebSocketUrl.ToString(),
        RestUrl = server.BaseUrl.ToString(),
    };

    /// <summary>The five services with a fast built-in simulator, so tests take seconds.</summary>
    public static ConnectionArgs FastSimulator(params string[] subs) => new() { Subscriptions = subs, SimulatorPace = "300" };
}
