using System.CommandLine;
using System.Globalization;
using Kis.Realtime.Cli.Configuration;
using Kis.Realtime.Gateway;

namespace Kis.Realtime.Cli.Commands;

/// <summary><c>kisrt gateway status</c>: a running gateway's figures, as the requesting broker user may see them.</summary>
internal static partial class GatewayStatusCommand
{
    public static Command Create()
    {
        var amqp = GatewayCommand.AmqpOption();
        var amqpPassword = GatewayCommand.PasswordFileOption();
        var amqpCa = GatewayConnection.CaOption();
        var ns = GatewayCommand.NamespaceOption();
        var json = new Option<bool>("--json") { Description = "the whole status as JSON" };
        var fleet = new Option<bool>("--fleet")
        {
            Description = "a fleet's status (kisrt gateway --fleet): every shard's holder, keys per process, registrations per key",
        };
        var command = new Command("status",
            "Ask a running gateway for its figures: sessions, registrations per app key, consumers, publish rate, buffer, confirms outstanding.")
        {
            amqp, amqpPassword, amqpCa, ns, json, fleet,
        };
        command.SetAction((parse, token) =>
        {
            var endpoint = GatewayCommand.Endpoint(parse.GetValue(amqp), parse.GetValue(ns), parse.GetValue(amqpCa), parse.GetValue(amqpPassword));
            return RefusalSaidAsync(endpoint, () => parse.GetValue(fleet) ? FleetStatusAsync(endpoint, parse.GetValue(json), Console.Out, token)
                : StatusAsync(endpoint, parse.GetValue(json), Console.Out, token));
        });
        return command;
    }

    /// <summary>
    /// Runs a question to the gateway; a refusal the client reports as a failed connection (a wrong password, no access to the
    /// vhost, a permission) is said as the refusal it is: one line naming the user and the vhost, exit 4, as the gateway's own.
    /// </summary>
    internal static async Task<int> RefusalSaidAsync(KisGatewayEndpoint endpoint, Func<Task<int>> command)
    {
        try
        {
            return await command().ConfigureAwait(false);
        }
        catch (Exception e) when (e is not KisBrokerRefusedException && KisBrokerRefusedException.From(e, endpoint) is not null)
        {
            throw KisBrokerRefusedException.From(e, endpoint)!;
        }
    }

    /// <summary>A client for one question to <paramref name="endpoint"/>'s gateway.</summary>
    private static KisGatewayClient StatusClient(KisGatewayEndpoint endpoint) => new(KisGatewayClientOptions.Default with
    {
        Endpoint = endpoint,
        RequestTimeout = TimeSpan.FromSeconds(5),
        ConnectRetryTime = TimeSpan.FromSeconds(3), // a one-shot question: a reset handshake is retried briefly, not for a minute
    });

    internal static async Task<int> StatusAsync(KisGatewayEndpoint endpoint, bool json, TextWriter output, CancellationToken cancellationToken)
    {
        await using var client = StatusClient(endpoint);
        GatewayStatus s;
        try
        {
            s = await client.GetStatusAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (KisConnectionException e) when (KisBrokerRefusedException.From(e, endpoint) is null)
        {
            // No active gateway answered; standbys waiting take over within their retry interval.
            int standbys;
            try
            {
                standbys = await KisGatewayElection.CountStandbysAsync(endpoint, cancellationToken).ConfigureAwait(false);
            }
            catch (RabbitMQ.Client.Exceptions.OperationInterruptedException)
            {
                standbys = 0; // this user may not look (a consumer's permissions): the gateway's silence is the answer
            }
            if (standbys == 0) throw;
            await output.WriteLineAsync($"no active gateway answered on namespace {endpoint.Namespace}; {standbys} standby(s) waiting to take over");
            return CliFailures.RunFailed;
        }
        if (json)
        {
            await output.WriteLineAsync(System.Text.Json.JsonSerializer.Serialize(s, Output.CliJson.SnakeCase.GatewayStatus));
            return CliFailures.Done;
        }
        await output.WriteLineAsync($"role active: run {s.Run}{(s.PreviousRun is { } p ? $" (follows run {p}, {s.ClaimsRestored} claims restored)" : "")}, " +
                                    $"standbys {(s.Standbys < 0 ? "not yet counted" : s.Standbys.ToString(CultureInfo.InvariantCulture))}");
        await output.WriteLineAsync(
            $"gateway run {s.Run}, started {s.StartedAt:u}, broker {GatewayCommand.Broker(s)} ({endpoint.DisplayUri}, namespace {endpoint.Namespace})");
        await output.WriteLineAsync($"publish rate {s.PublishRate:0.0} records/s, received {s.Received}, confirmed {s.Confirmed}, republished " +
            $"{s.Republished}, overflowed {s.Overflowed}");
        await output.WriteLineAsync($"published {s.Published} records in {s.MessagesPublished} messages ({s.RecordsPerMessage:0.0} a message)");
        await output.WriteLineAsync($"buffer {s.BufferDepth}/{s.BufferCapacity}, confirms outstanding {s.ConfirmsOutstanding}, consumers {s.Consumers}");
        foreach (var x in s.Sinks)
            await output.WriteLineAsync(
                $"sink {x.Name}: received {x.Received}, committed {x.Committed}, lag {x.Lag}, dropped {x.Dropped}, failed {x.Failed}, retries {x.Retries}");
        foreach (var session in s.Sessions)
            await output.WriteLineAsync($"session {session.Index} app key {session.AppKey}: {session.State}, {session.Registrations}/41 registrations");
        foreach (var r in s.Registrations)
            await output.WriteLineAsync($"  {r.Tr} {r.Key,-14} {r.State,-9} consumers {r.Consumers}, session {r.Session}, published {r.Published}");
        return CliFailures.Done;
    }
}
