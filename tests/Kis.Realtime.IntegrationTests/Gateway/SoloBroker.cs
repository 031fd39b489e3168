using Kis.Realtime.Tests.Gateway.Cluster;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>
/// The standalone RabbitMQ node of <c>scripts/rabbitmq-cluster.sh start-solo</c> (kisrt-solo@localhost, AMQP 5684, data
/// of its own, never joined to the cluster): a broker a test may kill without taking the default node (5672) or the
/// cluster's nodes from the tests and processes using them.
/// </summary>
internal static class SoloBroker
{
    public const int Port = 5684;

    public static string Uri => $"amqp://guest:guest@127.0.0.1:{Port}/";

    public static bool Up() => ClusterScript.PortOpen(Port);

    /// <summary>Starts the node unless it is up, waiting for a start already under way (scripts/test.sh's, through the script's lock).</summary>
    public static Task StartAsync() => ClusterScript.RunAsync("start-solo");

    /// <summary>SIGKILL to the solo node's Erlang VM (no clean shutdown), found by its node name; returns once it has exited.</summary>
    public static Task KillAsync() => ClusterScript.RunAsync("kill-solo");
}

/// <summary>
/// A test that kills the solo node. Runs in CI (scripts/test.sh starts the node in the background there), with
/// <c>KISRT_TEST_CLUSTER=1</c> (the test starts it), or wherever it is up; otherwise skipped, saying how to run it. Needs
/// root (it kills and starts the rabbitmq user's node).
/// </summary>
internal sealed class SoloBrokerFactAttribute : FactAttribute
{
    public SoloBrokerFactAttribute() =>
        Skip = ClusterScript.SkipReason("the solo RabbitMQ node", "scripts/rabbitmq-cluster.sh start-solo (1-3 minutes on a busy machine)", SoloBroker.Up);
}
