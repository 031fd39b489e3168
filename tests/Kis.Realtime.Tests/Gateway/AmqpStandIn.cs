using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>What the stand-in does when a client opens a channel.</summary>
internal enum ChannelOpenAnswer
{
    /// <summary>Nothing, for ever: a broker too busy to answer (or a close the client never applied to the channel).</summary>
    Silence,

    /// <summary>connection.close 530 NOT_ALLOWED: the broker refusing the user the virtual host.</summary>
    CloseNotAllowed,
}

/// <summary>
/// A hostile AMQP 0-9-1 broker on a raw socket (127.0.0.1, port 0): it completes the handshake every client expects
/// (start, tune, open) and then answers channel.open as told, so a test meets a broker fault that a real RabbitMQ only
/// shows under load, on every run. It understands nothing else but the client's connection.close: other frames are read and dropped.
/// </summary>
internal sealed class AmqpStandIn : IAsyncDisposable
{
    private const byte MethodFrame = 1, FrameEnd = 0xCE;
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly ChannelOpenAnswer _answer;
    private readonly Task _accepting;
    private int _channelOpens;

    public AmqpStandIn(ChannelOpenAnswer answer)
    {
        _answer = answer;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>channel.open methods received, over all connections.</summary>
    public int ChannelOpens => Volatile.Read(ref _channelOpens);

    private async Task AcceptAsync()
    {
        var connections = new List<Task>();
        try
        {
            while (true) connections.Add(ServeAsync(await _listener.AcceptTcpClientAsync(_stop.Token)));
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
        await Task.WhenAll(connections);
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        var stream = client.GetStream();
        try
        {
            var header = new byte[8];
            await stream.ReadExactlyAsync(header, _stop.Token);
            await SendMethodAsync(stream, 0, 10, 10, [0, 9, .. Table(), .. LongString("PLAIN"), .. LongString("en_US")]); // start
            await ExpectMethodAsync(stream, 10, 11); // start-ok
            await SendMethodAsync(stream, 0, 10, 30, [.. Short(2047), .. Long(131072), .. Short(0)]); // tune: no heartbeats
            await ExpectMethodAsync(stream, 10, 31); // tune-ok
            await ExpectMethodAsync(stream, 10, 40); // open
            await SendMethodAsync(stream, 0, 10, 41, [0]); // open-ok
            while (true)
            {
                var (_, classId, methodId) = await ReadMethodAsync(stream);
                if ((classId, methodId) == (10, 50)) // the client closes: close-ok, as any broker (its dispose waits for it)
                {
                    await SendMethodAsync(stream, 0, 10, 51, []);
                    return;
                }
                if ((classId, methodId) != (20, 10)) continue;
                Interlocked.Increment(ref _channelOpens);
                if (_answer == ChannelOpenAnswer.CloseNotAllowed)
                    await SendMethodAsync(stream, 0, 10, 50,
                        [.. Short(530), .. ShortString("NOT_ALLOWED - access to vhost '/' refused for user 'guest'"), .. Short(20), .. Short(10)]);
            }
        }
        catch (Exception e) when (e is IOException or EndOfStreamException or OperationCanceledException or ObjectDisposedException)
        {
            // The client went away, or the test is over.
        }
    }

    private async Task ExpectMethodAsync(NetworkStream stream, int classId, int methodId)
    {
        while (true)
        {
            var (_, c, m) = await ReadMethodAsync(stream);
            if ((c, m) == (classId, methodId)) return;
        }
    }

    /// <summary>The next method frame's channel, class and method (other frames, e.g. heartbeats, are skipped).</summary>
    private async Task<(int Channel, int ClassId, int MethodId)> ReadMethodAsync(NetworkStream stream)
    {
        var head = new byte[7];
        while (true)
        {
            await stream.ReadExactlyAsync(head, _stop.Token);
            var size = BinaryPrimitives.ReadInt32BigEndian(head.AsSpan(3));
            if (size is < 0 or > 1 << 20) throw new IOException($"frame of {size} bytes");
            var payload = new byte[size + 1]; // and the frame end
            await stream.ReadExactlyAsync(payload, _stop.Token);
            if (head[0] != MethodFrame) continue;
            return (BinaryPrimitives.ReadUInt16BigEndian(head.AsSpan(1)), BinaryPrimitives.ReadUInt16BigEndian(payload),
                BinaryPrimitives.ReadUInt16BigEndian(payload.AsSpan(2)));
        }
    }

    private async Task SendMethodAsync(NetworkStream stream, int channel, int classId, int methodId, byte[] arguments)
    {
        byte[] frame = [MethodFrame, .. Short(channel), .. Long(4 + arguments.Length), .. Short(classId), .. Short(methodId), .. arguments, FrameEnd];
        await stream.WriteAsync(frame, _stop.Token);
    }

    private static byte[] Short(int value) => [(byte)(value >> 8), (byte)value];

    private static byte[] Long(int value) => [(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value];

    private static byte[] Table() => Long(0);

    private static byte[] LongString(string value) => [.. Long(Encoding.ASCII.GetByteCount(value)), .. Encoding.ASCII.GetBytes(value)];

    private static byte[] ShortString(string value) => [(byte)Encoding.ASCII.GetByteCount(value), .. Encoding.ASCII.GetBytes(value)];

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}
