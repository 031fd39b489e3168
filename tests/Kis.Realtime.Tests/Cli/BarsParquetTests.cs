using System.Globalization;
using DuckDB.NET.Data;
using Kis.Realtime.Cli.Commands;
using static Kis.Realtime.Tests.Cli.CliTestKit;
using static Kis.Realtime.Tests.Replay.RecordedDays;

namespace Kis.Realtime.Tests.Cli;

/// <summary>
/// Issue 57 item 6: `kisrt bars --format parquet --out FILE` read back by DuckDB (an independent Parquet reader): typed
/// columns (the key 005930 a string, volume int64, prices decimal, times UTC instants with the market's zone beside them)
/// and every cell equal to the CSV of the same bars.
/// </summary>
public sealed class BarsParquetTests
{
    private static async Task<string> BarsAsync(string dir, string sub, string format, string? output = null)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = await BarsCommand.RunAsync(new ConnectionArgs { Subscriptions = [sub] },
            new BarsArgs { Replay = dir, Format = format, Out = output, Interval = "1m" }, Env(), stdout, stderr, default).WaitAsync(CliTimeout);
        Assert.True(exit == 0, $"exit {exit}: {stderr}");
        return stdout.ToString();
    }

    [Fact]
    public async Task Parquet_bars_read_back_by_duckdb_equal_the_csv_in_every_cell()
    {
        // Five minutes of 005930 with a hole (a gap flag) and a stream end (end_of_stream): every column has a value.
        var dir = Write(KisTrs.H0STCNT0, "005930",
            T("2026-11-23 09:00:05", 70000, 100, 100), T("2026-11-23 09:00:40", 70100, 50, 150),
            T("2026-11-23 09:01:10", 69900, 30, 180), T("2026-11-23 09:02:20", 70250, 20, 300),
            T("2026-11-23 09:03:00", 70300, 10, 310), T("2026-11-23 09:04:59", 70150, 5, 315));
        var csv = (await BarsAsync(dir, "stock:005930", "csv")).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var file = Path.Combine(dir, "bars.parquet");
        Assert.Equal("", await BarsAsync(dir, "stock:005930", "parquet", file));

        using var duck = new DuckDBConnection("DataSource=:memory:");
        await duck.OpenAsync();
        var types = new Dictionary<string, string>();
        using (var describe = duck.CreateCommand())
        {
            describe.CommandText = $"DESCRIBE SELECT * FROM read_parquet('{file}')";
            using var reader = await describe.ExecuteReaderAsync();
            while (await reader.ReadAsync()) types[reader.GetString(0)] = reader.GetString(1);
        }
        Assert.Equal("VARCHAR", types["key"]);
        Assert.Equal("VARCHAR", types["tr_id"]);
        Assert.Equal("TIMESTAMP WITH TIME ZONE", types["open_time"]);
        Assert.Equal("BIGINT", types["volume"]);
        Assert.Equal("INTEGER", types["trade_count"]);
        Assert.Equal("DECIMAL(38,6)", types["open"]);

        var header = csv[0].Split(',');
        var rows = csv.Skip(1).Select(l => l.Split(',')).ToList();
        Assert.True(rows.Count >= 5, $"{rows.Count} bars");
        using var select = duck.CreateCommand();
        select.CommandText = $"SELECT tr_id, key, interval, epoch_us(open_time), epoch_us(close_time), time_zone, CAST(open AS VARCHAR), " +
            $"CAST(high AS VARCHAR), CAST(low AS VARCHAR), CAST(close AS VARCHAR), volume, CAST(value AS VARCHAR), trade_count, " +
            $"CAST(vwap AS VARCHAR), flags FROM read_parquet('{file}')";
        using var parquet = await select.ExecuteReaderAsync();
        var i = 0;
        for (; await parquet.ReadAsync(); i++)
        {
            var row = rows[i];
            string Cell(string name) => row[Array.IndexOf(header, name)];
            Assert.Equal(Cell("tr_id"), parquet.GetString(0));
            Assert.Equal(Cell("key"), parquet.GetString(1));
            Assert.Equal(Cell("interval"), parquet.GetString(2));
            Assert.Equal(Micros(Cell("open_time")), parquet.GetInt64(3));
            Assert.Equal(Micros(Cell("close_time")), parquet.GetInt64(4));
            Assert.Equal("Asia/Seoul", parquet.GetString(5));
            Assert.Equal(decimal.Parse(Cell("open"), CultureInfo.InvariantCulture), decimal.Parse(parquet.GetString(6), CultureInfo.InvariantCulture));
            Assert.Equal(decimal.Parse(Cell("high"), CultureInfo.InvariantCulture), decimal.Parse(parquet.GetString(7), CultureInfo.InvariantCulture));
            Assert.Equal(decimal.Parse(Cell("low"), CultureInfo.InvariantCulture), decimal.Parse(parquet.GetString(8), CultureInfo.InvariantCulture));
            Assert.Equal(decimal.Parse(Cell("close"), CultureInfo.InvariantCulture), decimal.Parse(parquet.GetString(9), CultureInfo.InvariantCulture));
            Assert.Equal(long.Parse(Cell("volume"), CultureInfo.InvariantCulture), parquet.GetInt64(10));
            Assert.Equal(decimal.Parse(Cell("value"), CultureInfo.InvariantCulture), decimal.Parse(parquet.GetString(11), CultureInfo.InvariantCulture));
            Assert.Equal(int.Parse(Cell("trade_count"), CultureInfo.InvariantCulture), parquet.GetInt32(12));
            Assert.Equal(decimal.Parse(Cell("vwap"), CultureInfo.InvariantCulture), decimal.Parse(parquet.GetString(13), CultureInfo.InvariantCulture));
            Assert.Equal(Cell("flags"), parquet.GetString(14));
        }
        Assert.Equal(rows.Count, i);
        Assert.Contains(rows, r => r[Array.IndexOf(header, "flags")].Contains("gap", StringComparison.Ordinal));

        static long Micros(string time) => DateTimeOffset.Parse(time, CultureInfo.InvariantCulture).ToUnixTimeMilliseconds() * 1000;
    }
}
