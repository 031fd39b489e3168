using System.Globalization;
using Kis.Realtime.Cli.Configuration;
using Kis.Realtime.Gateway;

namespace Kis.Realtime.Cli.Commands;

/// <summary><c>kisrt gateway status --fleet</c>: what the fleet's processes published, grouped by the process holding each shard.</summary>
internal static partial class GatewayStatusCommand
{
    internal static async Task<int> FleetStatusAsync(KisGatewayEndpoint endpoint, bool json, TextWriter output, CancellationToken cancellationToken)
    {
        // What the fleet's processes published (each one's own status, every rebalance), read in one bounded read: the answer
        // never waits on a shard's gateway, however loaded the machine (asking each of 132 shards took 9-51 s at the open).
        var published = await KisGatewayFleet.ReadStatusAsync(endpoint, cancellationToken).ConfigureAwait(false);
        // A process whose last record says it left (a clean stop) is gone: listed as such, never counted nor a holder.
        var processes = published.Where(p => !p.Left).ToList();
        var left = published.Where(p => p.Left).ToList();
        if (processes.Count == 0)
            throw new CliRunException($"no fleet process published its status on namespace {endpoint.Namespace} ({KisGatewayFleet.StatusStream(endpoint)}) " +
                                      $"in the last {KisGatewayFleet.StatusWindow.TotalSeconds:0} s" +
                                      (left.Count > 0 ? $" but {left.Count} that left the fleet (stopped)" : "") + ": is `kisrt gateway --fleet` running?");
        // Each shard's holder: the process that last said it holds it (a dead holder's older record loses to its successor's).
        var names = processes.SelectMany(p => p.Shards.Select(s => s.Shard)).Distinct(StringComparer.Ordinal)
            .OrderBy(n => n == KisGatewayFleet.ClaimsShardName ? int.MaxValue : int.Parse(n, CultureInfo.InvariantCulture)).ToList();
        var holders = names.ToDictionary(n => n, n => processes
            .SelectMany(p => p.Shards.Where(s => s.Shard == n && s.Role == GatewayRole.Active).Select(s => (Process: p, Shard: s)))
            .OrderByDescending(h => h.Process.PublishedAt).Select(h => ((GatewayFleetStatus, GatewayFleetShardStatus)?)h).FirstOrDefault(),
            StringComparer.Ordinal);
        if (json)
        {
            var gateways = holders.Values.Select(h => h?.Item2.Gateway).OfType<GatewayStatus>().ToList();
            await output.WriteLineAsync(System.Text.Json.JsonSerializer.Serialize(gateways, Output.CliJson.SnakeCase.ListGatewayStatus)).ConfigureAwait(false);
            return holders.Values.All(h => Serving(h?.Item2)) && processes.Select(p => p.PlanFingerprint).Distinct().Count() <= 1
                ? CliFailures.Done : CliFailures.RunFailed;
        }
        var missing = holders.Where(h => h.Value is null).Select(h => h.Key).ToList();
        var starting = holders.Where(h => h.Value is { } x && !Serving(x.Item2)).Select(h => h.Key).ToList();
        var plans = processes.Select(p => p.PlanFingerprint).Distinct(StringComparer.Ordinal).ToList();
        var holding = processes.Count(p => holders.Values.Any(h => h?.Item1 == p));
        var universe = names.Count(n => n != KisGatewayFleet.ClaimsShardName);
        var claims = names.Contains(KisGatewayFleet.ClaimsShardName) ? " and the claims shard" : "";
        var notServed = missing.Count > 0 ? $", NOT SERVED: {string.Join(",", missing)}" : "";
        var takingOver = starting.Count > 0 ? $", NOT YET SERVING: {string.Join(",", starting)}" : "";
        var planText = plans.Count > 1 ? $", PLANS DIFFER: {plans.Count} plans (every process needs the same files)" : "";
        await output.WriteLineAsync($"fleet on namespace {endpoint.Namespace}: {universe} shard(s){claims}, {holding} process(es) holding them" +
                                    $"{notServed}{takingOver}{planText}").ConfigureAwait(false);
        foreach (var process in processes)
            await WriteProcessAsync(output, process, holders.Where(h => h.Value?.Item1 == process).Select(h => h.Value!.Value.Item2).ToList())
                .ConfigureAwait(false);
        foreach (var process in left)
            await output.WriteLineAsync($"process {process.Process}: LEFT the fleet (stopped cleanly, its shards handed on; " +
                                        $"{Age(process)}), not counted").ConfigureAwait(false);
        foreach (var name in starting)
            await output.WriteLineAsync($"shard {name}: held by process {holders[name]!.Value.Item1.Process}, NOT YET SERVING " +
                                        "(taken over or handed over: its gateway starting, or a KIS session not connected)").ConfigureAwait(false);
        foreach (var name in missing)
            await output.WriteLineAsync($"shard {name}: NOT SERVED: no process holds it (moving to another process, or none can take it)")
                .ConfigureAwait(false);
        return missing.Count == 0 && starting.Count == 0 && plans.Count <= 1 ? CliFailures.Done : CliFailures.RunFailed;
    }

    /// <summary>
    /// A held shard serves when its gateway runs with the broker connected and, for a universe shard, every KIS session is
    /// connected holding the shard's registrations (a takeover's gateway opens them after it starts); the claims shard's
    /// session opens at its first claim, so closed and empty it serves too.
    /// </summary>
    private static bool Serving(GatewayFleetShardStatus? shard) =>
        shard?.Gateway is { BrokerConnected: true } g && (shard.Registrations == 0
            ? g.Sessions.All(s => s.State == KisConnectionState.Connected || (s.State == KisConnectionState.Closed && s.Registrations == 0))
            : g.Sessions.All(s => s.State == KisConnectionState.Connected) && g.Sessions.Sum(s => s.Registrations) >= shard.Registrations);

    private static async Task WriteProcessAsync(TextWriter output, GatewayFleetStatus process, List<GatewayFleetShardStatus> held)
    {
        var age = Age(process);
        if (held.Count == 0)
        {
            await output.WriteLineAsync($"process {process.Process}: plan {process.PlanFingerprint}, STANDBY: holds no shard " +
                                        $"(a candidate for every one; status of {age})").ConfigureAwait(false);
            return;
        }
        var statuses = held.Select(s => s.Gateway).OfType<GatewayStatus>().ToList();
        await output.WriteLineAsync($"process {process.Process}: plan {process.PlanFingerprint}, shards [{string.Join(",", held.Select(x => x.Shard))}], " +
                                    $"app keys {statuses.Sum(s => s.Sessions.Count)}, registrations {held.Sum(s => s.Registrations)}, " +
                                    $"{statuses.Sum(s => s.PublishRate):0.0} records/s, received {statuses.Sum(s => s.Received)}, " +
                                    $"confirmed {statuses.Sum(s => s.Confirmed)}, overflowed {statuses.Sum(s => s.Overflowed)}, " +
                                    $"refused {statuses.Sum(s => s.RequestsRefused)} (status of {age})").ConfigureAwait(false);
        foreach (var shard in held)
            foreach (var session in shard.Gateway?.Sessions ?? [])
                await output.WriteLineAsync($"  shard {shard.Shard} app key {session.AppKey}: {session.State}, {session.Registrations}/41 registrations, " +
                                            $"run {shard.Gateway!.Run}, lag {shard.Gateway.BufferDepth} records (confirms outstanding " +
                                            $"{shard.Gateway.ConfirmsOutstanding}), broker {GatewayCommand.Broker(shard.Gateway)}").ConfigureAwait(false);
    }

    private static string Age(GatewayFleetStatus process) =>
        process.PublishedAt is { } at ? $"{(DateTimeOffset.UtcNow - at).TotalSeconds:0.0} s ago" : "?";
}
