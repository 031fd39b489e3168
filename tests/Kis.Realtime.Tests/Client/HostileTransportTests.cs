using System.Buffers.Binary;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Client;

/// <summary>
/// RFC 6455 rules a client must hold a server to, against the raw-socket stand-in: an invalid close code is answered
/// with 1002 and never echoed, 1005 is never sent, a masked server frame fails the connection; each failure is counted
/// and the session reconnects as for any loss.
/// </summary>
public sealed class HostileTransportTests
{
    private static byte[] ClosePayload(int code)
    {
        var payload = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(payload, (ushort)code);
        return payload;
    }

    /// <summary>
    /// Connection 1 subscribes, then <paramref name="misbehave"/> runs and the client's close status is recorded;
    /// connection 2 serves normally. Returns the status the client closed connection 1 with.
    /// </summary>
    private static async Task<(int? ClientClose, KisRealtimeStatistics Stats)> RunAsync(Func<ScriptedConnection, Task> misbehave)
    {
        var clientClose = new TaskCompletionSource<int?>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = ScriptedKisServer.Start(async c =>
        {
            var (_, trId, trKey) = await c.ReceiveRequestAsync() ?? throw new IOException("closed");
            await c.ReplyAsync(trId, trKey);
            if (c.Number == 1)
            {
                await misbehave(c);
                clientClose.TrySetResult(await c.ReceiveCloseStatusAsync());
                return;
            }
            await c.SendTextAsync("0|H0UPCNT0|001|0001^090001^2600.00^2^32.68^63952^1650684^439^10335^1.26^2615.72^2624.82^2610.00^23.86^2^32.96^2^18.14^2^" +
                "0.92^1.27^0.70^0^670^72^177^0^0^0^19");
            await c.ServeUntilClosedAsync();
        });
        await using var client = new KisRealtimeClient(ScriptedPeerTests.OptionsFor(server));
        await using var ticks = client.SubscribeIndexTicksAsync("0001").GetAsyncEnumerator();
        var tick = await ticks.NextAsync(); // from connection 2: the session reconnected and re-subscribed
        Assert.Equal(2600.00m, tick.Value);
        Assert.Equal(2, server.Connections);
        return (await clientClose.Task.WaitAsync(TestTimeout), client.Statistics);
    }

    [Theory]
    [InlineData(999)]
    [InlineData(1004)]
    [InlineData(1005)]
    [InlineData(1006)]
    [InlineData(1015)]
    [InlineData(2999)]
    [InlineData(5000)]
    public async Task An_invalid_close_code_is_answered_with_1002_never_echoed(int code)
    {
        // Failed before: the client echoed the code (999, 1005 … went back on the wire) and counted nothing.
        var (clientClose, stats) = await RunAsync(c => c.SendFrameAsync(0x8, ClosePayload(code)));
        Assert.Equal(1002, clientClose);
        Assert.Equal(1, stats.ProtocolErrors);
        Assert.Equal(1, stats.Reconnects);
    }

    [Theory]
    [InlineData(1000)]
    [InlineData(1001)]
    [InlineData(1011)]
    [InlineData(4000)]
    public async Task A_valid_close_code_is_echoed(int code)
    {
        var (clientClose, stats) = await RunAsync(c => c.SendFrameAsync(0x8, ClosePayload(code)));
        Assert.Equal(code, clientClose);
        Assert.Equal(0, stats.ProtocolErrors);
    }

    [Fact]
    public async Task An_empty_close_frame_is_answered_with_1000_not_1005()
    {
        var (clientClose, _) = await RunAsync(c => c.SendFrameAsync(0x8, []));
        Assert.Equal(1000, clientClose);
    }

    [Fact]
    public async Task A_masked_server_frame_fails_the_connection_with_1002_and_the_session_reconnects()
    {
        // Failed before: the masked frame was unmasked and accepted, and the connection went on.
        var (clientClose, stats) = await RunAsync(
            c => c.SendMaskedFrameAsync(0x1, "{\"header\":{\"tr_id\":\"PINGPONG\",\"datetime\":\"20261121090000\"}}"u8.ToArray()));
        Assert.Equal(1002, clientClose);
        Assert.Equal(1, stats.ProtocolErrors);
        Assert.Equal(0, stats.HeartbeatsAnswered); // the masked PINGPONG was not taken
    }
}
