namespace Kis.Realtime.Tests.Gateway.Cluster;

/// <summary>
/// <c>scripts/rabbitmq-cluster.sh</c> from the tests: three RabbitMQ nodes on loopback (kisrt-c1..3@localhost, AMQP
/// 5681–5683) beside the default one, and what <c>rabbitmqctl</c> says about them.
/// </summary>
internal static class ClusterScript
{
    public const int FirstPort = 5681;

    /// <summary>Starting a node on a loaded 2-core machine takes a minute or more (the first cluster start about three).</summary>
    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromMinutes(8);

    public static string Uri(int node) => $"amqp://guest:guest@127.0.0.1:{FirstPort + node - 1}/";

    public static string HostPort(int node) => $"127.0.0.1:{FirstPort + node - 1}";

    public static string Script => Path.Combine(Packaging.ReadmeSamples.RepositoryRoot(), "scripts", "rabbitmq-cluster.sh");

    public static bool AllUp() => Enumerable.Range(0, 3).All(i => PortOpen(FirstPort + i));

    /// <summary>Runs the script with <paramref name="arguments"/>; a failure fails the test with its output.</summary>
    public static async Task RunAsync(params string[] arguments)
    {
        var run = await ChildProcess.RunAsync("bash", [Script, .. arguments], ScriptTimeout);
        Console.Error.WriteLine($"rabbitmq-cluster.sh {string.Join(' ', arguments)}: exit {run.ExitCode} {run.Output}{run.Errors}");
        Assert.True(run.ExitCode == 0, $"scripts/rabbitmq-cluster.sh {string.Join(' ', arguments)} failed ({run.ExitCode}): {run.Output}{run.Errors}");
    }

    /// <summary>The node a connection with this client-provided name is on (asked of any node that is up).</summary>
    public static async Task<string> ConnectionNodeAsync(string clientName, string ns)
    {
        var nodes = await ConnectionNodesAsync(clientName);
        Assert.True(nodes.Count == 1, $"{nodes.Count} connections named {clientName} (namespace {ns}): {string.Join(" | ", nodes)}");
        return nodes[0];
    }

    /// <summary>
    /// The nodes of every connection with this client-provided name. After a node is killed the cluster may still list
    /// the dead node's connection beside the one that replaced it, until it has noticed the node is gone.
    /// </summary>
    public static async Task<IReadOnlyList<string>> ConnectionNodesAsync(string clientName)
    {
        // The connection's process id names its node: <kisrt-c1@localhost.1663.0>.
        var lines = await CtlAsync("list_connections", "-q", "--no-table-headers", "pid", "client_properties");
        return lines.Where(l => l.Contains(clientName, StringComparison.Ordinal))
            .Select(l => l.Split('\t', ' ')[0].TrimStart('<'))
            .Select(pid => pid[..pid.IndexOf('.', StringComparison.Ordinal)])
            .ToList();
    }

    /// <summary>
    /// Waits until the only connection named <paramref name="clientName"/> is on a node other than
    /// <paramref name="goneNode"/>, and returns that node; fails with what was last listed after <paramref name="timeout"/>.
    /// </summary>
    public static async Task<string> ConnectionMovedOffAsync(string clientName, string goneNode, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var nodes = await ConnectionNodesAsync(clientName);
            if (nodes.Count == 1 && nodes[0] != goneNode) return nodes[0];
            Assert.True(DateTime.UtcNow < deadline, $"{clientName} still listed on [{string.Join(", ", nodes)}], not moved off {goneNode}");
            await Task.Delay(500);
        }
    }

    /// <summary>A stream's leader and members (its replicas' nodes), as the cluster sees them.</summary>
    public static async Task<(string Leader, IReadOnlyList<string> Members)> StreamAsync(string stream)
    {
        var lines = await CtlAsync("list_queues", "-q", "--no-table-headers", "name", "leader", "members");
        var line = lines.SingleOrDefault(l => l.StartsWith(stream + "\t", StringComparison.Ordinal))
                   ?? throw new InvalidOperationException($"no stream {stream} in: {string.Join(" | ", lines)}");
        var fields = line.Split('\t');
        var members = fields[2].Trim('[', ']').Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return (fields[1], members);
    }

    /// <summary>Adds a replica of <paramref name="stream"/> on node <paramref name="node"/> (<c>rabbitmq-streams add_replica</c>).</summary>
    /// <remarks>As the rabbitmq user, whose home holds the nodes' Erlang cookie (Debian wraps rabbitmqctl so, not this tool).</remarks>
    public static async Task AddReplicaAsync(string stream, int node)
    {
        string[] arguments = ["-u", "rabbitmq", "--", "env", "HOME=/var/lib/rabbitmq", "/usr/lib/rabbitmq/bin/rabbitmq-streams",
            "-n", "kisrt-c1@localhost", "add_replica", stream, $"kisrt-c{node}@localhost"];
        var run = await ChildProcess.RunAsync("runuser", arguments, ScriptTimeout);
        Assert.True(run.ExitCode == 0, $"rabbitmq-streams add_replica {stream}: {run.Output}{run.Errors}");
    }

    private static async Task<string[]> CtlAsync(params string[] arguments)
    {
        var node = Enumerable.Range(1, 3).First(n => PortOpen(FirstPort + n - 1));
        var run = await ChildProcess.RunAsync("rabbitmqctl", ["-n", $"kisrt-c{node}@localhost", .. arguments], ScriptTimeout);
        Assert.True(run.ExitCode == 0, $"rabbitmqctl {string.Join(' ', arguments)}: {run.Output}{run.Errors}");
        return run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    /// <summary>
    /// Why a test that stops and starts RabbitMQ nodes of its own (<paramref name="nodes"/>, started by
    /// <paramref name="start"/>) cannot run here, or null: it runs in CI (scripts/test.sh starts the nodes), where they are
    /// up, or with <c>KISRT_TEST_CLUSTER=1</c> (the test starts them); it needs the rabbitmq-server package and root.
    /// </summary>
    public static string? SkipReason(string nodes, string start, Func<bool> up)
    {
        if (new RabbitFactAttribute().Skip is { } noBroker) return noBroker;
        if (!File.Exists("/usr/lib/rabbitmq/bin/rabbitmq-server"))
            return $"no rabbitmq-server package here: scripts/services.sh installs it, {start} starts {nodes}";
        if (Environment.UserName != "root") return $"stops and starts {nodes}: needs root (CI runs the tests as root)";
        var ci = Environment.GetEnvironmentVariable("CI") == "true";
        if (!ci && Environment.GetEnvironmentVariable("KISRT_TEST_CLUSTER") != "1" && !up())
            return $"{nodes} is not running: {start}, or KISRT_TEST_CLUSTER=1 to let the test start it";
        return null;
    }

    /// <summary>Whether something accepts connections on this loopback port.</summary>
    public static bool PortOpen(int port)
    {
        try
        {
            using var client = new System.Net.Sockets.TcpClient();
            client.Connect(System.Net.IPAddress.Loopback, port);
            return true;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false;
        }
    }
}

/// <summary>
/// A test on the three-node cluster. Runs in CI (scripts/test.sh starts the cluster there) and wherever the cluster is
/// up or <c>KISRT_TEST_CLUSTER=1</c> lets the test start it; otherwise skipped, saying how to run it. Needs root (it
/// stops and starts the rabbitmq user's nodes).
/// </summary>
internal sealed class ClusterFactAttribute : FactAttribute
{
    public ClusterFactAttribute() =>
        Skip = ClusterScript.SkipReason("the three-node RabbitMQ cluster", "scripts/rabbitmq-cluster.sh start (about 3 minutes the first time)",
            ClusterScript.AllUp);
}
