using System.Net;
using System.Net.Sockets;

namespace Kis.Realtime.Tests.Client;

/// <summary>
/// A loopback port that refuses every connection for as long as this lives: a socket bound to it that never listens.
/// Not a port bound, closed and handed on: another test (or the system) may take it before it is dialled, and the test
/// then meets a server where it expected none.
/// </summary>
internal sealed class RefusingPort : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

    public RefusingPort()
    {
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        // .NET's bind sets SO_REUSEADDR on Linux: cleared after it, or a listener binding the port by number would share it.
        _socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, false);
        Port = ((IPEndPoint)_socket.LocalEndPoint!).Port;
    }

    public int Port { get; }

    public void Dispose() => _socket.Dispose();
}
