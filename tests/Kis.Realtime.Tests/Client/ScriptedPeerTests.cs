using System.Text;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Client;

/// <summary>The client against <see cref="ScriptedKisServer"/>, a KIS stand-in on raw sockets that no other part of the project shares.</summary>
public sealed class ScriptedPeerTests
{
    internal const string HtsId = "myhtsid";
    private const string Ping = "{\"header\":{\"tr_id\":\"PINGPONG\",\"datetime\":\"20261121093000\"}}";

    internal static KisRealtimeOptions OptionsFor(ScriptedKisServer server) => ScriptedKisServer.ClientOptions(server, HtsId);

    private static string Index(string time, string value) =>
        $"0001^{time}^{value}^2^32.68^63952^1650684^439^10335^1.26^2615.72^2624.82^2610.00^23.86^2^32.96^2^18.14^2^0.92^1.27^0.70^0^670^72^177^0^0^0^19";

    // cust_id "OTHERCUST" is not the HTS ID the notices were subscribed with: KIS does not promise they match.
    private static string Notice(string orderNo) =>
        $"OTHERCUST^1234567803^{orderNo}^^02^0^0^111V06^0000000002^007840000^095835^0^2^2^00950^000000000^김한국^삼성전자   F 2^^^^000000000";

    [Fact]
    public async Task Every_record_and_notice_arrives_once_across_a_dropped_connection_with_a_new_notice_key()
    {
        var keys = new[] { ("abcdefghijklmnopabcdefghijklmnop", "0123456789abcdef"), ("ZYXWVUTSRQPONMLKZYXWVUTSRQPONMLK", "fedcba9876543210") };
        var pongs = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        var echoes = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = ScriptedKisServer.Start(async c =>
        {
            var (key, iv) = keys[c.Number - 1];
            for (var i = 0; i < 2; i++)
            {
                var (_, trId, trKey) = await c.ReceiveRequestAsync() ?? throw new IOException("closed");
                await c.ReplyAsync(trId, trKey, key: key, iv: iv);
            }
            if (c.Number == 1)
            {
                // A multi-record frame, a notice for another cust_id, a text frame that is not UTF-8, a PINGPONG.
                await c.SendTextAsync("0|H0UPCNT0|002|" + Index("090001", "2600.01") + "^" + Index("090002", "2600.02"));
                await c.SendTextAsync("1|H0IFCNI0|001|" + ScriptedConnection.Encrypt(Notice("0000000001"), key, iv));
                await c.SendFrameAsync(0x1, [(byte)'0', (byte)'|', 0xB1, 0xB9, 0xC7, 0xD1, 0xFF]);
                await c.SendTextAsync(Ping);
                while (await c.ReceiveFrameAsync() is { } frame)
                {
                    if (frame.Opcode == 0xA) pongs.TrySetResult(frame.Payload);
                    if (frame.Opcode == 0x1) echoes.TrySetResult(Encoding.UTF8.GetString(frame.Payload));
                    if (pongs.Task.IsCompleted && echoes.Task.IsCompleted) break;
                }
                await c.SendTextAsync("0|H0UPCNT0|001|" + Index("090003", "2600.03"));
                await c.SyncAsync();
                c.Drop(); // TCP reset, no close handshake
                return;
            }
            await c.SendTextAsync("0|H0UPCNT0|001|" + Index("090004", "2600.04"));
            await c.SendTextAsync("1|H0IFCNI0|001|" + ScriptedConnection.Encrypt(Notice("0000000002"), key, iv));
            await c.SendTextAsync("0|H0UPCNT0|002|" + Index("090005", "2600.05") + "^" + Index("090006", "2600.06"));
            await c.ServeUntilClosedAsync();
        });

        await using var client = new KisRealtimeClient(OptionsFor(server));
        await using var ticks = client.SubscribeIndexTicksAsync("0001").GetAsyncEnumerator();
        await using var notices = client.SubscribeFuturesOptionsNoticesAsync().GetAsyncEnumerator();
        var tickMove = ticks.MoveNextAsync().AsTask();
        var noticeMove = notices.MoveNextAsync().AsTask();

        var times = new List<string>();
        Assert.True(await tickMove.WaitAsync(TestTimeout));
        times.Add(ticks.Current.Time.ToString("HHmmss"));
        for (var i = 1; i < 6; i++) times.Add((await ticks.NextAsync()).Time.ToString("HHmmss"));
        Assert.Equal(["090001", "090002", "090003", "090004", "090005", "090006"], times);

        Assert.True(await noticeMove.WaitAsync(TestTimeout));
        var first = notices.Current;
        var second = await notices.NextAsync();
        Assert.Equal(["0000000001", "0000000002"], new[] { first.OrderNumber, second.OrderNumber });
        Assert.Equal("OTHERCUST", second.CustomerId);
        Assert.Equal(78400.00m, second.Price); // decrypted with the second connection's key

        Assert.Equal(Ping, Encoding.UTF8.GetString(await pongs.Task.WaitAsync(TestTimeout)));
        Assert.Equal(Ping, await echoes.Task.WaitAsync(TestTimeout));
        var stats = client.Statistics;
        Assert.Equal(1, stats.Reconnects);
        Assert.Equal(0, stats.RecordsUnrouted);
        Assert.Equal(1, stats.DecodeErrors); // the non-UTF-8 frame: counted, and the session went on
        Assert.All(server.ApprovalRequests, r => Assert.True(r.HasContentLength && !r.IsChunked, r.Head));
        Assert.NotEmpty(server.ApprovalRequests);
    }

    [Fact]
    public async Task Records_no_registration_wants_are_counted_per_tr()
    {
        await using var server = ScriptedKisServer.Start(async c =>
        {
            var (_, trId, trKey) = await c.ReceiveRequestAsync() ?? throw new IOException("closed");
            await c.ReplyAsync(trId, trKey);
            await c.SendTextAsync("0|H0UPCNT0|002|" + Index("090001", "1.00").Replace("0001^", "2001^") + "^" + Index("090002", "2.00"));
            await c.ServeUntilClosedAsync();
        });
        await using var client = new KisRealtimeClient(OptionsFor(server));
        await using var ticks = client.SubscribeIndexTicksAsync("0001").GetAsyncEnumerator();
        Assert.Equal("090002", (await ticks.NextAsync()).Time.ToString("HHmmss"));
        var stats = client.Statistics;
        Assert.Equal(1, stats.RecordsUnrouted);
        Assert.Equal(1, stats.UnroutedByTr["H0UPCNT0"]);
    }

    [Fact]
    public async Task A_Wait_mode_consumer_that_stops_reading_is_ended_and_the_session_goes_on()
    {
        await using var server = ScriptedKisServer.Start(async c =>
        {
            for (var i = 0; i < 2; i++)
            {
                var (_, trId, trKey) = await c.ReceiveRequestAsync() ?? throw new IOException("closed");
                await c.ReplyAsync(trId, trKey);
            }
            for (var i = 0; i < 200; i++)
            {
                var time = $"09{i / 60:D2}{i % 60:D2}";
                await c.SendTextAsync("0|H0UPCNT0|002|" + Index(time, "1.00") + "^" + Index(time, "2.00").Replace("0001^", "1001^"));
            }
            await c.ServeUntilClosedAsync();
        });
        await using var client = new KisRealtimeClient(OptionsFor(server) with
        {
            FullMode = KisFullMode.Wait,
            SubscriptionCapacity = 4,
            SlowConsumerTimeout = TimeSpan.FromMilliseconds(300),
        });
        await using var stuck = client.SubscribeIndexTicksAsync("0001").GetAsyncEnumerator();
        await using var reader = client.SubscribeIndexTicksAsync("1001").GetAsyncEnumerator();
        var stuckFirst = stuck.MoveNextAsync().AsTask();
        var readerFirst = reader.MoveNextAsync().AsTask();
        Assert.True(await stuckFirst.WaitAsync(TestTimeout)); // then stops reading

        Assert.True(await readerFirst.WaitAsync(TestTimeout));
        for (var i = 1; i < 200; i++) await reader.NextAsync(); // every record, although the other consumer is stuck

        // The stuck consumer gets what was buffered, then the typed error.
        var error = await Assert.ThrowsAsync<KisSlowConsumerException>(async () =>
        {
            while (await stuck.MoveNextAsync().AsTask().WaitAsync(TestTimeout)) { }
        });
        Assert.Equal("0001", error.TrKey);
        Assert.Equal(1, client.Statistics.SlowConsumers);
    }
}
