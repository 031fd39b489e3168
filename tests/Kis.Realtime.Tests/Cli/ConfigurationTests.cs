using Kis.Realtime.Cli.Commands;
using Kis.Realtime.Cli.Configuration;
using static Kis.Realtime.Tests.Cli.CliTestKit;

namespace Kis.Realtime.Tests.Cli;

public class ConfigurationTests
{
    private static CliSettings Resolve(Dictionary<string, string?> commandLine, Dictionary<string, string> env, string? appsettings)
    {
        var dir = EmptyDirectory();
        if (appsettings is not null) File.WriteAllText(Path.Combine(dir, "appsettings.json"), appsettings);
        var config = CliSettings.BuildConfiguration(commandLine, n => env.TryGetValue(n, out var v) ? v : null, dir, userSecrets: false);
        return CliSettings.From(config);
    }

    [Fact]
    public void Command_line_beats_environment_beats_appsettings()
    {
        const string json = """{"Kis":{"AppKey":"from-json","AppSecret":"json-secret","HtsId":"jsonuser","Environment":"paper","WebSocketUrl":"ws://json:""" +
            """1"}}""";
        var env = new Dictionary<string, string> { ["KIS_APP_KEY"] = "from-env", ["KIS_HTS_ID"] = "envuser" };
        var cli = new Dictionary<string, string?> { ["Kis:AppKey"] = "from-cli", ["Kis:HtsId"] = null };

        var s = Resolve(cli, env, json);
        Assert.Equal("from-cli", s.AppKey);           // command line
        Assert.Equal("envuser", s.HtsId);             // environment (command line not given)
        Assert.Equal("json-secret", s.AppSecret);     // appsettings.json
        Assert.Equal(KisEnvironment.Paper, s.Environment);
        Assert.Equal(new Uri("ws://json:1"), s.WebSocketUrl);
        Assert.True(s.HasCredentials);
    }

    [Fact]
    public void The_library_environment_names_Kis__Key_work_and_KIS_names_beat_them()
    {
        var env = new Dictionary<string, string>
        {
            ["Kis__AppKey"] = "dotnet-key",
            ["Kis__AppSecret"] = "dotnet-secret",
            ["Kis__WebSocketUrl"] = "ws://dotnet:1",
            ["Kis__HtsId"] = "dotnetuser",
            ["KIS_HTS_ID"] = "kisuser",
        };
        var s = Resolve(new Dictionary<string, string?>(), env, null);
        Assert.Equal("dotnet-key", s.AppKey);
        Assert.Equal("dotnet-secret", s.AppSecret);
        Assert.Equal(new Uri("ws://dotnet:1"), s.WebSocketUrl);
        Assert.Equal("kisuser", s.HtsId);
        Assert.True(s.HasCredentials);
    }

    [Fact]
    public void No_credentials_means_the_built_in_simulator()
    {
        var s = Resolve(new(), new(), null);
        Assert.False(s.HasCredentials);
        Assert.Equal(KisEnvironment.Real, s.Environment);
    }

    [Fact]
    public void Bad_values_are_clear_errors_and_secrets_never_print()
    {
        Assert.Contains("real' or 'paper", Assert.Throws<CliUsageException>(() => Resolve(new(), new() { ["KIS_ENV"] = "demo" }, null)).Message);
        Assert.Contains("KIS_WS_URL", Assert.Throws<CliUsageException>(() => Resolve(new(), new() { ["KIS_WS_URL"] = "nope" }, null)).Message);
        var s = Resolve(new(), new() { ["KIS_APP_KEY"] = "PSabcdefgh1234", ["KIS_APP_SECRET"] = "top-secret-value" }, null);
        Assert.DoesNotContain("top-secret-value", s.ToString());
        Assert.DoesNotContain("PSabcdefgh1234", s.ToString());
    }

    [Theory]
    [InlineData("index:0001", "H0UPCNT0", "0001")]
    [InlineData("H0UPCNT0:2001", "H0UPCNT0", "2001")]
    [InlineData("bond:KR103502GD31", "H0BJCNT0", "KR103502GD31")]
    [InlineData("program-nxt:005930", "H0NXPGM0", "005930")]
    [InlineData("pgm:005930", "H0UNPGM0", "005930")]
    [InlineData("notice", "H0IFCNI0", "myhts01")]
    [InlineData("h0ifcni0:other01", "H0IFCNI0", "other01")]
    public void Subscriptions_accept_tr_ids_and_aliases(string text, string trId, string key)
    {
        Assert.True(SubscriptionSpec.TryParse(text, "myhts01", KisEnvironment.Real, out var spec, out var error), error);
        Assert.Equal(trId, spec.Tr.Id);
        Assert.Equal(key, spec.Key);
    }

    [Fact]
    public void Paper_environment_maps_notices_to_h0ifcni9()
    {
        Assert.True(SubscriptionSpec.TryParse("notice", "myhts01", KisEnvironment.Paper, out var spec, out _));
        Assert.Equal("H0IFCNI9", spec.Tr.Id);
    }

    [Theory]
    [InlineData("500ms", 0.5)]
    [InlineData("5s", 5)]
    [InlineData("2m", 120)]
    [InlineData("1h", 3600)]
    [InlineData("00:00:30", 30)]
    public void Durations_parse(string text, double seconds)
    {
        Assert.True(Duration.TryParse(text, out var d));
        Assert.Equal(seconds, d.TotalSeconds, 3);
    }
}

public class SharedConfigurationKeyTests
{
    [Fact]
    public void One_appsettings_section_configures_kisrt_and_AddKisRealtime_alike()
    {
        const string json = """{"Kis":{"AppKey":"PSappkey","AppSecret":"s3cret","HtsId":"myuser","Environment":"Paper","WebSocketUrl":"ws://127.0.0.1:""" +
            """31000","RestBaseUrl":"http://127.0.0.1:29443"}}""";
        var dir = EmptyDirectory();
        File.WriteAllText(Path.Combine(dir, "appsettings.json"), json);
        var configuration = CliSettings.BuildConfiguration(new Dictionary<string, string?>(), _ => null, dir, userSecrets: false);

        var cli = CliSettings.From(configuration);
        var library = Microsoft.Extensions.Configuration.ConfigurationBinder.Get<KisRealtimeSettings>(configuration.GetSection("Kis"))!.ToOptions();

        Assert.Equal(library.Credentials.Single().AppKey, cli.AppKey);
        Assert.Equal(library.Credentials.Single().AppSecret, cli.AppSecret);
        Assert.Equal(library.HtsId, cli.HtsId);
        Assert.Equal(KisEnvironment.Paper, library.Environment);
        Assert.Equal(KisEnvironment.Paper, cli.Environment);
        Assert.Equal(library.WebSocketUrl, cli.WebSocketUrl);
        Assert.Equal(library.RestBaseUrl, cli.RestUrl);
        // Every key kisrt reads in section Kis is a key of the library's settings; the only other section is the
        // dashboard's Gateway (the broker of a kisrt gateway, which AddKisRealtime does not read).
        var settingsKeys = typeof(KisRealtimeSettings).GetProperties().Select(p => "Kis:" + p.Name).ToHashSet();
        Assert.All(CliSettings.EnvironmentVariables.Values,
            key => Assert.True(settingsKeys.Contains(key) || key.StartsWith("Gateway:", StringComparison.Ordinal), key));
    }

    [Fact]
    public void The_dashboard_gateway_comes_from_appsettings_and_the_environment_overrides_it()
    {
        var dir = EmptyDirectory();
        File.WriteAllText(Path.Combine(dir, "appsettings.json"), """{"Gateway":{"Uri":"amqp://kisrt:pw@broker:5672/","Namespace":"desk"}}""");
        var fromFile = CliSettings.From(CliSettings.BuildConfiguration(new Dictionary<string, string?>(), _ => null, dir, userSecrets: false));
        Assert.Equal(new Uri("amqp://kisrt:pw@broker:5672/"), fromFile.Gateway);
        Assert.Equal("desk", fromFile.GatewayNamespace);
        Assert.DoesNotContain(":pw@", fromFile.ToString()); // the broker password is masked

        var env = new Dictionary<string, string> { ["KISRT_GATEWAY"] = "amqp://127.0.0.1:5673/", ["KISRT_GATEWAY_NAMESPACE"] = "ops" };
        var fromEnv = CliSettings.From(CliSettings.BuildConfiguration(new Dictionary<string, string?>(), env.GetValueOrDefault, dir, userSecrets: false));
        Assert.Equal((new Uri("amqp://127.0.0.1:5673/"), "ops"), (fromEnv.Gateway, fromEnv.GatewayNamespace));
    }

    [Fact]
    public void A_malformed_gateway_setting_stops_only_the_commands_that_read_from_a_gateway()
    {
        var env = new Dictionary<string, string> { ["KISRT_GATEWAY"] = "amqp//kisrt:secret-pw@broker" };
        var settings = CliSettings.From(
            CliSettings.BuildConfiguration(new Dictionary<string, string?>(), env.GetValueOrDefault, EmptyDirectory(), userSecrets: false));
        Assert.Null(settings.WebSocketUrl); // stream and record read these and go on
        var e = Assert.Throws<CliUsageException>(() => settings.Gateway); // the dashboard's --gateway refuses it
        Assert.DoesNotContain("secret-pw", e.Message);
        Assert.DoesNotContain("secret-pw", settings.ToString());
    }

    [Fact]
    public void Connection_arguments_print_without_their_secrets()
    {
        var args = new ConnectionArgs { AppKey = "PSkey", AppSecret = "the-app-secret", Gateway = "amqp://kisrt:broker-pw@broker:5672/" };
        var text = args.ToString();
        Assert.DoesNotContain("the-app-secret", text);
        Assert.DoesNotContain("broker-pw", text);
        Assert.DoesNotContain("PSkey", text); // an app key prints the one way KisCredential.Mask shows it
        Assert.Contains(KisCredential.Mask("PSkey"), text);
    }
}

public class RenamedConfigurationKeyTests
{
    [Fact]
    public void The_old_RestUrl_key_is_refused_with_its_new_name()
    {
        var dir = EmptyDirectory();
        File.WriteAllText(Path.Combine(dir, "appsettings.json"), """{"Kis":{"RestUrl":"http://127.0.0.1:1"}}""");
        var configuration = CliSettings.BuildConfiguration(new Dictionary<string, string?>(), _ => null, dir, userSecrets: false);
        var e = Assert.Throws<CliUsageException>(() => CliSettings.From(configuration));
        Assert.Equal("configuration key Kis:RestUrl is now Kis:RestBaseUrl (the library's name for it): rename it.", e.Message);
    }

    /// <summary>Issue 31 (5): a broken appsettings.json crashed kisrt with a stack trace (exit 134).</summary>
    [Fact]
    public void A_broken_appsettings_json_is_one_line_naming_the_file_and_the_place_and_exit_code_2()
    {
        var dir = EmptyDirectory();
        File.WriteAllText(Path.Combine(dir, "appsettings.json"), """{ "Kis": { "AppKey": "my-key", "AppSecret": "my-secret" """);
        var e = Assert.Throws<CliUsageException>(() => CliSettings.BuildConfiguration(new Dictionary<string, string?>(), _ => null, dir, userSecrets: false));
        Assert.Contains("appsettings.json", e.Message);
        Assert.Contains("LineNumber", e.Message);
        Assert.DoesNotContain("my-secret", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Equal(CliFailures.Usage, CliFailures.Describe(e)!.Value.ExitCode);
    }
}
