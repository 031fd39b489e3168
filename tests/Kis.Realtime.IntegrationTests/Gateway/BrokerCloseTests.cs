using System.Diagnostics;
using System.Reflection;
using Kis.Realtime.Gateway.Internal;
using RabbitMQ.Client;
using Xunit.Abstractions;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>
/// <see cref="BrokerClose.AbortWithinAsync"/> (a fenced publisher's connection, the fleet's status and takeovers connections)
/// aborted the connection and never disposed it: its socket's reader loop, session table and semaphores stayed until a
/// finalizer, a leak per fence and per stop. The abort and the dispose are one background task now, bounded for the caller.
/// </summary>
public sealed class BrokerCloseTests(ITestOutputHelper output)
{
    [RabbitFact]
    public async Task A_bounded_abort_disposes_the_connection_too()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        var connection = await broker.Endpoint.CreateFactory("kisrt-test-abort").CreateConnectionAsync();
        await BrokerClose.AbortWithinAsync(connection, TimeSpan.FromSeconds(1));
        Assert.False(connection.IsOpen);
        await UntilAsync(() => IsDisposed(connection), "the aborted connection disposed");
    }

    /// <summary>A broker that holds its answers: the caller waits no longer than its bound, and the connection is disposed
    /// in the background all the same.</summary>
    [RabbitFact]
    public async Task A_bounded_abort_of_a_broker_holding_its_answers_returns_within_its_bound_and_disposes_later()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        await using var proxy = new CuttableProxy(broker.Endpoint.AmqpUri);
        var endpoint = broker.Endpoint with { AmqpUri = proxy.Rewrite(broker.Endpoint.AmqpUri) };
        var connection = await endpoint.CreateFactory("kisrt-test-abort-held").CreateConnectionAsync();
        proxy.HoldReplies();
        var bound = TimeSpan.FromMilliseconds(200);
        var clock = Stopwatch.StartNew();
        await BrokerClose.AbortWithinAsync(connection, bound);
        var took = clock.Elapsed;
        output.WriteLine($"the abort returned after {took.TotalMilliseconds:0} ms (bound {bound.TotalMilliseconds:0} ms)");
        Assert.True(took < bound + TimeSpan.FromSeconds(2), $"the abort took {took.TotalSeconds:0.00} s");
        proxy.ReleaseReplies(); // the abort's close-ok arrives; else the client waits out its 20 s continuation timeout
        await UntilAsync(() => IsDisposed(connection), "the aborted connection disposed", TimeSpan.FromSeconds(60));
    }

    /// <summary>Whether the client library disposed <paramref name="connection"/> (its own flag: nothing public says so).</summary>
    private static bool IsDisposed(IConnection connection)
    {
        for (var type = connection.GetType(); type is not null; type = type.BaseType)
            if (type.GetField("_disposed", BindingFlags.Instance | BindingFlags.NonPublic) is { } field)
                return (bool)field.GetValue(connection)!;
        throw new InvalidOperationException($"{connection.GetType()} has no _disposed field: RabbitMQ.Client changed; find another sign");
    }
}
