namespace Kis.Realtime.Tests.Gateway;

/// <summary>
/// The broker's own log as <c>scripts/services.sh</c>'s RabbitMQ writes it (<c>/var/log/rabbitmq/rabbit@localhost.log</c>,
/// or <c>KISRT_TEST_RABBITMQ_LOG</c>), read from where a test began: the error lines one broker user's connections caused.
/// A log event spans lines that share its timestamp and process; a channel or connection error names the user on its first.
/// </summary>
internal sealed class BrokerLog
{
    private readonly long _start;

    private BrokerLog(long start) => _start = start;

    public static string Path => Environment.GetEnvironmentVariable("KISRT_TEST_RABBITMQ_LOG") is { Length: > 0 } configured
        ? configured : "/var/log/rabbitmq/rabbit@localhost.log";

    /// <summary>From the log's present end on.</summary>
    public static BrokerLog FromNow()
    {
        if (!File.Exists(Path)) throw new InvalidOperationException(
            $"The broker's log {Path} is not here: scripts/services.sh starts RabbitMQ with it (or set KISRT_TEST_RABBITMQ_LOG).");
        return new BrokerLog(new FileInfo(Path).Length);
    }

    /// <summary>The lines written since this reader began.</summary>
    public List<string> Lines()
    {
        using var stream = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        stream.Seek(Math.Min(_start, stream.Length), SeekOrigin.Begin); // a rotated log starts again from 0
        using var reader = new StreamReader(stream);
        var lines = new List<string>();
        while (reader.ReadLine() is { } line) lines.Add(line);
        return lines;
    }

    /// <summary>The <c>[error]</c> lines of the events that name <paramref name="user"/> (<c>user: 'x'</c>).</summary>
    /// <param name="about">When given, only the events with a line that names one of these (a connection, a queue).</param>
    public List<string> ErrorLinesOf(string user, params string[] about) => [.. ErrorEventsOf(user, about).SelectMany(e => e)];

    /// <summary>
    /// As <see cref="ErrorLinesOf"/> about namespace <paramref name="ns"/>, less one known race of the election's
    /// standby-count queue (<c>{ns}.gateway-standbys</c>, auto-deleted with its last consumer): a process that declared it
    /// and consumes a moment later meets it deleted when the last other standby just became active and left it; the
    /// broker logs <c>not_found</c> on that <c>basic.consume</c> and the election tries again. A defect left open (the
    /// queue would have to outlive its consumers, which changes its declaration), not a refusal: anything else still counts.
    /// </summary>
    public List<string> ErrorLinesExceptStandbyQueueRaceOf(string user, string ns) =>
        [.. ErrorEventsOf(user, [ns]).Where(e => !IsStandbyQueueRace(e, ns)).SelectMany(e => e)];

    /// <summary>Whether an error event's lines are that race's (<see cref="ErrorLinesExceptStandbyQueueRaceOf"/>).</summary>
    internal static bool IsStandbyQueueRace(IEnumerable<string> eventLines, string ns) =>
        eventLines.Any(l => l.Contains("operation basic.consume caused a channel exception not_found: no queue '" + ns + ".gateway-standbys",
            StringComparison.Ordinal));

    private IEnumerable<IGrouping<string, string>> ErrorEventsOf(string user, string[] about) =>
        Lines().GroupBy(Prefix).Where(e => e.Key.Contains("[error]", StringComparison.Ordinal))
            .Where(e => e.Any(l => l.Contains($"user: '{user}'", StringComparison.Ordinal))
                && (about.Length == 0 || e.Any(l => about.Any(a => l.Contains(a, StringComparison.Ordinal)))));

    /// <summary>Waits until the broker has logged <paramref name="user"/> authenticating after this reader began, so
    /// everything the broker did before that is in the log too.</summary>
    public async Task UntilAuthenticatedAsync(string user, int times, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        while (Lines().Count(l => l.Contains($"user '{user}' authenticated", StringComparison.Ordinal)) < times)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"the broker did not log {user} authenticating {times} times within {timeout}");
            await poll.WaitForNextTickAsync();
        }
    }

    /// <summary>
    /// A sync point: the broker writes its log asynchronously, so an error it met a moment ago may not be in the file yet.
    /// Opens and closes a connection with a unique name and waits until the broker has logged closing it: every event the
    /// broker logged before (the test's own) is in the file by then.
    /// </summary>
    public async Task SyncAsync(TimeSpan timeout)
    {
        var name = "kisrt-tests-log-sync-" + Guid.NewGuid().ToString("N");
        var factory = new RabbitMQ.Client.ConnectionFactory { Uri = new Uri(RabbitTestBroker.GuestUri), ClientProvidedName = name };
        await using (await factory.CreateConnectionAsync())
        {
            // opened and, leaving this block, closed: the broker logs both
        }
        var deadline = DateTime.UtcNow + timeout;
        using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        while (!Lines().Any(l => l.Contains("closing AMQP connection", StringComparison.Ordinal) && l.Contains(name, StringComparison.Ordinal)))
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"the broker did not log closing connection {name} within {timeout}");
            await poll.WaitForNextTickAsync();
        }
    }

    /// <summary>"2026-11-27 08:29:15.223059+00:00 [error] &lt;0.1579.0&gt;": the part every line of one event shares.</summary>
    private static string Prefix(string line)
    {
        var pidEnd = line.IndexOf("> ", StringComparison.Ordinal);
        return pidEnd < 0 ? line : line[..(pidEnd + 1)];
    }
}
