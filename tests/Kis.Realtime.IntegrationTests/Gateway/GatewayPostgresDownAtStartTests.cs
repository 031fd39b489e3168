using System.Globalization;
using System.Text.RegularExpressions;
using Kis.Realtime.Cli.Commands;
using Kis.Realtime.Gateway;
using Kis.Realtime.Tests.Cli;
using static Kis.Realtime.Tests.Cli.CliTestKit;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>
/// Issue 58, item 4: PostgreSQL down when `kisrt gateway --postgres` starts stopped everything (exit 3, nothing published,
/// `kisrt: Failed to connect to 127.0.0.1:50432`, naming neither PostgreSQL nor the option). History is optional: the
/// gateway publishes from the start, and the writer waits and catches up as in an outage while running.
/// </summary>
public sealed partial class GatewayPostgresDownAtStartTests
{
    [GeneratedRegex(@"received (\d+), confirmed (\d+),.*pg committed (\d+), lag (\d+)")]
    private static partial Regex StatusPattern();

    [GeneratedRegex(@"PostgreSQL run [0-9a-f-]+: gateway received (\d+), committed (\d+), dropped (\d+), failed (\d+), not committed (\d+)")]
    private static partial Regex SummaryPattern();

    private static long N(Match m, int group) => long.Parse(m.Groups[group].Value, CultureInfo.InvariantCulture);

    [RabbitFact]
    public async Task The_gateway_publishes_while_PostgreSQL_is_down_at_start_and_stores_everything_when_it_comes()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        await using var db = await PostgresTestDatabase.CreateAsync();
        var target = new Npgsql.NpgsqlConnectionStringBuilder(db.ConnectionString);
        // PostgreSQL behind a proxy that refuses every connection until resumed: the database is down at start.
        await using var proxy = new CuttableProxy(new Uri($"tcp://{target.Host}:{target.Port}"));
        await proxy.CutAsync();
        var throughProxy = new Npgsql.NpgsqlConnectionStringBuilder(db.ConnectionString) { Host = "127.0.0.1", Port = proxy.Port }.ConnectionString;
        var status = new RecordPostgresTests.SynchronizedWriter();
        using var stop = new CancellationTokenSource();
        var options = KisGatewayOptions.Default with { Endpoint = broker.Endpoint };
        var run = GatewayCommand.RunAsync(FastSimulator("index:0001"), options, TimeSpan.FromMilliseconds(100), null,
            Env(), status, stop.Token, new GatewayPostgresSettings(throughProxy, db.Schema) { RetryDelay = TimeSpan.FromMilliseconds(200) });

        Match Latest() => StatusPattern().Matches(status.ToString()) is { Count: > 0 } lines ? lines[^1] : Match.Empty;
        // Publishing from the start, nothing stored: the gateway does not wait for its history.
        await UntilAsync(() => run.IsCompleted || Latest() is { Success: true } m && N(m, 2) >= 300, "records confirmed while PostgreSQL is down", CliTimeout);
        Assert.False(run.IsCompleted, status.ToString());
        Assert.Equal(0, N(Latest(), 3));
        var text = status.ToString();
        Assert.Contains("--postgres", text);
        Assert.Contains($"database {target.Database}", text);

        proxy.Resume();
        await UntilAsync(() => run.IsCompleted || Latest() is { Success: true } m && N(m, 3) >= 600, "the writer catching up once PostgreSQL is up",
            CliTimeout);
        stop.Cancel();
        Assert.Equal(0, await run.WaitAsync(CliTimeout));

        var summary = SummaryPattern().Match(status.ToString());
        Assert.True(summary.Success, status.ToString());
        var received = N(summary, 1);
        Assert.Equal(received, N(summary, 2)); // everything published ends up stored, the records from before the database came too
        Assert.Equal((0L, 0L, 0L), (N(summary, 3), N(summary, 4), N(summary, 5)));
        Assert.Equal(received, await db.ScalarAsync<long>("SELECT count(*) FROM {schema}.raw_messages"));
        var stream = await broker.ReadStreamAsync("H0UPCNT0", list => list.Count >= received);
        Assert.Equal(received, stream.Count);
    }
}
