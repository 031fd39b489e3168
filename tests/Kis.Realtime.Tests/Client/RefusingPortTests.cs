using System.Net;
using System.Net.Sockets;

namespace Kis.Realtime.Tests.Client;

/// <summary>
/// The tests' port with nothing listening (<see cref="RefusingPort"/>): refuses a connection, and stays the test's while
/// it lives — no server started meanwhile (another test's, on port 0) can be given it, as it could a port bound and let go.
/// </summary>
public sealed class RefusingPortTests
{
    [Fact]
    public async Task Refuses_connections_and_no_listener_can_take_the_port_while_it_lives()
    {
        using var closed = new RefusingPort();

        using var client = new TcpClient();
        var refused = await Assert.ThrowsAsync<SocketException>(() => client.ConnectAsync(IPAddress.Loopback, closed.Port).WaitAsync(TimeSpan.FromMinutes(1)));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
        var taken = Assert.Throws<SocketException>(() => new TcpListener(IPAddress.Loopback, closed.Port).Start());
        Assert.Equal(SocketError.AddressAlreadyInUse, taken.SocketErrorCode);
    }

    [Fact]
    public void Its_port_is_free_again_once_disposed()
    {
        int port;
        using (var closed = new RefusingPort()) port = closed.Port;

        var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start();
        listener.Stop();
    }
}
