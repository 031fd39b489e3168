using System.Text;
using Kis.Realtime.Gateway.Internal;
using Kis.Realtime.Gateway.PostgreSql.Internal;
using Kis.Realtime.Gateway.Wire;
using RabbitMQ.Client;
using static Kis.Realtime.Tests.HostileCulture;

namespace Kis.Realtime.Tests.Gateway.Wire;

/// <summary>
/// The gateway's message headers are read by consumers in any language and on any machine: the gateway writes them the
/// same in every culture (docs/development.md, "Culture"), and reads back what it wrote.
/// </summary>
public sealed class GatewayCultureTests
{
    private const string Tr = "H0UPCNT0";
    private static readonly RecordRoute A = new(Tr, "0001", 0, "run-1"), B = new(Tr, "0002", 3, "run-1");

    private static OutgoingRecord Record(RecordRoute route, long seq, long at) => new(route, seq, at, Encoding.ASCII.GetBytes($"{route.Key}^{seq}^2624.54"));

    [Fact]
    public void Headers_with_a_negative_receive_offset_are_the_same_in_every_culture_and_read_back()
    {
        // Failed before: received_offsets was string.Join over longs, which formats in the current culture: a step back of
        // the gateway's clock (a negative offset) went out as "−50" (U+2212) under such a culture, which no reader parses,
        // so every record of the message lost its own receive time.
        OutgoingRecord[] records = [Record(A, 1, 1_700_000_000_000_000), Record(B, 1, 1_700_000_000_000_100), Record(A, 2, 1_699_999_999_999_950)];
        var headers = SameUnderBoth(() => Headers(records));
        Assert.Contains("received_offsets=0,100,-50", headers, StringComparison.Ordinal);

        var read = Under(Create(), () => ReadBack(records));
        Assert.Equal(records.Select(r => r.ReceivedAtMicros), read);
    }

    private static OutgoingMessage Pack(OutgoingRecord[] records)
    {
        var messages = new Queue<OutgoingMessage>();
        new RecordBatcher(64, packAcrossKeys: true).Pack(records.ToList(), messages);
        return Assert.Single(messages);
    }

    private static string Headers(OutgoingRecord[] records)
    {
        var (routingKey, properties) = RecordPublisher.Envelope(Pack(records));
        return routingKey + " " + string.Join(" ", properties.Headers!.OrderBy(h => h.Key, StringComparer.Ordinal)
            .Select(h => h.Key + "=" + Convert.ToString(h.Value, System.Globalization.CultureInfo.InvariantCulture)));
    }

    /// <summary>Each record's receive time (Unix microseconds) as the PostgreSQL writer reads the message.</summary>
    private static List<long> ReadBack(OutgoingRecord[] records)
    {
        var message = Pack(records);
        var headers = new Dictionary<string, object?>(RecordPublisher.Envelope(message).Properties.Headers!) { ["x-stream-offset"] = 7L };
        var read = StreamMessage.Read(Tr, new BasicProperties { Headers = headers }, message.Body.ToArray());
        Assert.Null(read.Problem);
        var byKey = read.Parts.SelectMany(p => p.Records().Select(r => (p.TrKey, r.Seq, At: GatewayWire.ToUnixMicroseconds(r.ReceivedAt)))).ToList();
        return records.Select(r => byKey.Single(x => x.TrKey == r.Route.Key && x.Seq == r.Sequence).At).ToList();
    }
}
