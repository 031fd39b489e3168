using System.Net;
using System.Net.Sockets;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>
/// A TCP proxy on 127.0.0.1:0 in front of the broker that a test can cut: <see cref="CutAsync"/> closes every
/// connection and refuses new ones until <see cref="Resume"/>. What a broker restart does to its clients, without
/// stopping the broker other tests use.
/// </summary>
internal sealed class CuttableProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly EndPoint _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private readonly List<(TcpClient Client, TcpClient Server)> _pairs = new();
    private readonly Task _accepting;
    private bool _cut;

    public CuttableProxy(Uri target)
    {
        _target = new DnsEndPoint(target.Host, target.Port);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Connections accepted and passed on so far.</summary>
    public int Accepted { get; private set; }

    public Uri Rewrite(Uri uri) => new UriBuilder(uri) { Host = "127.0.0.1", Port = Port }.Uri;

    public Task CutAsync()
    {
        List<(TcpClient, TcpClient)> pairs;
        lock (_gate)
        {
            _cut = true;
            pairs = _pairs.ToList();
            _pairs.Clear();
        }
        foreach (var (client, server) in pairs)
        {
            try
            {
                client.Client?.Close(0); // RST, as a dying broker's host would
            }
            catch (ObjectDisposedException)
            {
                // Closed by its pipe meanwhile.
            }
            client.Dispose();
            server.Dispose();
        }
        return Task.CompletedTask;
    }

    public void Resume()
    {
        lock (_gate) _cut = false;
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            bool refuse;
            lock (_gate) refuse = _cut;
            if (refuse)
            {
                client.Client.Close(0);
                continue;
            }
            var server = new TcpClient();
            try
            {
                await server.ConnectAsync(((DnsEndPoint)_target).Host, ((DnsEndPoint)_target).Port, _stop.Token);
            }
            catch (Exception)
            {
                client.Dispose();
                server.Dispose();
                continue;
            }
            lock (_gate)
            {
                _pairs.Add((client, server));
                Accepted++;
            }
            _ = PipeAsync(client, server);
            _ = PipeAsync(server, client);
        }
    }

    private async Task PipeAsync(TcpClient from, TcpClient to)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            var source = from.GetStream();
            var sink = to.GetStream();
            int read;
            while ((read = await source.ReadAsync(buffer, _stop.Token)) > 0) await sink.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
        }
        catch (Exception)
        {
            // Cut or closed.
        }
        from.Dispose();
        to.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        await CutAsync();
        try { await _accepting; } catch (Exception) { /* stopping */ }
        _stop.Dispose();
    }
}
