using Kis.Realtime.Cli;
using Kis.Realtime.Cli.Commands;
using Kis.Realtime.Gateway;
using Kis.Realtime.Gateway.Wire;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;
using static Kis.Realtime.Tests.Cli.CliTestKit;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>
/// Issue 72, finding 5: the active gateway died of an unhandled broker fault (541 in <c>RunExchange.OpenAsync</c>, from
/// <c>KisGateway.StartCoreAsync</c>: exit 134). Each broker call site of the start and run gets the faults a loaded broker
/// gives (541 INTERNAL_ERROR, 320 CONNECTION_FORCED, a closed channel, an operation the broker did not answer in time,
/// which RabbitMQ.Client reports as a cancellation) on its first calls: the gateway goes on and publishes;
/// a refusal at one is one line and exit 4.
/// </summary>
public sealed class GatewayBrokerFaultTests
{
    public static TheoryData<string> Sites =>
    [
        BrokerCallSites.JournalRead, BrokerCallSites.RunExchange, BrokerCallSites.JournalWrite, BrokerCallSites.StreamDeclare,
        BrokerCallSites.Requests, BrokerCallSites.Publisher, BrokerCallSites.Election,
    ];

    [RabbitTheory]
    [MemberData(nameof(Sites))]
    public async Task Faults_at_a_broker_call_site_are_retried_and_the_gateway_publishes(string site)
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        var faults = new Queue<Exception>([Interrupted(541, "INTERNAL_ERROR"), Interrupted(320, "CONNECTION_FORCED - broker forced connection closure"),
            new AlreadyClosedException(new ShutdownEventArgs(ShutdownInitiator.Library, 504, "CHANNEL_ERROR - channel closed")),
            // RabbitMQ.Client 7.2's continuation timeout: an operation the broker did not answer in time ends cancelled.
            new TaskCanceledException("A task was canceled.")]);
        var injected = 0;
        var options = KisGatewayOptions.Default with
        {
            Endpoint = broker.Endpoint,
            BrokerReconnectMinDelay = TimeSpan.FromMilliseconds(50),
            BrokerReconnectMaxDelay = TimeSpan.FromMilliseconds(200),
            BrokerFaults = at =>
            {
                if (at != site) return null;
                lock (faults)
                {
                    if (!faults.TryDequeue(out var fault)) return null;
                    injected++;
                    return fault;
                }
            },
        };
        var status = new WatchingWriter("confirmed");
        using var stop = new CancellationTokenSource();
        var run = GatewayCommand.RunAsync(FastSimulator("index:0001"), options, TimeSpan.FromMilliseconds(200), null, Env(), status, stop.Token);
        // Records confirmed after every fault was met: the run started and publishes.
        await UntilAsync(() => run.IsCompleted || (Volatile.Read(ref injected) == 4 && ConfirmedSoFar(status.ToString()) > 0),
            $"records confirmed after 4 faults at {site}", CliTimeout);
        if (run.IsCompleted) Assert.Fail($"the run ended: {(run.IsFaulted ? run.Exception!.InnerException : run.Result)}\n{status}");
        stop.Cancel();
        Assert.True(await run.WaitAsync(CliTimeout) == 0, status.ToString());
    }

    [RabbitFact]
    public async Task A_refusal_at_the_fence_is_one_line_and_exit_4()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        var options = KisGatewayOptions.Default with
        {
            Endpoint = broker.Endpoint,
            BrokerFaults = at => at == BrokerCallSites.RunExchange
                ? Interrupted(403, "ACCESS_REFUSED - access to exchange 'x' in vhost '/' refused for user 'guest'")
                : null,
        };
        var status = new StringWriter();
        var error = new StringWriter();
        var code = await KisrtApp.GuardAsync(() => GatewayCommand.RunAsync(FastSimulator("index:0001"), options, TimeSpan.FromMilliseconds(200), null,
            Env(), status, CancellationToken.None), error).WaitAsync(CliTimeout);
        var text = error.ToString();
        Assert.True(code == 4, $"exit {code}: {text}\n{status}");
        Assert.Single(text.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("user guest on vhost /", text, StringComparison.Ordinal);
        Assert.Contains("set_permissions", text, StringComparison.Ordinal);
    }

    private static OperationInterruptedException Interrupted(ushort code, string text) =>
        new(new ShutdownEventArgs(ShutdownInitiator.Peer, code, text, 40, 20));

    private static long ConfirmedSoFar(string text)
    {
        var match = System.Text.RegularExpressions.Regex.Matches(text, @"confirmed (\d+)").LastOrDefault();
        return match is null ? 0 : long.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }
}
