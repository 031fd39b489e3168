using System.Net;
using System.Net.Sockets;
using Kis.Realtime.Cli.Commands;
using Kis.Realtime.Cli.Dashboard;
using static Kis.Realtime.Tests.Cli.CliTestKit;

namespace Kis.Realtime.Tests.Cli;

/// <summary>
/// Issue 76 (6): Ctrl+C while a command is still starting (its server has accepted the connection and not answered)
/// ends as Ctrl+C does later: one summary line, exit 0 as docs/cli.md says, and no empty <c>--out</c> folder left
/// behind. Failed before: the commands returned 0 with nothing printed and <c>record</c> left the folder it made.
/// </summary>
public sealed class StartupInterruptTests
{
    [Fact]
    public async Task Stream_stopped_while_connecting_says_so_and_exits_0()
    {
        await using var server = SilentServer.Start();
        var stderr = new StringWriter();
        using var stop = new CancellationTokenSource();
        var run = StreamCommand.RunAsync(Connection(server), new StreamArgs { Format = "jsonl" }, Env(), new MemoryStream(), stderr, stop.Token);
        await server.Accepted.WaitAsync(CliTimeout);
        await stop.CancelAsync();

        Assert.Equal(0, await run.WaitAsync(CliTimeout));
        Assert.Matches(@"kisrt: stopped while connecting \(after \d+\.\d s\): nothing received", stderr.ToString());
    }

    [Fact]
    public async Task Record_stopped_while_connecting_leaves_no_empty_folder()
    {
        await using var server = SilentServer.Start();
        var folder = Path.Combine(EmptyDirectory(), "day");
        var stderr = new StringWriter();
        using var stop = new CancellationTokenSource();
        var run = RecordCommand.RunAsync(Connection(server), folder, null, null, Env(), stderr, stop.Token);
        await server.Accepted.WaitAsync(CliTimeout);
        await stop.CancelAsync();

        Assert.Equal(0, await run.WaitAsync(CliTimeout));
        Assert.Contains("kisrt: stopped while connecting", stderr.ToString(), StringComparison.Ordinal);
        Assert.False(Directory.Exists(folder), "record left the --out folder it made, empty");
    }

    [Fact]
    public async Task Record_keeps_a_folder_that_was_there_before()
    {
        await using var server = SilentServer.Start();
        var folder = EmptyDirectory();
        using var stop = new CancellationTokenSource();
        var run = RecordCommand.RunAsync(Connection(server), folder, null, null, Env(), new StringWriter(), stop.Token);
        await server.Accepted.WaitAsync(CliTimeout);
        await stop.CancelAsync();

        Assert.Equal(0, await run.WaitAsync(CliTimeout));
        Assert.True(Directory.Exists(folder), "record deleted a folder the user had made");
    }

    [Fact]
    public async Task Dashboard_stopped_while_connecting_says_so_and_exits_0()
    {
        await using var server = SilentServer.Start();
        var stderr = new StringWriter();
        using var stop = new CancellationTokenSource();
        var run = DashboardCommand.RunAsync(Connection(server), 0, null, Env(), new StringWriter(), stderr, stop.Token);
        await server.Accepted.WaitAsync(CliTimeout);
        await stop.CancelAsync();

        Assert.Equal(0, await run.WaitAsync(CliTimeout));
        Assert.Contains("kisrt: stopped while connecting", stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Kisrt_process_interrupted_while_connecting_prints_its_line_and_exits_0()
    {
        await using var server = SilentServer.Start();
        var variables = new Dictionary<string, string>
        {
            ["KIS_APP_KEY"] = "PSsilentAppKey00000000000000000000", ["KIS_APP_SECRET"] = "silent-secret",
            ["KIS_WS_URL"] = server.WebSocketUrl, ["KIS_REST_URL"] = server.RestUrl,
        };
        using var kisrt = KisrtProcess.Start(null, variables, "stream", "--format", "jsonl");
        await server.Accepted.WaitAsync(KisrtProcess.StepTimeout);
        await kisrt.InterruptAsync();

        Assert.Equal(0, await kisrt.WaitForExitAsync());
        Assert.Contains("kisrt: stopped while connecting", kisrt.Errors, StringComparison.Ordinal);
        Assert.DoesNotContain("silent-secret", kisrt.Errors + kisrt.Output, StringComparison.Ordinal);
    }

    private static ConnectionArgs Connection(SilentServer server) => new()
    {
        Subscriptions = ["stock:005930"],
        AppKey = "PSsilentAppKey00000000000000000000",
        AppSecret = "silent-secret",
        WebSocketUrl = server.WebSocketUrl,
        RestUrl = server.RestUrl,
    };

    /// <summary>A server that accepts connections and never answers: every start-up step waits on it.</summary>
    private sealed class SilentServer : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly List<TcpClient> _held = [];
        private readonly TaskCompletionSource _accepted = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private Task _accepting = Task.CompletedTask;

        public static SilentServer Start()
        {
            var server = new SilentServer();
            server._listener.Start();
            server._accepting = server.AcceptAsync();
            return server;
        }

        private int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;
        public string WebSocketUrl => $"ws://127.0.0.1:{Port}";
        public string RestUrl => $"http://127.0.0.1:{Port}";

        /// <summary>Completes when the first connection is in: the command is then starting, not yet streaming.</summary>
        public Task Accepted => _accepted.Task;

        private async Task AcceptAsync()
        {
            try
            {
                while (true)
                {
                    var client = await _listener.AcceptTcpClientAsync();
                    lock (_held) _held.Add(client);
                    _accepted.TrySetResult();
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // stopped
            }
        }

        public async ValueTask DisposeAsync()
        {
            _listener.Stop();
            await _accepting;
            lock (_held)
                foreach (var client in _held) client.Dispose();
        }
    }
}
