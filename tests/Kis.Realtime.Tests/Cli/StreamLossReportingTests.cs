using Kis.Realtime.Cli.Commands;
using Kis.Realtime.Tests.Client;
using static Kis.Realtime.Tests.Cli.CliTestKit;

namespace Kis.Realtime.Tests.Cli;

/// <summary>kisrt stream against the raw-socket KIS stand-in: what the library could not route is in the summary.</summary>
public class StreamLossReportingTests
{
    private const string Key = "abcdefghijklmnopabcdefghijklmnop";
    private const string Iv = "0123456789abcdef";

    [Fact]
    public async Task Notices_for_another_cust_id_are_streamed_and_unrouted_records_are_in_the_summary()
    {
        await using var server = ScriptedKisServer.Start(async c =>
        {
            for (var i = 0; i < 2; i++)
            {
                var (_, trId, trKey) = await c.ReceiveRequestAsync() ?? throw new IOException("closed");
                await c.ReplyAsync(trId, trKey, key: Key, iv: Iv);
            }
            foreach (var order in new[] { "0000000001", "0000000002", "0000000003", "0000000004" })
                await c.SendTextAsync("1|H0IFCNI0|001|" + ScriptedConnection.Encrypt(
                    $"OTHERCUST^1234567803^{order}^^02^0^0^111V06^0000000002^007840000^095835^0^2^2^00950^000000000^김한국^삼성전자   F 2^^^^000000000", Key, Iv));
            // An index record for a key nobody subscribed, then one for the subscribed key.
            await c.SendTextAsync("0|H0UPCNT0|002|1001^090001^2600.00^2^32.68^63952^1650684^439^10335^1.26^2615.72^2624.82^2610.00^23.86^2^32.96^2^18.14^2^" +
                "0.92^1.27^0.70^0^670^72^177^0^0^0^19"
                + "^0001^090001^2600.00^2^32.68^63952^1650684^439^10335^1.26^2615.72^2624.82^2610.00^23.86^2^32.96^2^18.14^2^0.92^1.27^0.70^0^670^72^177^0^" +
                    "0^0^19");
            await c.ServeUntilClosedAsync();
        });
        var stdout = new MemoryStream();
        var stderr = new StringWriter();
        var connection = Scripted(server, "notice:myhtsid", "index:0001") with { HtsId = "myhtsid" };
        var exit = await StreamCommand.RunAsync(connection, new StreamArgs { Format = "jsonl", Count = 5 }, Env(), stdout, stderr, default).WaitAsync(
            CliTimeout);

        Assert.Equal(0, exit);
        var records = JsonLines(stdout.ToArray());
        Assert.Equal(4, records.Count(r => r.GetProperty("tr_id").GetString() == "H0IFCNI0"));
        Assert.Single(records, r => r.GetProperty("tr_id").GetString() == "H0UPCNT0");
        Assert.Contains("unrouted 1 (H0UPCNT0 1)", stderr.ToString());
    }
}
