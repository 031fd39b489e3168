using Kis.Realtime.Cli.Commands;
using Kis.Realtime.Simulator;
using static Kis.Realtime.Tests.Cli.CliTestKit;

namespace Kis.Realtime.Tests.Cli;

/// <summary><c>kisrt stream --sub stock:005930 --sub book:005930 --sub stock-notice</c> against the built-in simulator.</summary>
public class StreamStockTests
{
    [Fact]
    public async Task Stock_trades_book_and_stock_notices_stream_from_the_built_in_simulator_and_agree()
    {
        var stdout = new MemoryStream();
        var stderr = new StringWriter();
        // 100 records/s per subscription: 600 records take ~2 s, long after the notice (registered third, ~0.2 s) flows.
        var exit = await StreamCommand.RunAsync(FastSimulator("stock:005930", "book:005930", "stock-notice") with { SimulatorPace = "100" },
            new StreamArgs { Format = "jsonl", Count = 600 }, Env(), stdout, stderr, default).WaitAsync(CliTimeout);

        Assert.True(exit == 0, stderr.ToString());
        var records = JsonLines(stdout.ToArray());
        Assert.Equal(["H0STASP0", "H0STCNI0", "H0STCNT0"], records.Select(r => r.GetProperty("tr_id").GetString()).Distinct().Order());

        long previousVolume = 0;
        foreach (var r in records.Where(r => r.GetProperty("tr_id").GetString() == "H0STCNT0"))
        {
            var f = r.GetProperty("fields");
            Assert.Equal("005930", f.GetProperty("mksc_shrn_iscd").GetString());
            var price = f.GetProperty("stck_prpr").GetDecimal();
            var ask = f.GetProperty("askp1").GetDecimal();
            var bid = f.GetProperty("bidp1").GetDecimal();
            Assert.True(bid < ask && (price == ask || price == bid), $"trade {price} not at the touch {bid}/{ask}");
            var volume = f.GetProperty("acml_vol").GetInt64();
            Assert.True(volume > previousVolume, $"cumulative volume {volume} after {previousVolume}");
            previousVolume = volume;
        }
        foreach (var r in records.Where(r => r.GetProperty("tr_id").GetString() == "H0STASP0"))
        {
            var f = r.GetProperty("fields");
            for (var i = 2; i <= 10; i++)
            {
                Assert.True(f.GetProperty($"askp{i}").GetDecimal() > f.GetProperty($"askp{i - 1}").GetDecimal());
                Assert.True(f.GetProperty($"bidp{i}").GetDecimal() < f.GetProperty($"bidp{i - 1}").GetDecimal());
            }
            Assert.True(f.GetProperty("askp1").GetDecimal() > f.GetProperty("bidp1").GetDecimal());
        }
        // Notices arrive decrypted, for the simulator's HTS ID.
        Assert.All(records.Where(r => r.GetProperty("tr_id").GetString() == "H0STCNI0"),
            r => Assert.Equal(SimulatorOptions.DefaultHtsId, r.GetProperty("fields").GetProperty("cust_id").GetString()));
    }
}
