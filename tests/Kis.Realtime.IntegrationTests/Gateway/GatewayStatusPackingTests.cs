using Kis.Realtime.Cli.Commands;
using Kis.Realtime.Gateway;
using Kis.Realtime.Simulator;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>
/// Issue 58 (left): records per message were known to the publisher only, so an operator could not see how well the
/// gateway packs (the broker's CPU per record depends on it). The status carries records and messages published and
/// their ratio, and the status line prints it.
/// </summary>
public class GatewayStatusPackingTests
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(60);

    [RabbitFact]
    public Task The_status_gives_records_and_messages_published_and_records_a_message() => RunAsync(64);

    [RabbitFact]
    public Task With_packing_off_the_status_gives_one_record_a_message() => RunAsync(1);

    private static async Task RunAsync(int maxRecordsPerMessage)
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        await using var sim = await StartSimAsync(o => o with { Pace = MarketPace.PerSecond(200) });
        await using var gateway = await KisGateway.StartAsync(KisGatewayOptions.Default with
        {
            Client = Options(sim),
            Endpoint = broker.Endpoint,
            MaxRecordsPerMessage = maxRecordsPerMessage,
            StreamMaxSegmentSizeBytes = 1024 * 1024,
            StreamMaxLengthBytes = 64L * 1024 * 1024,
        });
        foreach (var key in new[] { "0001", "1001", "2001" }) await gateway.HoldAsync(KisTrs.IndexTicks, key);
        await UntilAsync(() => gateway.Status().Confirmed >= 100, "100 confirmed records", Long);

        var s = gateway.Status();
        Assert.True(s.MessagesPublished > 0);
        Assert.True(s.Published >= s.Confirmed, $"published {s.Published}, confirmed {s.Confirmed}");
        Assert.True(s.Published >= s.MessagesPublished);
        Assert.Equal(Math.Round((double)s.Published / s.MessagesPublished, 1), s.RecordsPerMessage);
        if (maxRecordsPerMessage == 1) Assert.Equal(1.0, s.RecordsPerMessage);
        Assert.Contains(FormattableString.Invariant($", {s.RecordsPerMessage:0.0} records a message, "), GatewayCommand.StatusLine(s));
    }
}
