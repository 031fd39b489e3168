using System.Text.Json;
using Kis.Realtime.Cli.Commands;
using Kis.Realtime.Tests.Client;
using Kis.Realtime.Tests.Gateway;
using static Kis.Realtime.Tests.Cli.CliTestKit;

namespace Kis.Realtime.Tests.Cli;

/// <summary>
/// <c>kisrt stream --format jsonl</c> against a server sending numbers no JSON reader can take as they are: each bad
/// record is a counted decode error (as <c>kisrt decode</c> counts it), never invalid JSON, never a silent null.
/// </summary>
public class HostileJsonLinesTests
{
    // prpr_nmix (field 2) is a decimal, acml_vol (field 5) an integer.
    private static string Index(string value = "2600.00", string volume = "63952") =>
        $"0001^090001^{value}^2^32.68^{volume}^1650684^439^10335^1.26^2615.72^2624.82^2610.00^23.86^2^32.96^2^18.14^2^0.92^1.27^0.70^0^670^72^177^0^0^0^19";

    [Fact]
    public async Task Bad_numbers_are_counted_decode_errors_and_every_line_parses_exactly()
    {
        string[] bad =
        [
            Index(volume: "-"),
            Index(volume: "1e5"),
            Index(volume: "99999999999999999999999"), // not an Int64: Python would take it, a long-typed reader would not
            Index(value: "1e5"),
            Index(value: new string('7', 3_000_000)), // Python's json refuses integers of more than 4,300 digits
        ];
        await using var server = ScriptedKisServer.Start(async c =>
        {
            var (_, trId, trKey) = await c.ReceiveRequestAsync() ?? throw new IOException("closed");
            await c.ReplyAsync(trId, trKey);
            await c.SendTextAsync("0|H0UPCNT0|001|" + Index(value: "2600.01"));
            foreach (var record in bad) await c.SendTextAsync("0|H0UPCNT0|001|" + record);
            await c.SendTextAsync("0|H0UPCNT0|001|" + Index(value: "12345678901234567890.123456789", volume: "9223372036854775807"));
            await c.ServeUntilClosedAsync();
        });
        var stdout = new MemoryStream();
        var stderr = new StringWriter();
        var connection = Scripted(server, "index:0001");
        var exit = await StreamCommand.RunAsync(connection, new StreamArgs { Format = "jsonl", Count = 2 }, Env(), stdout, stderr, default).WaitAsync(
            CliTimeout);
        Assert.Equal(0, exit);

        // Failed before: 7 lines, two with nulls for "-" and "1e5", one of 3 million digits; decode errors 0.
        var lines = System.Text.Encoding.UTF8.GetString(stdout.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Contains("decode errors 5", stderr.ToString());
        var last = JsonDocument.Parse(lines[1]).RootElement.GetProperty("fields");
        Assert.Equal(12345678901234567890.123456789m, last.GetProperty("prpr_nmix").GetDecimal()); // no precision lost
        Assert.Equal(long.MaxValue, last.GetProperty("acml_vol").GetInt64());
        Assert.DoesNotContain("null", string.Join("\n", lines));

        // Python's json parses every line (as a consumer of the stream would).
        var file = Path.Combine(EmptyDirectory(), "out.jsonl");
        await File.WriteAllBytesAsync(file, stdout.ToArray());
        var python = await ChildProcess.RunAsync("python3",
            ["-c", "import json,sys\nn=0\nfor l in open(sys.argv[1], encoding='utf-8'):\n    json.loads(l); n+=1\nprint(n)", file], TimeSpan.FromSeconds(30));
        Assert.True(python.ExitCode == 0, python.Errors);
        Assert.Equal("2", python.Output.Trim());
    }
}
