using System.Net;
using System.Net.Sockets;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Client;

/// <summary><c>ConnectAsync(ct)</c> cancels the connection attempt itself, not only the caller's wait.</summary>
public sealed class ConnectCancellationTests
{
    /// <summary>
    /// A TCP front for the simulator: the first connection is accepted and never answered (a WebSocket upgrade that
    /// hangs); later ones are piped to the simulator.
    /// </summary>
    private sealed class HangingOnceProxy : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly TaskCompletionSource _firstClosedByClient = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly CancellationTokenSource _stop = new();
        private int _accepted;

        public HangingOnceProxy(Uri target)
        {
            _listener.Start();
            Url = new Uri($"ws://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}{target.PathAndQuery}");
            _ = AcceptAsync(target);
        }

        public Uri Url { get; }
        public int Accepted => Volatile.Read(ref _accepted);

        /// <summary>Completes when the client closes the hanging connection.</summary>
        public Task FirstClosedByClient => _firstClosedByClient.Task;

        private async Task AcceptAsync(Uri target)
        {
            try
            {
                while (true)
                {
                    var socket = await _listener.AcceptSocketAsync(_stop.Token);
                    if (Interlocked.Increment(ref _accepted) == 1) _ = HangAsync(socket);
                    else _ = PipeAsync(socket, target);
                }
            }
            catch (Exception)
            {
                // stopped
            }
        }

        private async Task HangAsync(Socket socket)
        {
            using (socket)
            {
                var sink = new byte[4096];
                try
                {
                    while (await socket.ReceiveAsync(sink, _stop.Token) > 0) { } // the upgrade request, never answered
                    _firstClosedByClient.TrySetResult();
                }
                catch (SocketException)
                {
                    _firstClosedByClient.TrySetResult(); // reset by the client
                }
                catch (OperationCanceledException)
                {
                }
            }
        }

        private async Task PipeAsync(Socket socket, Uri target)
        {
            using var client = new NetworkStream(socket, ownsSocket: true);
            using var upstream = new TcpClient();
            try
            {
                await upstream.ConnectAsync(target.Host, target.Port, _stop.Token);
                var server = upstream.GetStream();
                await Task.WhenAny(client.CopyToAsync(server, _stop.Token), server.CopyToAsync(client, _stop.Token));
            }
            catch (Exception)
            {
                // either side went away
            }
        }

        public ValueTask DisposeAsync()
        {
            _stop.Cancel();
            _listener.Stop();
            _stop.Dispose();
            return ValueTask.CompletedTask;
        }
    }

    [Fact]
    public async Task Cancelling_ConnectAsync_aborts_the_attempt_and_a_later_ConnectAsync_connects()
    {
        await using var sim = await StartSimAsync();
        await using var proxy = new HangingOnceProxy(sim.WebSocketUrl);
        // A connect timeout far beyond the test's: only the cancellation can end the first attempt in time.
        await using var client = new KisRealtimeClient(Options(sim) with { WebSocketUrl = proxy.Url, ConnectTimeout = TimeSpan.FromMinutes(5) });

        using var cancel = new CancellationTokenSource();
        var connecting = client.ConnectAsync(cancel.Token);
        await UntilAsync(() => proxy.Accepted == 1, "the upgrade request sent");
        var closed = NextStateAsync(client, e => e.Current == KisConnectionState.Closed);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => connecting.WaitAsync(TestTimeout));

        await proxy.FirstClosedByClient.WaitAsync(TestTimeout); // the attempt itself was aborted
        await closed; // and the session is idle again: no attempt, no retry loop
        Assert.Equal(KisConnectionState.Closed, client.State);
        Assert.Equal(1, proxy.Accepted);

        await client.ConnectAsync().WaitAsync(TestTimeout);
        Assert.Equal(KisConnectionState.Connected, client.State);
        Assert.Equal(2, proxy.Accepted);
    }
}
