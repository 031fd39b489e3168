using Kis.Realtime.Cli.Commands;
using Kis.Realtime.Cli.Configuration;
using Kis.Realtime.Gateway;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>The fleet's shards from the credentials and the universe alone (every process computes the same), and the CLI's files.</summary>
public sealed class FleetPlanTests
{
    private static KisGatewayFleetOptions Fleet(int keys, int registrations, int perKey = 41) => KisGatewayFleetOptions.Default with
    {
        Gateway = KisGatewayOptions.Default with
        {
            Client = KisRealtimeOptions.Default with
            {
                Credentials = [.. Enumerable.Range(0, keys).Select(i => new KisCredential($"key{i}", $"secret{i}"))],
                MaxRegistrationsPerSession = perKey,
            },
        },
        Universe = [.. Enumerable.Range(0,
            registrations).Select(i => new FleetRegistration(i % 2 == 0 ? KisTrs.StockTrades : KisTrs.IndexTicks, $"{i / 2:D6}"))],
    };

    [Fact]
    public void The_universe_is_spread_41_a_key_in_order_and_the_spare_keys_form_the_claims_shard()
    {
        var plan = Fleet(keys: 5, registrations: 100).Plan();
        Assert.Equal(["0", "1", "2", null], plan.Select(p => p.Shard));
        Assert.Equal([41, 41, 18, 0], plan.Select(p => p.Registrations.Count));
        Assert.Equal(["key0"], plan[0].Credentials.Select(c => c.AppKey));
        Assert.Equal(["key3", "key4"], plan[3].Credentials.Select(c => c.AppKey));
        Assert.Equal(KisGatewayFleet.ClaimsShardName, plan[3].Name);
        // Registration 42 (index 41) opens shard 1; the same options give the same plan.
        Assert.Same(Fleet(5, 100).Universe[41].Tr, plan[1].Registrations[0].Tr);
        Assert.Equal(plan.Select(p => string.Join(",", p.Registrations.Select(r => r.Tr.Id + r.Key))),
            Fleet(5, 100).Plan().Select(p => string.Join(",", p.Registrations.Select(r => r.Tr.Id + r.Key))));
    }

    [Fact]
    public void A_universe_needing_more_keys_than_given_is_refused_and_duplicates_count_once()
    {
        var e = Assert.Throws<ArgumentException>(() => Fleet(keys: 2, registrations: 83).Validate());
        Assert.Contains("83 registrations: 3 app keys", e.Message);
        var doubled = Fleet(keys: 1, registrations: 41);
        doubled = doubled with { Universe = [.. doubled.Universe, .. doubled.Universe] };
        Assert.Equal(41, Assert.Single(doubled.Plan()).Registrations.Count);
        Assert.Throws<ArgumentException>(
            () => (Fleet(1, 1) with { Gateway = Fleet(1, 1).Gateway with { Endpoint = KisGatewayEndpoint.Default with { Shard = "0" } } }).Validate());
    }

    [Fact]
    public void An_opsp8996_retry_delay_under_1_s_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => (Fleet(1, 1) with { AppKeyInUseRetryDelay = TimeSpan.FromMilliseconds(999) }).Validate());
        (Fleet(1, 1) with { AppKeyInUseRetryDelay = TimeSpan.FromSeconds(1) }).Validate();
    }

    [Fact]
    public void A_shard_has_its_own_election_requests_and_runs_and_shares_the_streams()
    {
        var shard = KisGatewayEndpoint.Default with { Namespace = "md", Shard = "7" };
        Assert.Equal(("md.gateway-active.shard-7", "md.requests.shard-7", "md.gateway-runs.shard-7", "md.gateway-standbys.shard-7"),
            (shard.ActiveQueue, shard.RequestQueue, shard.RunsStream, shard.StandbyQueue));
        Assert.Equal(("md.H0STCNT0", "md.records", "md.requests-exchange"), (shard.StreamFor("H0STCNT0"), shard.Exchange, shard.RequestExchange));
        var single = KisGatewayEndpoint.Default with { Namespace = "md" };
        Assert.Equal(("md.gateway-active", "md.requests"), (single.ActiveQueue, single.RequestQueue)); // unchanged without a fleet
    }

    [Fact]
    public void The_credentials_and_universe_files_skip_comments_and_a_bad_line_is_refused_without_its_secret()
    {
        var folder = Directory.CreateTempSubdirectory("kisrt-fleet-files-");
        try
        {
            var keys = Path.Combine(folder.FullName, "keys.txt");
            File.WriteAllLines(keys, ["# desk keys", "", "K1 S1", "K2   S2  # the second"]);
            Assert.Equal([("K1", "S1"), ("K2", "S2")], GatewayFleetProcess.ReadCredentialsFile(keys).Select(c => (c.AppKey, c.AppSecret)));
            File.WriteAllLines(keys, ["K1 S1", "K2 TOPSECRET extra"]);
            var e = Assert.Throws<CliUsageException>(() => GatewayFleetProcess.ReadCredentialsFile(keys));
            Assert.Contains("entry 2", e.Message);
            Assert.DoesNotContain("TOPSECRET", e.Message);
            File.WriteAllLines(keys, ["K1 S1", "K1 S2"]);
            Assert.Throws<CliUsageException>(() => GatewayFleetProcess.ReadCredentialsFile(keys));
            // One file for both commands: what `kisrt sim --app-keys 3 --app-keys-file F` writes, the gateway reads; and the
            // gateway's lines, the simulator reads.
            var generated = SimKeyFile.Generate(3);
            SimKeyFile.Write(keys, generated);
            Assert.Equal(generated.Select(c => (c.AppKey, c.AppSecret)), GatewayFleetProcess.ReadCredentialsFile(keys).Select(c => (c.AppKey, c.AppSecret)));
            Assert.Equal(generated, SimKeyFile.Read(keys));
            File.WriteAllLines(keys, ["K1 S1", "K2 S2"]);
            Assert.Equal([("K1", "S1"), ("K2", "S2")], SimKeyFile.Read(keys).Select(c => (c.AppKey, c.AppSecret)));
            File.WriteAllText(keys, "{\"Kis\":{\"Credentials\":[{\"AppKey\":\"K1\",\"AppSecret\":\"TOPSECRET\"},{\"AppKey\":\"K2\"}]}}");
            e = Assert.Throws<CliUsageException>(() => GatewayFleetProcess.ReadCredentialsFile(keys));
            Assert.Contains("entry 2", e.Message);
            Assert.DoesNotContain("TOPSECRET", e.Message);
            File.WriteAllText(keys, "{\"Kis\":{\"Credentials\":[{\"AppKey\":\"K1\",\"AppSecret\":\"TOPSECRET\"");
            Assert.DoesNotContain("TOPSECRET", Assert.Throws<CliUsageException>(() => GatewayFleetProcess.ReadCredentialsFile(keys)).Message);
            var universe = Path.Combine(folder.FullName, "universe.txt");
            File.WriteAllLines(universe, ["# KOSPI", "H0STCNT0:005930", "  index:0001  # KOSPI index", ""]);
            Assert.Equal(["H0STCNT0:005930", "index:0001"], GatewayFleetProcess.ReadListFile(universe, "--sub-file"));
            Assert.Throws<CliUsageException>(() => GatewayFleetProcess.ReadListFile(Path.Combine(folder.FullName, "missing.txt"), "--sub-file"));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
