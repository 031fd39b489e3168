using Kis.Realtime.Gateway.Wire;
using RabbitMQ.Client;

namespace Kis.Realtime.Tests.Gateway.Wire;

/// <summary>Reading the message format's headers as any AMQP client may have written them (no broker needed).</summary>
public class GatewayWireTests
{
    private static BasicProperties With(object? offsets) => new()
    {
        Headers = new Dictionary<string, object?> { [GatewayWire.ReceivedOffsetsHeader] = offsets },
    };

    [Fact]
    public void Receive_offsets_are_read_as_the_gateway_writes_them_and_as_any_client_sends_text()
    {
        long[] offsets = [0, 0, 412, 70_000_000_000];
        Assert.Equal("0,0,412,70000000000", GatewayWire.FormatReceivedOffsets(offsets));
        Assert.Equal(offsets, GatewayWire.ReceivedOffsets(With("0,0,412,70000000000"u8.ToArray()), 4)!); // RabbitMQ.Client: bytes
        Assert.Equal(offsets, GatewayWire.ReceivedOffsets(With("0,0,412,70000000000"), 4)!);
    }

    [Fact]
    public void Receive_offsets_that_do_not_fit_the_message_are_ignored_so_every_record_has_the_message_time()
    {
        Assert.Null(GatewayWire.ReceivedOffsets(With("0,5"), 3)); // fewer than the records
        Assert.Null(GatewayWire.ReceivedOffsets(With("0,5,6,7"), 3)); // more
        Assert.Null(GatewayWire.ReceivedOffsets(With("0,5,"), 3));
        Assert.Null(GatewayWire.ReceivedOffsets(With("0,x5,6"), 3)); // not a number
        Assert.Null(GatewayWire.ReceivedOffsets(With("0, 5,6"), 3));
        Assert.Null(GatewayWire.ReceivedOffsets(With(new List<object?> { 0L, 5L, 6L }), 3)); // not text
        Assert.Null(GatewayWire.ReceivedOffsets(With(null), 3));
        Assert.Null(GatewayWire.ReceivedOffsets(new BasicProperties(), 3)); // absent: one frame
        Assert.Null(GatewayWire.ReceivedOffsets(With("0"), 1)); // one record has its own time already
    }
}
