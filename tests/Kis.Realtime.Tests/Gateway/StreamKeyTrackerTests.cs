using System.Text;
using Kis.Realtime.Gateway.PostgreSql.Internal;
using Kis.Realtime.Gateway.Wire;
using RabbitMQ.Client;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>How the PostgreSQL stream writer tells a loss from a stream's unused offsets, and a malformed message from a record.</summary>
public class StreamKeyTrackerTests
{
    private const string Tr = "H0UPCNT0";

    private static StreamMessage Message(long offset, long seq, int count = 1, string run = "r1", string key = "0001", Action<Dictionary<string,
        object?>>? tamper = null, string? body = null)
    {
        var headers = new Dictionary<string, object?>
        {
            ["x-stream-offset"] = offset,
            [GatewayWire.TrIdHeader] = Tr,
            [GatewayWire.TrKeyHeader] = key,
            [GatewayWire.ReceivedAtHeader] = 1_700_000_000_000_000L + offset,
            [GatewayWire.SequenceHeader] = seq,
            [GatewayWire.RunHeader] = run,
            [GatewayWire.SessionHeader] = 0,
        };
        if (count > 1) headers[GatewayWire.CountHeader] = count;
        tamper?.Invoke(headers);
        body ??= string.Join('\n', Enumerable.Range(0, count).Select(i => $"{key}^{seq + i}"));
        return StreamMessage.Read(Tr, new BasicProperties { Headers = headers }, Encoding.ASCII.GetBytes(body));
    }

    [Fact]
    public void An_unused_offset_between_segments_is_no_gap_but_a_seq_jump_is()
    {
        var keys = new StreamKeyTracker();
        keys.Load([], hadPlace: false);
        Assert.Null(keys.Take(Message(0, 1)));
        Assert.Null(keys.Take(Message(1, 2, count: 3)));
        keys.Skipped(2, 2); // RabbitMQ started a segment: the offset carries no record
        Assert.Null(keys.Take(Message(3, 5)));

        // The seq jumps with no offset skipped since: the stream never held 6–9.
        var lost = keys.Take(Message(4, 10));
        Assert.Equal((StreamGap.Sequence, 4L, 4L, 6L, 9L, "r1", "0001"),
            (lost!.Reason, lost.FromOffset, lost.ToOffset, lost.FirstSeq, lost.LastSeq, lost.Run, lost.TrKey));
        Assert.Equal(GatewayWire.FromUnixMicroseconds(1_700_000_000_000_003L), lost.FromTime); // the key's last record before the hole
    }

    [Fact]
    public void Offsets_skipped_after_a_keys_last_record_with_records_missing_are_a_retention_gap()
    {
        var keys = new StreamKeyTracker();
        keys.Load([("0001", new StreamKeyTracker.KeyPlace("r1", 20, 19, DateTimeOffset.UnixEpoch))], hadPlace: true);
        keys.Skipped(20, 499);
        var gap = keys.Take(Message(500, 481));
        Assert.Equal((StreamGap.Retention, 20L, 499L, 21L, 480L), (gap!.Reason, gap.FromOffset, gap.ToOffset, gap.FirstSeq, gap.LastSeq));
        // A key first seen now, past seq 1, on a stream read before: its first records went too.
        var newKey = keys.Take(Message(501, 100, key: "0002"));
        Assert.Equal((StreamGap.Retention, 1L, 99L), (newKey!.Reason, newKey.FirstSeq!.Value, newKey.LastSeq!.Value));
        Assert.Null(keys.Take(Message(502, 1, key: "0003"))); // a new key from its first record
    }

    [Fact]
    public void A_repeat_and_a_new_run_from_1_are_no_gap_and_a_fresh_stream_does_not_judge_keys_it_never_saw()
    {
        var keys = new StreamKeyTracker();
        keys.Load([], hadPlace: false);
        Assert.Null(keys.Take(Message(0, 50))); // read from the stream's first message: earlier records were never ours
        Assert.Null(keys.Take(Message(1, 51)));
        Assert.Null(keys.Take(Message(2, 50))); // a resend
        Assert.Null(keys.Take(Message(3, 52)));
        Assert.Null(keys.Take(Message(4, 1, run: "r2"))); // a new gateway run numbers from 1
        Assert.Equal((1L, 4L), keys.Take(Message(5, 5, run: "r3")) is { } g ? (g.FirstSeq!.Value, g.LastSeq!.Value) : (0, 0));
        Assert.Equal(1, keys.TouchedCount);
        keys.Committed();
        Assert.Equal(0, keys.TouchedCount);
    }

    [Theory]
    [InlineData("seq")]
    [InlineData("run")]
    [InlineData("tr_key")]
    [InlineData("received_at")]
    [InlineData("tr_id")]
    [InlineData("count")]
    public void A_message_not_as_the_gateway_writes_it_is_malformed_with_what_is_known(string broken)
    {
        var message = broken switch
        {
            "tr_id" => Message(7, 3, tamper: h => h[GatewayWire.TrIdHeader] = "H0STCNT0"),
            "count" => Message(7, 3, count: 3, body: "0001^3\n0001^4"),
            _ => Message(7, 3, tamper: h => h.Remove(broken)),
        };
        Assert.NotNull(message.Problem);
        var gap = StreamGap.Of(message);
        Assert.Equal((StreamGap.Malformed, 7L, 7L), (gap.Reason, gap.FromOffset, gap.ToOffset));
        Assert.Empty(message.Body); // nothing of a bad message is kept but what its headers tell
        if (broken != "seq") Assert.Equal(3L, gap.FirstSeq);
    }

    [Fact]
    public void A_well_formed_message_gives_its_records_with_their_seq_and_receive_time()
    {
        var message = Message(9, 41, count: 2, tamper: h => h[GatewayWire.ReceivedOffsetsHeader] = "0,412");
        Assert.Null(message.Problem);
        Assert.Equal([(41L, "0001^41"), (42L, "0001^42")], message.Records().Select(r => (r.Seq, Encoding.ASCII.GetString(r.Body.Span))));
        Assert.Equal(412 * 10, (message.Records().Last().ReceivedAt - message.Records().First().ReceivedAt).Ticks);
    }
}
