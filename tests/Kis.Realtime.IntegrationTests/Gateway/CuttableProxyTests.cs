using System.Net;
using System.Net.Sockets;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>
/// The proxy's markers are seen when TCP splits them across two reads (as it does under load): matched within one read,
/// a split marker was never seen and the fault tests built on it flaked.
/// </summary>
public sealed class CuttableProxyTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private static readonly byte[] Marker = "split-marker"u8.ToArray();

    [Fact]
    public async Task A_marker_the_client_sends_in_two_reads_is_seen()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        await using var proxy = new CuttableProxy(new Uri($"amqp://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/"));
        var held = proxy.HoldRepliesAfterClientSends(Marker);
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, proxy.Port);
        using var server = await listener.AcceptTcpClientAsync();
        // The second half leaves only once the first has come through the proxy: two reads there.
        await client.GetStream().WriteAsync(Marker.AsMemory(0, 5));
        await ReadExactlyAsync(server.GetStream(), 5);
        Assert.False(held.IsCompleted);
        await client.GetStream().WriteAsync(Marker.AsMemory(5));
        await ReadExactlyAsync(server.GetStream(), Marker.Length - 5);
        Assert.True(held.IsCompleted, "the proxy passed the marker on without seeing it"); // seen before it is passed on
    }

    [Fact]
    public async Task A_marker_the_broker_sends_in_two_reads_closes_the_connection()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        await using var proxy = new CuttableProxy(new Uri($"amqp://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/"));
        proxy.CloseAfterBrokerSends(Marker);
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, proxy.Port);
        using var server = await listener.AcceptTcpClientAsync();
        await server.GetStream().WriteAsync(Marker.AsMemory(0, 5));
        await ReadExactlyAsync(client.GetStream(), 5);
        await server.GetStream().WriteAsync(Marker.AsMemory(5));
        await ReadExactlyAsync(client.GetStream(), Marker.Length - 5);
        var end = await client.GetStream().ReadAsync(new byte[16]).AsTask().WaitAsync(Timeout);
        Assert.Equal(0, end); // the proxy closed the client's connection after the marker
    }

    private static async Task ReadExactlyAsync(NetworkStream stream, int count) =>
        await stream.ReadExactlyAsync(new byte[count]).AsTask().WaitAsync(Timeout);
}
