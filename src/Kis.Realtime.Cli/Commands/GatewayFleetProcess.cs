using System.CommandLine;
using Kis.Realtime.Cli.Configuration;
using Kis.Realtime.Gateway;

namespace Kis.Realtime.Cli.Commands;

/// <summary><c>kisrt gateway --fleet</c>: one process of a fleet sharing the app keys of a credentials file (docs/gateway.md, Fleet).</summary>
internal static class GatewayFleetProcess
{
    internal sealed record FleetOptions(Option<bool> Fleet, Option<string?> Name, Option<string?> CredentialsFile, Option<string?> SubFile)
    {
        public static FleetOptions Create() => new(
            new Option<bool>("--fleet")
            {
                Description = "run as one process of a fleet: every process started with the same --credentials-file and --sub/--sub-file serves a share of " +
                              "the app keys (41 registrations each), and a stopped process's keys move to the others (docs/gateway.md, Fleet)",
            },
            new Option<string?>("--fleet-name") { Description = "this process's name in the fleet's status (default host:pid)" },
            new Option<string?>("--credentials-file")
            {
                Description = "the app keys, one `APPKEY APPSECRET` a line (# comments) or the JSON `kisrt sim --app-keys-file` writes, " +
                              "in place of --app-key/--app-secret: " +
                              "every process of a fleet reads the same file",
            },
            new Option<string?>("--sub-file") { Description = "the standing universe: one TR:code a line as --sub takes it (# comments), held beside --sub" });

        public void AddTo(Command command)
        {
            command.Options.Add(Fleet);
            command.Options.Add(Name);
            command.Options.Add(CredentialsFile);
            command.Options.Add(SubFile);
        }
    }

    /// <summary>The lines of a --sub-file or --credentials-file: trimmed, without blank lines and <c>#</c> comments.</summary>
    internal static IReadOnlyList<string> ReadListFile(string path, string option)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliUsageException($"{option}: cannot read {path}: {e.Message}");
        }
        return lines.Select(l => (l.IndexOf('#') is var hash and >= 0 ? l[..hash] : l).Trim()).Where(l => l.Length > 0).ToList();
    }

    /// <summary>A credentials file (<see cref="CredentialsFile"/>: either shape). The secret is never echoed in an error.</summary>
    internal static IReadOnlyList<KisCredential> ReadCredentialsFile(string path)
        => [.. CredentialsFile.Read(path, "--credentials-file").Select(e => new KisCredential(e.AppKey, e.AppSecret))];

    /// <summary>Runs this process as one of the fleet until cancelled or <paramref name="stopAfter"/>; a status line every
    /// <paramref name="interval"/>.</summary>
    internal static async Task<int> RunAsync(ConnectionArgs connection, KisGatewayOptions options, string? name,
        TimeSpan interval, TimeSpan? stopAfter, ClientHost.Environment environment, TextWriter status, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (stopAfter is { } limit) stop.CancelAfter(limit);
        // The host parses --sub and builds the client options (server, approval keys); each shard's gateway opens its own client from them.
        ClientHost host;
        try
        {
            host = await ClientHost.StartAsync(connection, environment, status, KisFullMode.Wait, stop.Token,
                tuneOptions: o => o with { InlineDelivery = true }, connect: false)
                .ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return await GatewayCommand.StoppedDuringStartupAsync(status, "starting").ConfigureAwait(false);
        }
        await using var hostScope = host;
        var fleetOptions = KisGatewayFleetOptions.Default with
        {
            Gateway = options with { Client = host.Client.Options, LoggerFactory = host.Client.Options.LoggerFactory },
            Universe = host.Subscriptions.Select(s => new FleetRegistration(s.Tr, s.Key)).ToList(),
            Name = name,
        };
        try
        {
            fleetOptions.Validate();
        }
        catch (ArgumentException e)
        {
            throw new CliUsageException($"--fleet: {CliFailures.WithoutParameter(e)}");
        }
        await using var fleet = KisGatewayFleet.Start(fleetOptions);
        var shards = fleet.Status().Shards;
        var spare = shards.FirstOrDefault(s => s.Shard == KisGatewayFleet.ClaimsShardName);
        await status.WriteLineAsync($"kisrt gateway: fleet process {fleet.Name} on namespace {options.Endpoint.Namespace}: " +
                                    $"{fleetOptions.Universe.Count} registrations " +
                                    $"over {shards.Count(s => s.Shard != KisGatewayFleet.ClaimsShardName)} app keys" +
                                    (spare is null ? "" : $", claims shard of {spare.AppKeys} spare key(s)") +
                                    $", {host.Client.Options.Credentials.Count} keys in all, plan {fleet.PlanFingerprint}; a candidate for every shard");
        using var ticker = new PeriodicTimer(interval);
        try
        {
            while (await ticker.WaitForNextTickAsync(stop.Token).ConfigureAwait(false))
                await status.WriteLineAsync(FleetStatusLine(fleet.Status())).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        var end = fleet.Status();
        // A signal's stop has StopSignals.Grace in all, then the process ends with no summary (exit 143): the last status
        // record waits only for what is left of it, less a reserve for the summary and the host's close.
        var budget = cancellationToken.IsCancellationRequested ? Hosting.StopSignals.Grace - StopReserve : Timeout.InfiniteTimeSpan;
        await fleet.StopAsync(budget).ConfigureAwait(false); // every shard's gateway stopped, its records confirmed, its lock handed on
        await status.WriteLineAsync(FleetStatusLine(end)).ConfigureAwait(false);
        // The summary counts every term this process held, after their last confirms (the line above is from before the drain).
        var (summary, complete) = FleetEndSummary(fleet.Status());
        await status.WriteLineAsync(summary).ConfigureAwait(false);
        return complete ? CliFailures.Done : CliFailures.RunFailed;
    }

    /// <summary>What a signal's stop keeps of its grace for what follows the fleet's stop: the summary, the host's close.</summary>
    private static readonly TimeSpan StopReserve = TimeSpan.FromSeconds(2);

    /// <summary>A fleet process's last line: what its ended terms received, got confirmed, overflowed, dropped at a fence and
    /// dropped at the stop's bound (its budget spent before the broker confirmed them), and whether everything was published;
    /// false when something received was neither confirmed nor dropped at a fence.</summary>
    internal static (string Line, bool Complete) FleetEndSummary(GatewayFleetStatus s)
    {
        var (received, confirmed) = (s.Shards.Sum(x => x.EndedReceived), s.Shards.Sum(x => x.EndedConfirmed));
        var (overflowed, fenced, stopDropped) = (s.Shards.Sum(x => x.EndedOverflowed), s.Shards.Sum(x => x.Fenced), s.Shards.Sum(x => x.StopDropped));
        var unconfirmed = received - overflowed - fenced - stopDropped - confirmed; // negative: an over-count, shown, not hidden
        var complete = unconfirmed == 0 && overflowed == 0 && stopDropped == 0;
        return ($"kisrt gateway: fleet process {s.Process} stopped: received {received}, confirmed {confirmed}, overflowed {overflowed}, " +
                $"dropped at a fence {fenced}, dropped at the stop's bound {stopDropped} (both announced by the next holder); " +
                (complete ? "every record published and confirmed"
                    : $"not everything was published: {unconfirmed} unconfirmed, {overflowed} overflowed" +
                      (stopDropped == 0 ? "" : $", {stopDropped} dropped at the stop's bound")) +
                "; its shards go to the other processes", complete);
    }

    internal static string FleetStatusLine(GatewayFleetStatus s)
    {
        var gateways = s.Shards.Select(x => x.Gateway).OfType<GatewayStatus>().ToList();
        // Served: elected and its gateway started (taking requests); a shard still starting is not listed yet.
        var held = s.Shards.Where(x => x.Role == GatewayRole.Active && x.Gateway is not null).Select(x => x.Shard);
        return $"kisrt gateway: fleet process {s.Process}: live processes {s.LiveProcesses}, fair share {s.FairShare}, shards [{string.Join(",", held)}], " +
               $"registrations {gateways.Sum(g => g.Registrations.Count)}, opening {gateways.Sum(g => g.Registrations.Count(r => r.State == "opening"))}, " +
               $"{gateways.Sum(g => g.PublishRate):0.0} records/s, " +
               $"received {gateways.Sum(g => g.Received)}, " +
               $"confirmed {gateways.Sum(g => g.Confirmed)}, overflowed {gateways.Sum(g => g.Overflowed)}, refused {gateways.Sum(g => g.RequestsRefused)}";
    }
}
