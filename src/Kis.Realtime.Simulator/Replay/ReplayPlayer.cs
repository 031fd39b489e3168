using System.Globalization;
using System.Text;
using Kis.Realtime.Simulator.Hosting;

namespace Kis.Realtime.Simulator.Replay;

/// <summary>
/// Serves a file of recorded raw messages. Format (agreed with the CLI's recorder): one message per line,
/// <c>&lt;ISO-8601 UTC receive timestamp&gt;\t&lt;raw message bytes&gt;\n</c>; raw messages never contain '\n'. A line
/// without a tab is a bare message sent right after the previous one. Bytes are passed through untouched (a recorded
/// non-UTF-8 frame stays non-UTF-8). Waits for a receiving session before starting, then paces by the timestamps
/// divided by <see cref="SimulatorOptions.ReplaySpeed"/> (0 = no waiting).
/// </summary>
internal sealed class ReplayPlayer(SimulatorHub hub, string path) : IAsyncDisposable
{
    private readonly CancellationTokenSource _cts = new();
    private Task _run = Task.CompletedTask;

    public Task Completion => _run;

    public void Start() => _run = Task.Run(() => RunAsync(_cts.Token));

    /// <summary>Parses one line (without its '\n'); false for an empty line.</summary>
    internal static bool TryParseLine(ReadOnlySpan<byte> line, out DateTimeOffset? timestamp, out ReadOnlySpan<byte> message)
    {
        if (!line.IsEmpty && line[^1] == (byte)'\r') line = line[..^1];
        timestamp = null;
        message = line;
        if (line.IsEmpty) return false;
        var tab = line.IndexOf((byte)'\t');
        if (tab < 0) return true;
        message = line[(tab + 1)..];
        if (DateTimeOffset.TryParse(Encoding.ASCII.GetString(line[..tab]), CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var ts))
            timestamp = ts;
        return !message.IsEmpty;
    }

    private async Task RunAsync(CancellationToken ct)
    {
        var time = hub.Options.TimeProvider;
        var speed = hub.Options.ReplaySpeed;
        try
        {
            var bytes = await File.ReadAllBytesAsync(path, ct).ConfigureAwait(false);
            await WaitForReceiverAsync(ct).ConfigureAwait(false);
            DateTimeOffset? firstTs = null;
            var startTicks = time.GetTimestamp();
            var rest = bytes.AsMemory();
            while (!rest.IsEmpty && !ct.IsCancellationRequested)
            {
                var nl = rest.Span.IndexOf((byte)'\n');
                var line = nl < 0 ? rest : rest[..nl];
                rest = nl < 0 ? default : rest[(nl + 1)..];
                if (!TryParseLine(line.Span, out var ts, out var message))
                {
                    if (!line.IsEmpty) Interlocked.Increment(ref hub.Counters._replayLinesSkipped);
                    continue;
                }
                var payload = message.ToArray();
                if (ts is { } t && speed > 0)
                {
                    firstTs ??= t;
                    var due = TimeSpan.FromTicks((long)((t - firstTs.Value).Ticks / speed));
                    var wait = due - time.GetElapsedTime(startTicks);
                    if (wait > TimeSpan.Zero) await Task.Delay(wait, time, ct).ConfigureAwait(false);
                }
                var targets = hub.Sessions.Where(s => hub.Options.ReplayToAllSessions || s.HasSubscriptions).ToArray();
                await Task.WhenAll(targets.Select(s => s.SendRawAsync(payload, isFault: false))).ConfigureAwait(false);
                Interlocked.Add(ref hub.Counters._replayFrames, targets.Length);
                Interlocked.Add(ref hub.Counters._frames, targets.Length);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (IOException ex)
        {
            Log.Replay(hub.Logger, ex.Message);
        }
    }

    private async Task WaitForReceiverAsync(CancellationToken ct)
    {
        // Polls at a coarse interval: replay start is not latency-sensitive and needs no extra signalling in the hub.
        while (!hub.Sessions.Any(s => hub.Options.ReplayToAllSessions || s.HasSubscriptions))
            await Task.Delay(TimeSpan.FromMilliseconds(50), ct).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await _cts.CancelAsync().ConfigureAwait(false);
        try { await _run.ConfigureAwait(false); } catch (OperationCanceledException) { }
        _cts.Dispose();
    }
}
