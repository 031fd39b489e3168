using Kis.Realtime.Cli.Commands;
using Kis.Realtime.Tests.Client;
using static Kis.Realtime.Tests.Cli.CliTestKit;

namespace Kis.Realtime.Tests.Cli;

public class RecordCountTests
{
    private const string Record = "0001^090001^2600.00^2^32.68^63952^1650684^439^10335^1.26^2615.72^2624.82^2610.00^23.86^2^32.96"
                                  + "^2^18.14^2^0.92^1.27^0.70^0^670^72^177^0^0^0^19";

    [Fact]
    public async Task Count_stops_at_the_message_that_reaches_it_and_says_what_came_after()
    {
        // Ten messages of three records each, sent at once: --count 20 is reached inside the seventh.
        const int Messages = 10;
        var threeRecords = "0|H0UPCNT0|003|" + string.Join('^', Record, Record, Record);
        await using var server = ScriptedKisServer.Start(async c =>
        {
            var (_, trId, trKey) = await c.ReceiveRequestAsync() ?? throw new IOException("closed");
            await c.ReplyAsync(trId, trKey);
            for (var i = 0; i < Messages; i++) await c.SendTextAsync(threeRecords);
            await c.ServeUntilClosedAsync();
        });
        var dir = EmptyDirectory();
        var stderr = new StringWriter();
        var exit = await RecordCommand.RunAsync(Scripted(server, "index:0001"), dir, count: 20, duration: null, Env(), stderr, default).WaitAsync(CliTimeout);

        Assert.Equal(0, exit);
        var day = Assert.Single(Directory.GetDirectories(dir));
        // Failed before (30): every message already queued was written after the count was reached.
        Assert.Equal(21, File.ReadAllLines(Path.Combine(day, "H0UPCNT0.jsonl")).Length);
        Assert.Equal(7, File.ReadAllLines(Path.Combine(day, RecordCommand.RawFileName)).Count(l => l.Contains("|H0UPCNT0|", StringComparison.Ordinal)));
        var summary = stderr.ToString();
        Assert.Contains("recorded 21 records", summary);
        Assert.Contains("--count 20: stopped at the message that reached it (21 records; a KIS message can carry several records", summary);
        // What the client received after the seventh message is named, not silently left out.
        var received = System.Text.RegularExpressions.Regex.Match(summary, @"received ([\d,]+) records in").Groups[1].Value;
        if (received != "21") Assert.Matches(@"not recorded: \d+ records in \d+ messages received after it", summary);
    }
}
