using System.Buffers.Binary;
using System.Text;
using Kis.Realtime.Protocol;
using Kis.Realtime.Simulator;

namespace Kis.Realtime.Tests.Simulator;

/// <summary>The simulator's hand-written RFC 6455 server framing, against a raw client.</summary>
public sealed class FramingTests
{
    [Fact]
    public async Task A_fragmented_request_is_reassembled()
    {
        await using var sim = await Sim.StartAsync(o => o with { Pace = MarketPace.Off });
        var key = await sim.IssueApprovalKeyAsync();
        await using var c = await RawWsClient.ConnectAsync(sim, "/tryitout");
        var request = SubscriptionRequest.ToBytes(key, CustomerType.Personal, RequestType.Subscribe, "H0UPCNT0", "0001");
        await c.SendAsync(0x1, request[..20], fin: false);
        await c.SendAsync(0x9, [7]); // a control frame may arrive between fragments
        await c.SendAsync(0x0, request[20..100], fin: false);
        await c.SendAsync(0x0, request[100..], fin: true);
        var pong = await c.ReceiveAsync();
        Assert.Equal(0xA, pong!.Value.Opcode);
        var reply = await c.ReceiveAsync();
        Assert.True(ControlMessage.TryParse(reply!.Value.Payload, out var m));
        Assert.Equal(OpspCode.SubscribeSuccess, m.Code);
    }

    [Fact]
    public async Task An_unmasked_client_frame_is_a_protocol_error_1002()
    {
        await using var sim = await Sim.StartAsync(o => o with { Pace = MarketPace.Off });
        await using var c = await RawWsClient.ConnectAsync(sim);
        await c.SendAsync(0x1, Encoding.UTF8.GetBytes("{}"), masked: false);
        var close = await c.ReceiveAsync();
        Assert.Equal(0x8, close!.Value.Opcode);
        Assert.Equal(1002, BinaryPrimitives.ReadUInt16BigEndian(close.Value.Payload));
    }

    [Theory]
    [InlineData(0x8000_0000_0000_0000UL, 1002)] // top bit set: negative as a long
    [InlineData(0xFFFF_FFFF_FFFF_FFFFUL, 1002)]
    [InlineData(0x0000_0001_0000_0000UL, 1009)] // valid form, far over the message limit
    [InlineData(0x7FFF_FFFF_FFFF_FFFFUL, 1009)]
    public async Task A_64_bit_length_that_is_negative_or_oversized_is_a_protocol_error(ulong length, int status)
    {
        var frame = new byte[14];
        frame[0] = 0x81; // FIN, text
        frame[1] = 0x80 | 127; // masked, 64-bit length
        BinaryPrimitives.WriteUInt64BigEndian(frame.AsSpan(2), length);
        using var reader = new Kis.Realtime.Transport.WebSocketFrameReader(new MemoryStream(frame), 1 << 20, requireMask: true);
        var e = await Assert.ThrowsAsync<Kis.Realtime.Transport.WebSocketFrameException>(() => reader.ReceiveAsync(CancellationToken.None).AsTask());
        Assert.Equal(status, (int)e.CloseStatus);
    }

    [Fact]
    public async Task Large_frames_use_extended_lengths()
    {
        await using var sim = await Sim.StartAsync(o => o with { Pace = MarketPace.FlatOut, MaxRecordsPerFrame = 999 });
        var key = await sim.IssueApprovalKeyAsync();
        await using var c = await RawWsClient.ConnectAsync(sim);
        await c.SendAsync(0x1, SubscriptionRequest.ToBytes(key, CustomerType.Personal, RequestType.Subscribe, "H0BJCNT0", "KR103502GD31"));
        var frame = await c.ReceiveAsync((op, p) => op == 1 && p.Length > 0 && p[0] == (byte)'0');
        Assert.True(frame!.Value.Payload.Length > 65_535); // 999 bond records: a 64-bit length header
        Assert.True(DataFrame.TryParse(frame.Value.Payload, out var f, out _));
        Assert.Equal(999, f.RecordCount);
    }
}
