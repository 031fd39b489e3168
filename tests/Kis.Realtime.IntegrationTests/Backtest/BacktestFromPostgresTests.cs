using Kis.Realtime.Benchmarks;
using Kis.Realtime.Internal;
using Kis.Realtime.PostgreSql.Internal;
using Kis.Realtime.PostgreSql;
using Kis.Realtime.Samples;
using Kis.Realtime.Simulator;
using Kis.Realtime.Tests.Cli;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Backtest;

/// <summary>
/// Issue 43 (3): a backtest runs over the PostgreSQL history as over a recording folder. The same day stored both ways
/// (the folder <c>kisrt record</c> writes, the rows <c>kisrt record --postgres</c> writes) gives the same files, byte
/// for byte but for receive times past the microsecond, which PostgreSQL does not keep: the history keeps every message's
/// order and its receive time to the microsecond, which is what the backtest's clock and engine see.
/// </summary>
public sealed class BacktestFromPostgresTests
{
    [Fact]
    public async Task The_same_day_backtested_from_PostgreSQL_history_and_from_its_folder_gives_identical_files()
    {
        await using var db = await PostgresTestDatabase.CreateAsync();
        var folder = SyntheticRecording.WriteTradingDay(CliTestKit.EmptyDirectory(), 600);
        var recorder = new PostgresRecorder(db.ConnectionString, db.Schema, RecorderLimits.Default.QueueLimitBytes);
        await recorder.CheckAsync(default);
        var writing = recorder.WriteAsync(default);
        var stored = 0;
        await RawRecorder.DrainAsync(MessagesOf(new KisRecordingFolder(folder), () => stored++).GetAsyncEnumerator(), recorder.Queue);
        await writing.WaitAsync(TestTimeout);
        Assert.True(stored >= 1_200, $"{stored} messages"); // 600 trades, each with its book
        Assert.Equal(stored, recorder.CommittedRecords);

        var fromFolder = await BacktestAsync(new KisRecordingFolder(folder));
        var fromHistory = await BacktestAsync(new KisPostgresHistory(KisPostgresHistoryOptions.Default with
        {
            ConnectionString = db.ConnectionString, Schema = db.Schema, PageSize = 100, // pages meet mid-day
        }));
        Assert.NotEmpty(File.ReadAllLines(Path.Combine(fromFolder, "fills.csv")).Skip(1));
        foreach (var file in new[] { "fills.csv", "orders.csv", "equity.csv", "summary.json" })
        {
            var (a, b) = (AtMicroseconds(Path.Combine(fromFolder, file)), AtMicroseconds(Path.Combine(fromHistory, file)));
            var first = Enumerable.Range(0, Math.Max(a.Length, b.Length)).FirstOrDefault(i => i >= a.Length || i >= b.Length || a[i] != b[i], -1);
            Assert.True(first < 0, $"{file} differs from line {first + 1} ({a.Length} lines from the folder, {b.Length} from PostgreSQL):\n" +
                $"  folder:     {a.ElementAtOrDefault(first)}\n  PostgreSQL: {b.ElementAtOrDefault(first)}");
        }
    }

    /// <summary>
    /// A file's lines with every time cut to the microsecond: PostgreSQL keeps a receive time to the microsecond, a
    /// folder to the 100 ns tick (the synthetic day puts each book one tick after its trade), so the equity curve,
    /// sampled at message times, differs in the seventh digit. Everything else must be the same.
    /// </summary>
    private static string[] AtMicroseconds(string path) =>
        [.. File.ReadAllLines(path).Select(line => System.Text.RegularExpressions.Regex.Replace(line, @"(T\d{2}:\d{2}:\d{2}\.\d{6})\d", "$1"))];

    private static async Task<string> BacktestAsync(KisRecordingSource source)
    {
        var strategy = new MeanReversionStrategy();
        var result = await KisBacktest.RunAsync(source, strategy.RunAsync, new KisBacktestOptions { HtsId = SimulatorOptions.DefaultHtsId })
            .WaitAsync(TimeSpan.FromSeconds(120));
        Assert.NotEmpty(strategy.Sent);
        var output = CliTestKit.EmptyDirectory();
        await result.WriteAsync(output);
        return output;
    }

    /// <summary>A folder's messages as the recorder takes them from a live session.</summary>
    private static async IAsyncEnumerable<RawMessage> MessagesOf(KisRecordingSource source, Action counted)
    {
        await foreach (var message in source.ReadAsync(new ReplayQuery()))
        {
            counted();
            yield return new RawMessage(message.ReceivedAt, message.Session, message.Data.ToArray());
        }
    }
}
