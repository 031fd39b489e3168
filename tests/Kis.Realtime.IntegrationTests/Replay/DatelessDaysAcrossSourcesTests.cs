using System.Globalization;
using System.Text;
using Kis.Realtime.Gateway.Wire;
using Kis.Realtime.Gateway;
using Kis.Realtime.Internal;
using Kis.Realtime.PostgreSql.Internal;
using Kis.Realtime.PostgreSql;
using Kis.Realtime.Protocol;
using Kis.Realtime.Simulator;
using Kis.Realtime.Tests.Cli;
using Kis.Realtime.Tests.Gateway;
using RabbitMQ.Client;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Replay;

/// <summary>
/// Issue 46 item 1 beyond a folder: day futures (H0IFCNT0, no date on the wire) received over three days with a
/// holiday and months between them give the same dated day bars from a <c>kisrt record</c> folder, from PostgreSQL
/// history (the rows <c>kisrt record --postgres</c> writes, read by <see cref="KisPostgresHistory"/>) and over the
/// gateway (the records on its RabbitMQ stream, read by <see cref="KisGatewayClient"/>): every source keeps each
/// record's original receive time, and the bars date each trade from it.
/// </summary>
public sealed class DatelessDaysAcrossSourcesTests
{
    private const string Contract = "101W12000";
    private static readonly TimeSpan Kst = TimeSpan.FromHours(9);

    // Monday 05-04; Tuesday 05-05 (Children's Day) not traded; Wednesday 05-06 starts later in the day than Monday
    // ended (stepping days by the time of day merged the two); then October 12, months later.
    private static readonly (string Kst, decimal Price, long Volume, long Accumulated)[] Trades =
    [
        ("2026-05-04 09:00:00", 350, 100, 100), ("2026-05-04 10:00:00", 352, 200, 300), ("2026-05-04 11:00:00", 351, 300, 600),
        ("2026-05-06 12:00:00", 360, 100, 100), ("2026-05-06 13:00:00", 362, 500, 600),
        ("2026-10-12 09:30:00", 370, 50, 50), ("2026-10-12 10:30:00", 371, 50, 100),
    ];

    /// <summary>The day bars: (open time on KST, volume, high, close).</summary>
    private static readonly (DateTimeOffset, long, decimal, decimal)[] ExpectedDays =
    [
        (new DateTimeOffset(2026, 5, 4, 0, 0, 0, Kst), 600, 352m, 351m),
        (new DateTimeOffset(2026, 5, 6, 0, 0, 0, Kst), 600, 362m, 362m),
        (new DateTimeOffset(2026, 10, 12, 0, 0, 0, Kst), 100, 371m, 371m),
    ];

    [Fact]
    public async Task From_a_folder_and_from_PostgreSQL_history_each_recorded_day_keeps_its_date()
    {
        await using var db = await PostgresTestDatabase.CreateAsync();
        var dir = CliTestKit.EmptyDirectory();
        await RecordAsync(dir, db);

        foreach (KisRecordingSource source in new KisRecordingSource[]
                 {
                     new KisRecordingFolder(dir),
                     new KisPostgresHistory(KisPostgresHistoryOptions.Default
                         with { ConnectionString = db.ConnectionString, Schema = db.Schema, PageSize = 3 }),
                 })
        {
            await using var replay = new KisReplayClient(source);
            await replay.ConnectAsync().WaitAsync(TestTimeout);
            var trades = new List<KisReceived<FuturesTrade>>();
            await foreach (var trade in replay.SubscribeReceivedAsync<FuturesTrade>(KisTrs.H0IFCNT0, Contract).WithCancellation(
                new CancellationTokenSource(TestTimeout).Token))
                trades.Add(trade);
            AssertReceivedAsRecorded(trades, source.Description);
            Assert.Equal(ExpectedDays, DayBars(trades));
            Assert.Equal((0L, 0L), (replay.Statistics.Gaps, replay.Statistics.MissingVolume));
        }
    }

    [RabbitFact]
    public async Task Over_the_gateway_s_stream_each_received_day_keeps_its_date()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        // The gateway serves the claim; the simulator generates nothing, so the stream holds only the records below.
        await using var sim = await StartSimAsync(o => o with { Pace = MarketPace.Off });
        var options = KisGatewayOptions.Default with
        {
            Client = Options(sim), Endpoint = broker.Endpoint, StreamMaxSegmentSizeBytes = 1024 * 1024, StreamMaxLengthBytes = 16L * 1024 * 1024,
        };
        await using var gateway = await KisGateway.StartAsync(options);
        await RabbitTestBroker.DeclareStreamAsync(options, "H0IFCNT0"); // as the claim below does, before anything is published
        await using var consumer = new KisGatewayClient(KisGatewayClientOptions.Default with
        {
            Endpoint = broker.Endpoint, Start = GatewayStart.First, ConsumerId = "dateless-days", RequestTimeout = TimeSpan.FromSeconds(20),
        });
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await consumer.ConnectAsync(timeout.Token);
        await using var feed = consumer.SubscribeReceivedAsync<FuturesTrade>(KisTrs.H0IFCNT0, Contract, timeout.Token).GetAsyncEnumerator(timeout.Token);
        var first = feed.MoveNextAsync(); // the subscription claims the key, then waits for records

        // The records as the gateway publishes them (its run, one sequence, the receive time in the header): the gateway
        // received them on three days, months apart.
        await using (var connection = await broker.Endpoint.CreateFactory("kisrt-tests-dateless-days").CreateConnectionAsync(timeout.Token))
        await using (var channel = await connection.CreateChannelAsync(cancellationToken: timeout.Token))
        {
            for (var i = 0; i < Trades.Length; i++)
            {
                var headers = new Dictionary<string, object?>
                {
                    [GatewayWire.TrIdHeader] = "H0IFCNT0", [GatewayWire.TrKeyHeader] = Contract, [GatewayWire.RunHeader] = gateway.Run,
                    [GatewayWire.SequenceHeader] = i + 1L, [GatewayWire.SessionHeader] = 0,
                    [GatewayWire.ReceivedAtHeader] = GatewayWire.ToUnixMicroseconds(ReceivedAt(i)),
                };
                await channel.BasicPublishAsync(broker.Endpoint.Exchange, $"H0IFCNT0.{Contract}", false,
                    new BasicProperties { Headers = headers, DeliveryMode = DeliveryModes.Persistent }, Record(i), timeout.Token);
            }
        }

        var trades = new List<KisReceived<FuturesTrade>>();
        Assert.True(await first);
        trades.Add(feed.Current);
        while (trades.Count < Trades.Length && await feed.MoveNextAsync()) trades.Add(feed.Current);
        AssertReceivedAsRecorded(trades, "gateway");
        Assert.Equal(ExpectedDays, DayBars(trades));
    }

    /// <summary>Day bars built as <c>kisrt bars</c> builds them: each trade with its receive time.</summary>
    private static (DateTimeOffset, long, decimal, decimal)[] DayBars(IEnumerable<KisReceived<FuturesTrade>> trades)
    {
        var days = new BarAggregator<FuturesTrade, FuturesTradeAccessor>(BarSpec.Day);
        var bars = new List<Bar>();
        foreach (var trade in trades)
        {
            days.Add(trade.Value, trade.ReceivedAt);
            while (days.TryTakeClosed(out var bar)) bars.Add(bar);
        }
        days.Complete();
        while (days.TryTakeClosed(out var bar)) bars.Add(bar);
        Assert.All(bars, b => Assert.False(b.Flags.HasFlag(BarFlags.Gap), $"{b.OpenTime:yyyy-MM-dd} flagged gap"));
        return [.. bars.Select(b => (b.OpenTime, b.Volume, b.High, b.Close))];
    }

    private static void AssertReceivedAsRecorded(List<KisReceived<FuturesTrade>> trades, string source)
    {
        Assert.True(trades.Count == Trades.Length, $"{source}: {trades.Count} trades");
        for (var i = 0; i < trades.Count; i++)
            Assert.True(trades[i].ReceivedAt == ReceivedAt(i), $"{source}, trade {i}: received {trades[i].ReceivedAt:O}, recorded {ReceivedAt(i):O}");
    }

    /// <summary>Received 5 ms after its stamp (PostgreSQL and the gateway keep microseconds).</summary>
    private static DateTimeOffset ReceivedAt(int i) =>
        new DateTimeOffset(DateTime.ParseExact(Trades[i].Kst, "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture), Kst).AddMilliseconds(5);

    /// <summary>Trade <paramref name="i"/> as an H0IFCNT0 record: only its time of day, no date.</summary>
    private static byte[] Record(int i)
    {
        var tr = KisTrs.H0IFCNT0;
        var (kst, price, volume, accumulated) = Trades[i];
        var fields = new string[tr.Fields.Count];
        for (var f = 0; f < fields.Length; f++)
            fields[f] = f == tr.KeyField ? Contract : tr.Fields[f].Type switch
            {
                FieldType.Time => "090000",
                FieldType.Date => "20260504",
                FieldType.Integer or FieldType.Decimal => "1",
                _ => "1",
            };
        fields[tr.IndexOf("bsop_hour")] = kst[11..].Replace(":", "", StringComparison.Ordinal);
        fields[tr.IndexOf("futs_prpr")] = price.ToString(CultureInfo.InvariantCulture);
        fields[tr.IndexOf("last_cnqn")] = volume.ToString(CultureInfo.InvariantCulture);
        fields[tr.IndexOf("acml_vol")] = accumulated.ToString(CultureInfo.InvariantCulture);
        return Encoding.ASCII.GetBytes(string.Join('^', fields));
    }

    /// <summary>
    /// The trades as KIS frames received on their days, written the way <c>kisrt record --out DIR --postgres</c> writes
    /// them: one raw tap drained into the file recorder and the PostgreSQL recorder at once.
    /// </summary>
    private static async Task RecordAsync(string dir, PostgresTestDatabase db)
    {
        var files = new RawRecorder(dir, RecorderLimits.Default);
        var database = new PostgresRecorder(db.ConnectionString, db.Schema, RecorderLimits.Default.QueueLimitBytes);
        await database.CheckAsync(default);
        var writers = new[] { files.WriteAsync(), database.WriteAsync(default) };
        await RawRecorder.DrainAsync(Frames().GetAsyncEnumerator(), files.Queue, database.Queue);
        await Task.WhenAll(writers).WaitAsync(TestTimeout);
        Assert.Equal(Trades.Length, database.CommittedRecords);
    }

    private static async IAsyncEnumerable<RawMessage> Frames()
    {
        await Task.Yield();
        for (var i = 0; i < Trades.Length; i++)
            yield return new RawMessage(ReceivedAt(i), 0, (byte[])[.. Encoding.ASCII.GetBytes("0|H0IFCNT0|001|"), .. Record(i)]);
    }
}
