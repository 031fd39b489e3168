using System.Text;
using Kis.Realtime.Gateway.Internal;
using Kis.Realtime.Gateway.PostgreSql.Internal;
using Kis.Realtime.Gateway.Wire;
using RabbitMQ.Client;

namespace Kis.Realtime.Tests.Gateway.Wire;

/// <summary>
/// The publisher's packing (<see cref="RecordBatcher"/>) and the message it puts on the wire, read back as the PostgreSQL
/// writer reads it (<see cref="StreamMessage"/>): no broker needed.
/// </summary>
public class RecordBatcherTests
{
    private const string Tr = "H0UPCNT0";
    private static readonly RecordRoute A = new(Tr, "0001", 0, "run-1"), B = new(Tr, "0002", 0, "run-1"), C = new(Tr, "1001", 3, "run-1");

    private static OutgoingRecord Record(RecordRoute route, long seq, string? body = null, long at = 1_700_000_000_000_000) =>
        new(route, seq, at, Encoding.ASCII.GetBytes(body ?? $"{route.Key}^{seq:D6}^2624.54"));

    private static List<OutgoingMessage> Pack(IEnumerable<OutgoingRecord> records, int max = 64, bool acrossKeys = true)
    {
        var messages = new Queue<OutgoingMessage>();
        new RecordBatcher(max, acrossKeys).Pack(records.ToList(), messages);
        return [.. messages];
    }

    /// <summary>What a consumer reads of a message: (key, seq, receive time, body) per record, through the wire's headers.</summary>
    private static List<(string Key, long Seq, long At, int Session, string Body)> ReadBack(OutgoingMessage message, long offset = 7)
    {
        var (_, properties) = RecordPublisher.Envelope(message);
        var headers = new Dictionary<string, object?>(properties.Headers!) { ["x-stream-offset"] = offset };
        var read = StreamMessage.Read(Tr, new BasicProperties { Headers = headers }, message.Body.ToArray());
        Assert.Null(read.Problem);
        return read.Parts.SelectMany(part => part.Records().Select(r =>
            (part.TrKey!, r.Seq, GatewayWire.ToUnixMicroseconds(r.ReceivedAt), part.Session, Encoding.ASCII.GetString(r.Body.Span)))).ToList();
    }

    private static List<(string Key, long Seq, long At, int Session, string Body)> Expected(IEnumerable<OutgoingRecord> records) =>
        records.Select(r => (r.Route.Key, r.Sequence, r.ReceivedAtMicros, r.Route.Session, Encoding.ASCII.GetString(r.Body.Span))).ToList();

    [Fact]
    public void Records_of_several_keys_of_one_TR_share_a_message_each_with_its_own_key_seq_session_and_time()
    {
        OutgoingRecord[] records = [Record(A, 1), Record(B, 1, at: 1_700_000_000_000_100), Record(C, 7), Record(A, 2), Record(B, 2, at: 1_699_999_999_999_950)];
        var message = Assert.Single(Pack(records));
        Assert.NotNull(message.Routes);
        var (routingKey, properties) = RecordPublisher.Envelope(message);
        Assert.Equal(Tr, routingKey); // no one key to route by; the stream's binding {TR}.# takes it
        var headers = properties.Headers!;
        Assert.Equal(GatewayWire.KeysFormat, headers[GatewayWire.FormatHeader]);
        Assert.False(headers.ContainsKey(GatewayWire.TrKeyHeader));
        Assert.False(headers.ContainsKey(GatewayWire.SequenceHeader));
        Assert.Equal("0001,0002,1001,0001,0002", headers[GatewayWire.KeysHeader]);
        Assert.Equal("1,1,7,2,2", headers[GatewayWire.SequencesHeader]);
        Assert.Equal("0,0,3,0,0", headers[GatewayWire.SessionsHeader]);
        Assert.Equal("0,100,0,0,-50", headers[GatewayWire.ReceivedOffsetsHeader]);
        Assert.Equal(5, headers[GatewayWire.CountHeader]);
        Assert.Equal(Expected(records), ReadBack(message));
    }

    [Fact]
    public void Consecutive_records_of_one_key_alone_keep_the_one_key_format_and_one_session_needs_no_sessions_header()
    {
        var message = Assert.Single(Pack([Record(A, 4), Record(A, 5), Record(A, 6)]));
        Assert.Null(message.Routes);
        var (routingKey, properties) = RecordPublisher.Envelope(message);
        Assert.Equal("H0UPCNT0.0001", routingKey);
        Assert.False(properties.Headers!.ContainsKey(GatewayWire.FormatHeader));
        Assert.Equal(4L, properties.Headers[GatewayWire.SequenceHeader]);

        var keys = Assert.Single(Pack([Record(A, 1), Record(B, 1)]));
        Assert.False(RecordPublisher.Envelope(keys).Properties.Headers!.ContainsKey(GatewayWire.SessionsHeader));
        Assert.False(RecordPublisher.Envelope(keys).Properties.Headers!.ContainsKey(GatewayWire.ReceivedOffsetsHeader));
    }

    [Fact]
    public void A_gap_of_one_key_stays_in_the_message_across_keys_but_starts_a_new_one_per_key()
    {
        OutgoingRecord[] records = [Record(A, 1), Record(A, 2), Record(A, 5), Record(A, 6)];
        var across = Assert.Single(Pack(records));
        Assert.Equal([1L, 2, 5, 6], across.Sequences!);
        Assert.Equal(Expected(records), ReadBack(across));
        Assert.Equal([(1L, 2), (5L, 2)], Pack(records, acrossKeys: false).Select(m => (m.FirstSequence, m.Count)));
    }

    [Fact]
    public void A_record_with_the_separator_an_announcement_and_a_key_with_a_comma_travel_alone_after_their_TRs_earlier_records()
    {
        var comma = new RecordRoute(Tr, "00,1", 0, "run-1");
        OutgoingRecord[] records =
        [
            Record(A, 1), Record(B, 1), Record(A, 2, "0001^two\nlines"), Record(B, 2),
            new(C, OutgoingRecord.AnnouncementSequence, 1_700_000_000_000_000, "{}"u8.ToArray()), Record(C, 1), Record(comma, 1), Record(A, 3),
        ];
        var messages = Pack(records);
        // Each closes what its TR had open (the order per key), so the records around it go in messages of their own.
        Assert.Equal([2, 1, 1, 1, 1, 1, 1], messages.Select(m => m.Count));
        Assert.Equal("0001^two\nlines", Encoding.ASCII.GetString(messages[1].Body.Span));
        Assert.Null(messages[1].Routes);
        Assert.Equal(GatewayWire.RunAnnouncementKind, RecordPublisher.Envelope(messages[3]).Properties.Headers![GatewayWire.KindHeader]);
        Assert.Equal("00,1", messages[5].Route.Key);
        Assert.Equal("H0UPCNT0.00,1", RecordPublisher.Envelope(messages[5]).RoutingKey);
        // Whatever the packing, each key's records in the order of their sequences.
        var flat = messages.SelectMany(m => Enumerable.Range(0, m.Count).Select(m.Record)).Where(r => r.Sequence > 0).ToList();
        foreach (var route in new[] { A, B, C, comma })
            Assert.Equal(records.Where(r => r.Route == route && !r.IsAnnouncement).Select(r => r.Sequence),
                flat.Where(r => r.Route == route).Select(r => r.Sequence));
    }

    [Fact]
    public void A_record_bigger_than_a_message_goes_alone_and_the_record_count_and_body_size_bound_a_message()
    {
        var big = new string('9', RecordBatcher.MaxBodyBytes + 10);
        var messages = Pack([Record(A, 1), Record(B, 1), Record(A, 2, big), Record(B, 2)]);
        Assert.Equal([2, 1, 1], messages.Select(m => m.Count));
        Assert.Equal(big.Length, messages[1].Body.Length);

        var many = Enumerable.Range(1, 100).SelectMany(s => new[] { Record(A, s), Record(B, s) }).ToList();
        Assert.Equal([64, 64, 64, 8], Pack(many).Select(m => m.Count));
        Assert.All(Pack(many, max: 1), m => Assert.Null(m.Routes));
    }

    [Fact]
    public void Records_of_different_TRs_or_runs_never_share_a_message()
    {
        var other = new RecordRoute("H0STCNT0", "005930", 0, "run-1");
        var nextRun = new RecordRoute(Tr, "0003", 0, "run-2");
        var messages = Pack([Record(A, 1), Record(other, 1), Record(B, 1), Record(other, 2), Record(nextRun, 1)]);
        Assert.Equal([(Tr, 2), ("H0STCNT0", 2), (Tr, 1)], messages.Select(m => (m.Route.TrId, m.Count)));
    }

    [Fact]
    public void A_keys_message_that_does_not_add_up_is_one_malformed_message_for_the_writer_not_misplaced_records()
    {
        var message = Assert.Single(Pack([Record(A, 1), Record(B, 1), Record(C, 1)]));
        StreamMessage Tampered(Action<Dictionary<string, object?>> tamper, string? body = null)
        {
            var headers = new Dictionary<string, object?>(RecordPublisher.Envelope(message).Properties.Headers!) { ["x-stream-offset"] = 9L };
            tamper(headers);
            return StreamMessage.Read(Tr, new BasicProperties { Headers = headers }, body is null ? message.Body.ToArray() : Encoding.ASCII.GetBytes(body));
        }
        Assert.Contains("keys", Tampered(h => h[GatewayWire.KeysHeader] = "0001,0002").Problem);
        Assert.Contains("keys", Tampered(h => h[GatewayWire.KeysHeader] = "0001,,1001").Problem);
        Assert.Contains("seqs", Tampered(h => h[GatewayWire.SequencesHeader] = "1,0,1").Problem);
        Assert.Contains("seqs", Tampered(h => h.Remove(GatewayWire.SequencesHeader)).Problem);
        Assert.Contains("sessions", Tampered(h => h[GatewayWire.SessionsHeader] = "0,0").Problem);
        Assert.Contains("count", Tampered(_ => { }, "0001^1\n0002^1").Problem);
        Assert.Null(Tampered(_ => { }).Problem);
    }

    [Fact]
    public void The_writer_tracks_each_key_of_a_keys_message_and_a_message_read_again_is_no_gap()
    {
        var keys = new StreamKeyTracker();
        keys.Load([], hadPlace: false);
        var first = StreamMessageOf(Assert.Single(Pack([Record(A, 1), Record(B, 1), Record(A, 2)])), offset: 0);
        Assert.All(first.Parts, part => Assert.Null(keys.Take(part)));
        Assert.All(first.Parts, part => Assert.Null(keys.Take(part))); // published again after a broker failure
        var jumped = StreamMessageOf(Assert.Single(Pack([Record(B, 2), Record(A, 5)])), offset: 1);
        Assert.Null(keys.Take(jumped.Parts[0]));
        var gap = keys.Take(jumped.Parts[1]);
        Assert.NotNull(gap);
        Assert.Equal(("0001", 3L, 4L), (gap.TrKey, gap.FirstSeq, gap.LastSeq));
    }

    [Fact]
    public void A_keys_message_with_a_hostile_count_is_a_located_problem_not_an_exception()
    {
        // Failed before: count int.MaxValue sized three arrays before anything checked it (OutOfMemoryException in the
        // history writer's delivery handler; the offset never stored, so the message came back after every re-attach).
        var headers = new Dictionary<string, object?>
        {
            [GatewayWire.FormatHeader] = GatewayWire.KeysFormat, [GatewayWire.TrIdHeader] = Tr, [GatewayWire.RunHeader] = "run-1",
            [GatewayWire.KeysHeader] = "0001,0002", [GatewayWire.SequencesHeader] = "1,1", [GatewayWire.ReceivedAtHeader] = 1L,
            [GatewayWire.SessionHeader] = 0, [GatewayWire.CountHeader] = (long)int.MaxValue, ["x-stream-offset"] = 9L,
        };
        var read = StreamMessage.Read(Tr, new BasicProperties { Headers = headers }, Encoding.ASCII.GetBytes("a\nb"));
        Assert.NotNull(read.Problem);
    }

    private static StreamMessage StreamMessageOf(OutgoingMessage message, long offset)
    {
        var headers = new Dictionary<string, object?>(RecordPublisher.Envelope(message).Properties.Headers!) { ["x-stream-offset"] = offset };
        return StreamMessage.Read(Tr, new BasicProperties { Headers = headers }, message.Body.ToArray());
    }
}
