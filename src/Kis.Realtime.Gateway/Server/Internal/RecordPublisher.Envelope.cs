using Kis.Realtime.Gateway.Wire;
using RabbitMQ.Client;

namespace Kis.Realtime.Gateway.Internal;

/// <summary>What a packed message looks like on the wire: its routing key and headers, in either format of <see cref="GatewayWire"/>.</summary>
internal sealed partial class RecordPublisher
{
    /// <summary>A message's routing key and properties as <see cref="GatewayWire"/> describes them, in either format.</summary>
    internal static (string RoutingKey, BasicProperties Properties) Envelope(OutgoingMessage message)
    {
        var route = message.Route;
        var headers = message.Routes is { } routes ? KeysFormatHeaders(message, routes) : new Dictionary<string, object?>(8)
        {
            [GatewayWire.TrIdHeader] = route.TrId,
            [GatewayWire.TrKeyHeader] = route.Key,
            [GatewayWire.ReceivedAtHeader] = message.ReceivedAtMicros,
            [GatewayWire.SequenceHeader] = message.FirstSequence,
            [GatewayWire.RunHeader] = route.Run,
            [GatewayWire.SessionHeader] = route.Session,
        };
        if (message.FirstSequence == OutgoingRecord.AnnouncementSequence && message.Routes is null)
            headers[GatewayWire.KindHeader] = GatewayWire.RunAnnouncementKind;
        if (message.Count > 1) headers[GatewayWire.CountHeader] = message.Count; // absent for one: the one-record format unchanged
        // Text: a stream keeps no AMQP arrays.
        if (message.ReceivedOffsets is { } offsets) headers[GatewayWire.ReceivedOffsetsHeader] = GatewayWire.FormatReceivedOffsets(offsets);
        var properties = new BasicProperties
        {
            DeliveryMode = DeliveryModes.Persistent,
            Timestamp = new AmqpTimestamp(message.ReceivedAtMicros / 1_000_000),
            Headers = headers,
        };
        // A message of several keys has no key to route by: its TR alone (the streams are bound with {TR}.#, which takes it).
        return (message.Routes is null ? route.RoutingKey : route.TrId, properties);
    }

    /// <summary>The keys format's headers (<see cref="GatewayWire"/>): each record's key, sequence and, when they differ, session.</summary>
    private static Dictionary<string, object?> KeysFormatHeaders(OutgoingMessage message, RecordRoute[] routes)
    {
        var first = routes[0];
        var headers = new Dictionary<string, object?>(10)
        {
            [GatewayWire.FormatHeader] = GatewayWire.KeysFormat,
            [GatewayWire.TrIdHeader] = first.TrId,
            [GatewayWire.KeysHeader] = GatewayWire.FormatList(routes.Select(r => r.Key)),
            [GatewayWire.SequencesHeader] = GatewayWire.FormatList(message.Sequences!),
            [GatewayWire.ReceivedAtHeader] = message.ReceivedAtMicros,
            [GatewayWire.RunHeader] = first.Run,
            [GatewayWire.SessionHeader] = first.Session,
        };
        if (routes.Any(r => r.Session != first.Session)) headers[GatewayWire.SessionsHeader] = GatewayWire.FormatList(routes.Select(r => r.Session));
        return headers;
    }
}
