using Kis.Realtime.Cli.Configuration;
using static Kis.Realtime.Tests.Cli.CliTestKit;

namespace Kis.Realtime.Tests.Cli;

/// <summary>
/// A bad setting's error names where the value came from (issue 47, item 5). Failed before: "Environment": "Papper"
/// in appsettings.json was reported as "KIS_ENV / --env", which the user never set.
/// </summary>
public class SettingsErrorSourceTests
{
    private static CliUsageException Refused(string? appsettings, Dictionary<string, string>? env = null, Dictionary<string, string?>? commandLine = null)
    {
        var dir = EmptyDirectory();
        if (appsettings is not null) File.WriteAllText(Path.Combine(dir, "appsettings.json"), appsettings);
        var config = CliSettings.BuildConfiguration(commandLine ?? [], n => env is not null && env.TryGetValue(n, out var v) ? v : null, dir,
            userSecrets: false);
        return Assert.Throws<CliUsageException>(() => CliSettings.From(config));
    }

    [Fact]
    public void A_misspelt_environment_in_appsettings_names_the_files_key()
    {
        var message = Refused("""{"Kis":{"Environment":"Papper"}}""").Message;
        Assert.Equal("\"Environment\" in section \"Kis\" of appsettings.json must be 'real' or 'paper', not 'Papper'.", message);
    }

    [Fact]
    public void A_bad_url_in_appsettings_names_the_files_key()
    {
        var message = Refused("""{"Kis":{"WebSocketUrl":"127.0.0.1:21000"}}""").Message;
        Assert.StartsWith("\"WebSocketUrl\" in section \"Kis\" of appsettings.json must be an absolute ws:// URL", message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_same_value_from_the_environment_or_the_command_line_still_names_those()
    {
        Assert.StartsWith("KIS_ENV / --env must be", Refused("""{"Kis":{"Environment":"real"}}""", new() { ["KIS_ENV"] = "Papper" }).Message,
            StringComparison.Ordinal);
        Assert.StartsWith("KIS_ENV / --env must be", Refused(null, commandLine: new() { ["Kis:Environment"] = "Papper" }).Message, StringComparison.Ordinal);
    }
}
