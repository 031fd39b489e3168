using Kis.Realtime.Cli.Commands;
using Kis.Realtime.Simulator;
using static Kis.Realtime.Tests.Cli.CliTestKit;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Cli;

/// <summary><c>kisrt bars --postgres</c>: closed bars stored in <c>bars_&lt;interval&gt;</c> and read back exactly.</summary>
public sealed class BarsPostgresTests
{
    [Fact]
    public async Task Bars_of_a_recording_are_stored_once_per_minute_and_read_back_exactly()
    {
        await using var db = await PostgresTestDatabase.CreateAsync();
        await using var sim = await StartSimAsync(o => o with { ClockSpeed = 600, Pace = MarketPace.PerSecond(300), Seed = 9 });
        var dir = EmptyDirectory();
        Task<KisFileRecording> recording;
        await using (var client = new KisRealtimeClient(Options(sim)))
        {
            recording = KisFileRecorder.RecordAsync(client, dir);
            using var timeout = new CancellationTokenSource(CliTimeout);
            // Six minutes of trades, whenever the demo day was when the session came up (a loaded machine is slow to connect).
            var minutes = new HashSet<int>();
            await foreach (var trade in client.SubscribeStockTradesAsync("005930", cancellationToken: timeout.Token))
                if (minutes.Add(trade.Time.Hour * 60 + trade.Time.Minute) && minutes.Count > 6) break;
        }
        await recording.WaitAsync(CliTimeout);
        await using var replay = new KisReplayClient(new KisRecordingFolder(dir));
        var expected = new List<Bar>();
        await foreach (var bar in replay.SubscribeStockTradesAsync("005930").ToBarsAsync(BarSpec.Minutes(1)))
            expected.Add(bar);

        // Twice: a second run over the same day replaces its rows, it does not add any.
        for (var run = 0; run < 2; run++)
        {
            var stderr = new StringWriter();
            var exit = await BarsCommand.RunAsync(new ConnectionArgs { Subscriptions = ["stock:005930"] },
                new BarsArgs { Replay = dir, Format = "csv", Postgres = db.ConnectionString, PgSchema = db.Schema }, Env(), new StringWriter(), stderr, default)
                .WaitAsync(CliTimeout);
            Assert.True(exit == 0, stderr.ToString());
            Assert.Contains("bars_1m", stderr.ToString());
        }

        var rows = await db.RowsAsync(
            "SELECT tr_id, key, open_time, close_time, open, high, low, close, volume, value, trade_count, vwap, flags FROM {schema}.bars_1m ORDER BY " +
            "open_time");
        Assert.Equal(expected.Count, rows.Count);
        Assert.True(rows.Count >= 6, $"{rows.Count} minutes");
        foreach (var (row, bar) in rows.Zip(expected))
        {
            Assert.Equal("H0STCNT0", row[0]);
            Assert.Equal("005930", row[1]);
            Assert.Equal(bar.OpenTime.UtcDateTime, ((DateTime)row[2]!).ToUniversalTime());
            Assert.Equal(bar.CloseTime.UtcDateTime, ((DateTime)row[3]!).ToUniversalTime());
            Assert.Equal([bar.Open, bar.High, bar.Low, bar.Close], new[] { (decimal)row[4]!, (decimal)row[5]!, (decimal)row[6]!, (decimal)row[7]! });
            Assert.Equal(bar.Volume, (long)row[8]!);
            Assert.Equal(bar.Value, (decimal)row[9]!);
            Assert.Equal(bar.TradeCount, (int)row[10]!);
            Assert.Equal(bar.Vwap, (decimal)row[11]!);
            // The stored words are the bar's flags: end_of_stream on the last, partial on a first bar whose cumulative volume
            // shows earlier trades the recording does not hold.
            Assert.Equal(Kis.Realtime.Cli.Output.BarWriter.FlagNames(bar.Flags), (string[])row[12]!);
        }
    }
}
