using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>
/// Publishes one message of any size over a bare AMQP 0-9-1 socket, streaming its body from a small buffer, so a test
/// can send 200 MiB without the test process (where the gateway also runs) holding 200 MiB: the gateway's memory is
/// then measurable. Then asks for basic.qos, whose answer says whether the broker took the publish (0) or closed the
/// channel over it (its reply code, e.g. 406 for a message over <c>max_message_size</c>).
/// </summary>
internal static class HugePublisher
{
    private const int FrameMax = 131072;

    public static async Task<int> PublishAsync(Uri amqpUri, string exchange, string routingKey, string replyTo, string userId, long bodyBytes)
    {
        var credentials = amqpUri.UserInfo.Split(':', 2).Select(Uri.UnescapeDataString).ToArray();
        using var client = new TcpClient();
        await client.ConnectAsync(amqpUri.Host, amqpUri.Port);
        await using var stream = client.GetStream();
        await stream.WriteAsync("AMQP\0\0\u0009\u0001"u8.ToArray());
        await ReadMethodAsync(stream); // connection.start
        var sasl = Encoding.UTF8.GetBytes($"\0{credentials[0]}\0{credentials[1]}");
        await SendMethodAsync(stream, 0, 10, 11, w => { w.Write(0); ShortString(w, "PLAIN"); LongString(w, sasl); ShortString(w, "en_US"); });
        await ReadMethodAsync(stream); // connection.tune
        await SendMethodAsync(stream, 0, 10, 31, w => { w.Write(Be((short)1)); w.Write(Be(FrameMax)); w.Write(Be((short)0)); });
        await SendMethodAsync(stream, 0, 10, 40, w => { ShortString(w, "/"); ShortString(w, ""); w.Write((byte)0); });
        await ReadMethodAsync(stream); // connection.open-ok
        await SendMethodAsync(stream, 1, 20, 10, w => ShortString(w, ""));
        await ReadMethodAsync(stream); // channel.open-ok
        await SendMethodAsync(stream, 1, 60, 40, w => { w.Write((short)0); ShortString(w, exchange); ShortString(w, routingKey); w.Write((byte)0); });
        var header = new MemoryStream();
        using (var w = new BinaryWriter(header, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Be((short)60)); w.Write((short)0); w.Write(Be(bodyBytes));
            w.Write(Be(unchecked((short)(0x0400 | 0x0200 | 0x0010)))); // correlation-id, reply-to, user-id
            ShortString(w, Guid.NewGuid().ToString("N")); ShortString(w, replyTo); ShortString(w, userId);
        }
        await SendFrameAsync(stream, 2, 1, header.ToArray());
        var chunk = new byte[FrameMax - 8];
        for (var sent = 0L; sent < bodyBytes;)
        {
            var size = (int)Math.Min(chunk.Length, bodyBytes - sent);
            await SendFrameAsync(stream, 3, 1, chunk.AsMemory(0, size));
            sent += size;
        }
        await SendMethodAsync(stream, 1, 60, 10, w => { w.Write(0); w.Write((short)0); w.Write((byte)0); }); // basic.qos
        var (classId, methodId, args) = await ReadMethodAsync(stream);
        return (classId, methodId) == (60, 11) ? 0 : (classId, methodId) is (20, 40) or (10, 50) ? BinaryPrimitives.ReadUInt16BigEndian(args) : -1;
    }

    private static byte[] Be(short value) { var b = new byte[2]; BinaryPrimitives.WriteInt16BigEndian(b, value); return b; }
    private static byte[] Be(int value) { var b = new byte[4]; BinaryPrimitives.WriteInt32BigEndian(b, value); return b; }
    private static byte[] Be(long value) { var b = new byte[8]; BinaryPrimitives.WriteInt64BigEndian(b, value); return b; }

    private static void ShortString(BinaryWriter w, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        w.Write((byte)bytes.Length);
        w.Write(bytes);
    }

    private static void LongString(BinaryWriter w, byte[] bytes)
    {
        w.Write(Be(bytes.Length));
        w.Write(bytes);
    }

    private static async Task SendMethodAsync(NetworkStream stream, short channel, short classId, short methodId, Action<BinaryWriter> arguments)
    {
        var payload = new MemoryStream();
        using (var w = new BinaryWriter(payload, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Be(classId));
            w.Write(Be(methodId));
            arguments(w);
        }
        await SendFrameAsync(stream, 1, channel, payload.ToArray());
    }

    private static async Task SendFrameAsync(NetworkStream stream, byte type, short channel, ReadOnlyMemory<byte> payload)
    {
        var head = new byte[7];
        head[0] = type;
        BinaryPrimitives.WriteInt16BigEndian(head.AsSpan(1), channel);
        BinaryPrimitives.WriteInt32BigEndian(head.AsSpan(3), payload.Length);
        await stream.WriteAsync(head);
        await stream.WriteAsync(payload);
        await stream.WriteAsync(new byte[] { 0xCE });
    }

    /// <summary>The next method frame (others, e.g. heartbeats, skipped): its class, method and arguments.</summary>
    private static async Task<(int ClassId, int MethodId, byte[] Arguments)> ReadMethodAsync(NetworkStream stream)
    {
        while (true)
        {
            var head = new byte[7];
            await stream.ReadExactlyAsync(head).AsTask().WaitAsync(TimeSpan.FromSeconds(60));
            var payload = new byte[BinaryPrimitives.ReadInt32BigEndian(head.AsSpan(3)) + 1];
            await stream.ReadExactlyAsync(payload);
            if (head[0] != 1) continue;
            return (BinaryPrimitives.ReadUInt16BigEndian(payload), BinaryPrimitives.ReadUInt16BigEndian(payload.AsSpan(2)), payload[4..^1]);
        }
    }
}
