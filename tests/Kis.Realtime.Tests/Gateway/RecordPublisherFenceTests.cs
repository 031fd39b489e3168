using Kis.Realtime.Gateway;
using Kis.Realtime.Gateway.Internal;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>The publisher's fence against records handed over at the same moment (no broker: the publisher is never started).</summary>
public sealed class RecordPublisherFenceTests
{
    /// <summary>
    /// Issue 72: a fence raised between a record's fence check and its write to the buffer (the buffer completed by then)
    /// counted the record as overflowed, not fenced. The sinks run between the two, so a sink that fences the publisher
    /// on its first record raises the fence at exactly that moment.
    /// </summary>
    [Fact]
    public async Task A_record_whose_write_meets_a_fence_raised_after_its_check_counts_as_fenced_not_overflowed()
    {
        var sink = new FencingSink();
        var options = KisGatewayOptions.Default with { Sinks = [sink] };
        await using var publisher = new RecordPublisher(options, new StreamTopology(options), NullLogger.Instance);
        sink.Publisher = publisher;
        var route = new RecordRoute("H0UPCNT0", "0001", 0, "run-1");

        Assert.False(publisher.TryEnqueue(new OutgoingRecord(route, 1, 1_700_000_000_000_000, new byte[] { 1 })));
        Assert.True(sink.Fenced, "the sink did not raise the fence");
        Assert.False(publisher.TryEnqueue(new OutgoingRecord(route, 2, 1_700_000_000_000_001, new byte[] { 2 })));

        Assert.Equal(2, publisher.Received);
        Assert.Equal(0, publisher.Overflowed);
        Assert.Equal(2, publisher.Fenced);
        Assert.Equal(publisher.Received, publisher.Confirmed + publisher.Fenced + publisher.Overflowed);
    }

    /// <summary>Fences its publisher when it takes its first record: after the record's fence check, before its write.</summary>
    private sealed class FencingSink : IGatewayRecordSink
    {
        public RecordPublisher? Publisher { get; set; }
        public bool Fenced { get; private set; }

        public string Name => "fencing";

        public void Write(in GatewayRecord record)
        {
            if (Fenced || Publisher is null) return;
            // The publisher never started: its fence completes synchronously (no publish loop to wait for).
            var fence = Publisher.FenceAsync(FenceCause.TermOver);
            Assert.True(fence.IsCompleted, "the fence did not complete synchronously");
            Fenced = true;
        }

        public GatewaySinkStatus Status() => new(Name, 0, 0, 0, 0, 0);
    }
}
