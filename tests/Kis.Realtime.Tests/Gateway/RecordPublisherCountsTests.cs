using Kis.Realtime.Gateway;
using Kis.Realtime.Gateway.Internal;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>The publisher's counts (RecordPublisher.Counts.cs), without a broker: the publisher is never started.</summary>
public sealed class RecordPublisherCountsTests
{
    private static readonly RecordRoute Route = new("H0UPCNT0", "0001", 0, "run-1");

    private static RecordPublisher Unstarted()
    {
        var options = KisGatewayOptions.Default;
        return new RecordPublisher(options, new StreamTopology(options), NullLogger.Instance);
    }

    private static OutgoingRecord Record(long seq) => new(Route, seq, 1_700_000_000_000_000 + seq, new byte[] { 1 });

    /// <summary>
    /// Issue 72: a status read Received and Fenced at two moments, so while a fenced publisher still received (a KIS session
    /// closing after a lock's loss or a stop's fence) it was off by one either way. A snapshot is one moment's: taken while
    /// another thread hands records to a fenced publisher, every one of them says received = fenced.
    /// </summary>
    [Fact]
    public async Task A_fenced_publisher_still_receiving_is_counted_at_one_moment()
    {
        await using var publisher = Unstarted();
        await publisher.FenceAsync(FenceCause.TermOver);
        const long records = 5_000_000;
        var pump = Task.Run(() =>
        {
            for (var seq = 1; seq <= records; seq++) publisher.TryEnqueue(Record(seq));
        });
        long snapshots = 0, apart = 0;
        PublisherFigures figures;
        do
        {
            figures = publisher.Figures();
            snapshots++;
            if (figures.Received != figures.Fenced) apart++;
        } while (!pump.IsCompleted || figures.Received < records);
        await pump;
        Assert.True(apart == 0, $"{apart} of {snapshots} snapshots had received != fenced");
        Assert.Equal((records, records, FenceCause.TermOver), (figures.Received, figures.Fenced, figures.FencedBy));
    }

    /// <summary>
    /// Issue 72: a stop's count taken while a KIS session still closed missed what the session delivered after it (received
    /// and dropped later, after the summary). Once the intake is closed nothing more is received: the count it returns stays
    /// the publisher's, and what is handed over later is only counted as not taken.
    /// </summary>
    [Fact]
    public async Task Records_handed_over_after_the_intake_closed_are_not_received_and_the_count_stays_final()
    {
        await using var publisher = Unstarted();
        for (var seq = 1; seq <= 3; seq++) Assert.True(publisher.TryEnqueue(Record(seq)));
        var atClose = publisher.CloseIntake();
        Assert.False(publisher.TryEnqueue(Record(4)));
        Assert.False(publisher.TryEnqueue(Record(5)));
        var later = publisher.Figures();
        Assert.Equal((3L, 3L, 0L), (atClose.Received, atClose.Waiting, atClose.NotTaken));
        Assert.Equal((3L, 3L, 2L), (later.Received, later.Waiting, later.NotTaken));
    }

    /// <summary>
    /// The first fence's cause is the publisher's: a stop's fence after a lock's loss (a stop that checked "not fenced" a
    /// moment before) leaves the drops the lock loss's, and the status counts them as Fenced, not dropped at the stop's bound.
    /// </summary>
    [Fact]
    public async Task The_first_fence_decides_how_its_drops_are_counted()
    {
        await using var publisher = Unstarted();
        for (var seq = 1; seq <= 2; seq++) Assert.True(publisher.TryEnqueue(Record(seq)));
        Assert.Equal(2, await publisher.FenceAsync(FenceCause.TermOver));
        Assert.Equal(2, await publisher.FenceAsync(FenceCause.Stop));
        Assert.False(publisher.TryEnqueue(Record(3)));
        var figures = publisher.Figures();
        Assert.Equal((3L, 3L, 0L, FenceCause.TermOver), (figures.Received, figures.Fenced, figures.Waiting, figures.FencedBy));
    }
}
