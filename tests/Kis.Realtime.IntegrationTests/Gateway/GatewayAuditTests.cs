using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Kis.Realtime.Benchmarks;
using Kis.Realtime.Cli.Commands;
using Kis.Realtime.Gateway;
using Kis.Realtime.Gateway.Wire;
using Kis.Realtime.Simulator;
using Kis.Realtime.Tests.Cli;
using RabbitMQ.Client;
using Xunit.Abstractions;
using static Kis.Realtime.Tests.Cli.CliTestKit;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>
/// Issue 72: <c>kisrt gateway audit</c> over real streams. A stream the test writes itself, with a hole no announcement
/// states, an announcement naming a wrong last record and a record published twice, is reported line by line with exit 5;
/// two gateway runs one after the other (a planned stop, then a successor announcing its gap) audit clean, exit 0.
/// </summary>
public partial class GatewayAuditTests(ITestOutputHelper output)
{
    private const string Tr = "H0STCNT0";
    private static readonly GatewayAuditOptions Quick = GatewayAuditOptions.Default with { Quiet = TimeSpan.FromSeconds(3) };

    [GeneratedRegex(@"received (?=\d+, confirmed (\d+))(\d+)")]
    private static partial Regex ConfirmedPattern();

    [RabbitFact]
    public async Task A_stream_with_an_unstated_hole_a_wrong_announcement_and_a_doubled_record_is_reported_and_exits_5()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        await RabbitTestBroker.DeclareStreamAsync(KisGatewayOptions.Default with { Endpoint = broker.Endpoint }, Tr);
        await using (var writer = await StreamWriter.OpenAsync(broker))
        {
            await writer.TradesAsync("005930", "r1", 1, 5); // clean
            await writer.TradesAsync("000660", "r1", 1, 3);
            await writer.TradesAsync("000660", "r1", 6, 3); // seqs 4-5 never published: a hole nothing states
            await writer.TradesAsync("000270", "r1", 1, 10);
            await writer.AnnounceAsync("000270", new GatewayRunAnnouncement("r2", 1, "r1", PreviousStreamSeq: 4, PreviousStreamRun: "r1")); // wrong: 10
            await writer.TradesAsync("000270", "r2", 1, 2);
            await writer.TradesAsync("035720", "r1", 1, 3);
            await writer.TradesAsync("035720", "r1", 3, 1); // published twice
            await writer.TradesAsync("005380", "r1", 1, 3);
            await writer.AnnounceAsync("005380", new GatewayRunAnnouncement("r2", 1, "r1", PreviousStreamSeq: 3, PreviousStreamRun: "r1")); // right
            await writer.KeysMessageAsync("r2", [("005380", 1), ("000270", 3)]); // the keys format: a record of each
        }

        var text = new StringWriter();
        var exit = await GatewayAuditCommand.AuditAsync(broker.Endpoint, Quick, 100, text, CancellationToken.None).WaitAsync(CliTimeout);
        output.WriteLine(text.ToString());

        Assert.Equal(5, exit);
        Assert.Contains("UNSTATED H0STCNT0 000660: run r1 seqs 4-5 (2 records) are not on the stream", text.ToString(), StringComparison.Ordinal);
        Assert.Contains("WRONG H0STCNT0 000270: run r2 announced the key's last record on the stream as run r1 seq 4; the stream holds run r1 seq 10",
            text.ToString(), StringComparison.Ordinal);
        Assert.Contains("DOUBLED H0STCNT0 035720: run r1 seq 3 again", text.ToString(), StringComparison.Ordinal);
        Assert.Contains("stated H0STCNT0 005380: run r2 announced its gap exactly: after run r1 seq 3", text.ToString(), StringComparison.Ordinal);
        Assert.Matches(@"kisrt gateway audit: UNSTATED LOSSES: streams 1, keys 5, records 32 in \d+ messages; run changes 2 \(stated exactly 1, of " +
                       @"unknown extent 0, wrongly announced 1, unannounced 0\), .*seq holes 2 records, .*wrong announcements 1; doubled 1;", text.ToString());
        // Nothing else: 005930 is clean, and so is 000270's record in the keys format.
        Assert.DoesNotContain("005930", text.ToString(), StringComparison.Ordinal);
        Assert.Single(Regex.Matches(text.ToString(), "035720"));
    }

    [RabbitFact]
    public async Task Two_gateway_runs_one_after_the_other_audit_clean_and_the_command_exits_0()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        var credential = new SimulatorCredential("PSsimGatewayAuditAppKey".PadRight(36, '0'), SimulatorOptions.DefaultAppSecret, SimulatorOptions.DefaultHtsId);
        await using var sim = await KisSimulator.StartAsync(SimulatorOptions.Default with { Credentials = [credential], Pace = MarketPace.PerSecond(300) });
        string[] args = ["--amqp", broker.Endpoint.AmqpUri.ToString(), "--namespace", broker.Endpoint.Namespace, "--sub", "stock:005930",
            "--sub", "stock:000660", "--sub", "index:0001"];
        foreach (var _ in new[] { 1, 2 })
        {
            await using var gateway = RecordKillTests.RecorderProcess.StartCommand("gateway", sim, credential, ConfirmedPattern(), args);
            await gateway.WaitUntilWrittenAsync(200).WaitAsync(CliTimeout);
            await gateway.TerminateAsync();
            var code = await gateway.WaitForExitAsync().WaitAsync(CliTimeout);
            Assert.True(code == 0, $"exit {code}: {gateway.Stderr}");
        }

        var text = new StringWriter();
        var exit = await GatewayAuditCommand.AuditAsync(broker.Endpoint, Quick, 100, text, CancellationToken.None).WaitAsync(CliTimeout);
        output.WriteLine(text.ToString());
        Assert.True(exit == 0, text.ToString());
        Assert.Contains($"stream {broker.Endpoint.StreamFor(Tr)}:", text.ToString(), StringComparison.Ordinal);
        Assert.Contains($"stream {broker.Endpoint.StreamFor("H0UPCNT0")}:", text.ToString(), StringComparison.Ordinal);
        // The successor's changes are stated exactly (a planned stop drains: its tail read finds every key's end).
        Assert.Matches(@"run changes [1-9]\d* \(stated exactly [1-9]\d*, of unknown extent 0, wrongly announced 0, unannounced 0\)", text.ToString());
        Assert.Matches(@"wrong announcements 0; doubled 0; interleaved 0; malformed 0", text.ToString());
        // The command itself, as a consumer runs it.
        Assert.Equal(0, await Kis.Realtime.Cli.KisrtApp.RunAsync(["gateway", "audit", "--amqp", broker.Endpoint.AmqpUri.ToString(), "--namespace",
            broker.Endpoint.Namespace, "--tr", Tr, "--quiet", "3s"]).WaitAsync(CliTimeout));
    }

    /// <summary>Publishes to the test's stream as a gateway would, with confirms: trades of one key, announcements, keys-format messages.</summary>
    private sealed class StreamWriter : IAsyncDisposable
    {
        private readonly IConnection _connection;
        private readonly IChannel _channel;
        private readonly string _stream;
        private readonly Dictionary<string, long> _volume = [];
        private readonly Dictionary<(string, string, long), byte[]> _published = [];

        private StreamWriter(IConnection connection, IChannel channel, string stream) => (_connection, _channel, _stream) = (connection, channel, stream);

        public static async Task<StreamWriter> OpenAsync(RabbitTestBroker broker)
        {
            var connection = await broker.Endpoint.CreateFactory("kisrt-tests-audit-writer").CreateConnectionAsync();
            var channel = await connection.CreateChannelAsync(
                new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
            return new StreamWriter(connection, channel, broker.Endpoint.StreamFor(Tr));
        }

        /// <summary>Record <paramref name="seq"/> of <paramref name="key"/> in <paramref name="run"/>: a trade of 10 shares, its day's
        /// volume going on; the same bytes when published again.</summary>
        private byte[] Trade(string key, string run, long seq)
        {
            if (_published.TryGetValue((key, run, seq), out var again)) return again;
            var accumulated = _volume[key] = _volume.GetValueOrDefault(key) + 10;
            var fields = Encoding.ASCII.GetString(SyntheticRecording.Record(KisTrs.H0STCNT0, key, 1)).Split('^');
            fields[KisTrs.H0STCNT0.IndexOf("cntg_vol")] = "10";
            fields[KisTrs.H0STCNT0.IndexOf("acml_vol")] = accumulated.ToString(CultureInfo.InvariantCulture);
            return _published[(key, run, seq)] = Encoding.ASCII.GetBytes(string.Join('^', fields));
        }

        private static long Now => GatewayWire.ToUnixMicroseconds(DateTimeOffset.UtcNow.AddMinutes(-1)); // before the audit begins

        /// <summary>One one-key message of <paramref name="count"/> records from <paramref name="seq"/>.</summary>
        public Task TradesAsync(string key, string run, long seq, int count) => PublishAsync(new Dictionary<string, object?>
        {
            [GatewayWire.TrIdHeader] = Tr, [GatewayWire.TrKeyHeader] = key, [GatewayWire.SequenceHeader] = seq, [GatewayWire.CountHeader] = count,
            [GatewayWire.RunHeader] = run, [GatewayWire.ReceivedAtHeader] = Now, [GatewayWire.SessionHeader] = 0,
        }, string.Join('\n', Enumerable.Range(0, count).Select(i => Encoding.ASCII.GetString(Trade(key, run, seq + i)))));

        public Task AnnounceAsync(string key, GatewayRunAnnouncement announcement) => PublishAsync(new Dictionary<string, object?>
        {
            [GatewayWire.TrIdHeader] = Tr, [GatewayWire.TrKeyHeader] = key, [GatewayWire.SequenceHeader] = 0L, [GatewayWire.RunHeader] = announcement.Run,
            [GatewayWire.KindHeader] = GatewayWire.RunAnnouncementKind, [GatewayWire.ReceivedAtHeader] = Now,
        }, Encoding.UTF8.GetString(GatewayJson.Serialize(announcement)));

        public Task KeysMessageAsync(string run, (string Key, long Seq)[] records) => PublishAsync(new Dictionary<string, object?>
        {
            [GatewayWire.TrIdHeader] = Tr, [GatewayWire.FormatHeader] = GatewayWire.KeysFormat, [GatewayWire.CountHeader] = records.Length,
            [GatewayWire.KeysHeader] = string.Join(',', records.Select(r => r.Key)),
            [GatewayWire.SequencesHeader] = string.Join(',', records.Select(r => r.Seq)),
            [GatewayWire.RunHeader] = run, [GatewayWire.ReceivedAtHeader] = Now, [GatewayWire.SessionHeader] = 0,
        }, string.Join('\n', records.Select(r => Encoding.ASCII.GetString(Trade(r.Key, run, r.Seq)))));

        private async Task PublishAsync(Dictionary<string, object?> headers, string body) =>
            await _channel.BasicPublishAsync("", _stream, true, new BasicProperties { Headers = headers }, Encoding.ASCII.GetBytes(body));

        public async ValueTask DisposeAsync()
        {
            await _channel.CloseAsync();
            await _connection.CloseAsync();
        }
    }
}
