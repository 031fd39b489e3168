using System.Globalization;
using Kis.Realtime.Cli.Configuration;
using Kis.Realtime.Gateway;

namespace Kis.Realtime.Cli.Commands;

/// <summary><c>kisrt gateway status --fleet</c>: every shard's gateway asked, the answers grouped by the process holding them.</summary>
internal static partial class GatewayCommand
{
    internal static async Task<int> FleetStatusAsync(KisGatewayEndpoint endpoint, bool json, TextWriter output, CancellationToken cancellationToken)
    {
        // Any shard tells how many there are: shard 0 (there is none in a fleet with an empty universe), shard 1 or the claims
        // shard, asked at once, so that shard 0 moving at this moment does not hide the fleet.
        var probes = await Task.WhenAll(new[] { "0", "1", null }.Select(async n =>
            (Shard: n, Status: await AskShardAsync(endpoint with { Shard = n }, cancellationToken).ConfigureAwait(false)))).ConfigureAwait(false);
        var first = probes.Select(p => p.Status).FirstOrDefault(s => s is not null)
                    ?? throw new CliRunException($"no fleet shard answered on namespace {endpoint.Namespace} ({endpoint.RequestQueue}.shard-0, " +
                                                 "shard-1 or the claims shard): is `kisrt gateway --fleet` running?");
        var names = Enumerable.Range(0, first.FleetShards).Select(i => (string?)i.ToString(CultureInfo.InvariantCulture)).ToList();
        if (first.FleetClaimsShard) names.Add(null);
        var known = probes.Where(p => p.Status is not null && names.Contains(p.Shard)).ToDictionary(p => p.Shard ?? "", p => p.Status);
        var others = await Task.WhenAll(names.Select(async n => (Shard: n, Status: known.TryGetValue(n ?? "", out var answered) ? answered
            : await AskShardAsync(endpoint with { Shard = n }, cancellationToken).ConfigureAwait(false)))).ConfigureAwait(false);
        var shards = others.Select(x => (Name: x.Shard ?? KisGatewayFleet.ClaimsShardName, x.Status)).ToList();
        var missing = shards.Where(x => x.Item2 is null).Select(x => x.Name).ToList();
        if (json)
        {
            var answered = shards.Where(x => x.Item2 is not null).Select(x => x.Item2!).ToList();
            await output.WriteLineAsync(System.Text.Json.JsonSerializer.Serialize(answered, Output.CliJson.SnakeCase.ListGatewayStatus)).ConfigureAwait(false);
            return missing.Count == 0 ? CliFailures.Done : CliFailures.RunFailed;
        }
        var byProcess = shards.Where(x => x.Item2 is not null).GroupBy(x => x.Item2!.Process).OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
        var claims = first.FleetClaimsShard ? " and the claims shard" : "";
        var notServed = missing.Count > 0 ? $", NOT SERVED: {string.Join(",", missing)}" : "";
        var plans = byProcess.Select(p => p.First().Item2!.FleetPlan).Distinct().ToList();
        var planText = plans.Count > 1 ? $", PLANS DIFFER: {plans.Count} plans (every process needs the same files)" : "";
        await output.WriteLineAsync($"fleet on namespace {endpoint.Namespace}: {first.FleetShards} shard(s){claims}, " +
                                    $"{byProcess.Count} process(es) holding them{notServed}{planText}").ConfigureAwait(false);
        foreach (var process in byProcess)
        {
            var statuses = process.Select(x => x.Item2!).ToList();
            await output.WriteLineAsync($"process {process.Key}: plan {statuses[0].FleetPlan ?? "?"}, " +
                                        $"shards [{string.Join(",", process.Select(x => x.Name))}], " +
                                        $"app keys {statuses.Sum(s => s.Sessions.Count)}, " +
                                        $"registrations {statuses.Sum(s => s.Registrations.Count)}, {statuses.Sum(s => s.PublishRate):0.0} records/s, " +
                                        $"received {statuses.Sum(s => s.Received)}, confirmed {statuses.Sum(s => s.Confirmed)}, " +
                                        $"overflowed {statuses.Sum(s => s.Overflowed)}, " +
                                        $"refused {statuses.Sum(s => s.RequestsRefused)}").ConfigureAwait(false);
            foreach (var (name, s) in process)
                foreach (var session in s!.Sessions)
                    await output.WriteLineAsync($"  shard {name} app key {session.AppKey}: {session.State}, {session.Registrations}/41 registrations, " +
                                                $"run {s.Run}, lag {s.BufferDepth} records (confirms outstanding {s.ConfirmsOutstanding}), " +
                                                $"broker {Broker(s)}").ConfigureAwait(false);
        }
        foreach (var name in missing)
            await output.WriteLineAsync($"shard {name}: no process answered: moving to another process, or none holds it").ConfigureAwait(false);
        return missing.Count == 0 && plans.Count <= 1 ? CliFailures.Done : CliFailures.RunFailed;
    }

    /// <summary>The status of the shard's gateway, or null when none answered.</summary>
    private static async Task<GatewayStatus?> AskShardAsync(KisGatewayEndpoint endpoint, CancellationToken cancellationToken)
    {
        await using var client = StatusClient(endpoint);
        try
        {
            return await client.GetStatusAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (KisConnectionException e) when (KisBrokerRefusedException.From(e, endpoint) is null) // a refusal is the answer for every shard
        {
            return null;
        }
    }
}
