using System.Buffers;
using System.IO.Pipelines;
using Kis.Realtime.Formatting;
using Kis.Realtime.Simulator.Hosting;
using Kis.Realtime.Simulator.Internal;

namespace Kis.Realtime.Simulator.Replay;

/// <summary>
/// Serves a file of recorded raw messages, streamed line by line (never read whole). Line format is
/// <see cref="RawMessageLine"/>'s, as written by <c>kisrt record</c>: <c>&lt;ISO-8601 UTC receive time&gt;\t&lt;escaped
/// message&gt;\n</c> (<c>\r\n</c> tolerated); a line without a leading timestamp is a bare message sent right after the
/// previous one. Only data frames are replayed (messages starting with <c>0|</c> or <c>1|</c>): recorded control
/// messages (PINGPONG, OPSP replies such as OPSP8996) belonged to the recording session and would confuse a client, so
/// they are skipped and counted in <see cref="SimulatorCounters.ReplayLinesSkipped"/>. Message bytes are passed through
/// untouched after unescaping (a recorded non-UTF-8 frame stays non-UTF-8). Waits for a receiving session (and
/// <see cref="SimulatorOptions.ReplayStartAfterSubscriptions"/> subscriptions) before starting, then paces by the timestamps divided by
/// <see cref="SimulatorOptions.ReplaySpeed"/> (0 = no waiting), or, stepped (<see cref="SimulatorOptions.ReplayStep"/>),
/// serves each data frame only once a client granted it (<see cref="Gate"/>, <c>POST /sim/step</c>).
/// </summary>
internal sealed class ReplayPlayer(SimulatorHub hub, string path) : IAsyncDisposable
{
    /// <summary>Longer lines are skipped (a replay file is text of KIS messages, far below this).</summary>
    internal const int MaxLineBytes = 4 << 20;

    private readonly CancellationTokenSource _cts = new();
    private Task _run = Task.CompletedTask;

    public Task Completion => _run;

    /// <summary>The stepped replay's gate (null: the replay is paced by its timestamps).</summary>
    public ReplayStepGate? Gate { get; } = hub.Options.ReplayStep ? new ReplayStepGate() : null;

    public void Start()
    {
        // The market's time is the recording's from the start (it moves once the replay does): an order placed before
        // the first frame is stamped on the recording's day, not on the simulator's own. Provisional: the first frame's
        // market time (its stamps) replaces it, earlier or later.
        if (FirstTimestamp(path) is { } first) hub.Market.Clock.FollowReplay(first.ToOffset(KoreaTime.Offset).DateTime, speed: 0, provisional: true);
        _run = Task.Run(() => RunAsync(_cts.Token));
    }

    /// <summary>The receive time of the file's first timestamped data frame within its first 64 KB (null: none there).</summary>
    internal static DateTimeOffset? FirstTimestamp(string path)
    {
        var head = new byte[64 * 1024];
        int read;
        using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite)) read = file.ReadAtLeast(head, head.Length, false);
        var rest = head.AsSpan(0, read);
        var scratch = new ArrayBufferWriter<byte>(1024);
        while (!rest.IsEmpty)
        {
            var end = rest.IndexOf((byte)'\n');
            if (end < 0 && read == head.Length) return null; // a line cut by the 64 KB read
            var line = end < 0 ? rest : rest[..end];
            rest = end < 0 ? default : rest[(end + 1)..];
            if (ParseLine(line, scratch, out var timestamp, out _) == LineKind.DataFrame && timestamp is not null) return timestamp;
        }
        return null;
    }

    /// <summary>What one line (without its '\n') holds.</summary>
    internal enum LineKind { Blank, DataFrame, Skipped }

    /// <summary>Classifies one line and extracts its data frame (unescaped into <paramref name="scratch"/> if needed).</summary>
    internal static LineKind ParseLine(ReadOnlySpan<byte> line, ArrayBufferWriter<byte> scratch, out DateTimeOffset? timestamp, out ReadOnlySpan<byte> message)
    {
        if (!line.IsEmpty && line[^1] == (byte)'\r') line = line[..^1];
        timestamp = null;
        message = default;
        if (line.IsEmpty) return LineKind.Blank;
        message = RawMessageLine.Parse(line, scratch, out timestamp);
        // Data frames only: "0|…" plain, "1|…" encrypted. JSON control messages ('{') and anything else are skipped.
        return message.Length >= 2 && message[0] is (byte)'0' or (byte)'1' && message[1] == (byte)'|' ? LineKind.DataFrame : LineKind.Skipped;
    }

    private readonly ArrayBufferWriter<byte> _scratch = new(1024), _lineBuffer = new(1024);
    // Stepped, the market clock stays at the last frame's time until the next (the wall clock moves nothing).
    private readonly ReplayedMarketFeed _market = new(hub.Market, hub.Options.ReplayStep ? 0 : hub.Options.ReplaySpeed);
    private DateTimeOffset? _firstTimestamp;
    private long _startTicks;

    private async Task RunAsync(CancellationToken ct)
    {
        try
        {
            await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 64 * 1024, useAsync: true);
            var reader = PipeReader.Create(file, new StreamPipeReaderOptions(bufferSize: 64 * 1024));
            try
            {
                await WaitForReceiverAsync(ct).ConfigureAwait(false);
                _startTicks = hub.Options.TimeProvider.GetTimestamp();
                var skippingLongLine = false;
                while (true)
                {
                    var read = await reader.ReadAsync(ct).ConfigureAwait(false);
                    var buffer = read.Buffer;
                    while (true)
                    {
                        if (!TryReadLine(ref buffer, out var line))
                        {
                            if (!read.IsCompleted)
                            {
                                // A line longer than the cap is skipped without buffering it whole.
                                if (buffer.Length > MaxLineBytes)
                                {
                                    if (!skippingLongLine) Interlocked.Increment(ref hub.Counters._replayLinesSkipped);
                                    skippingLongLine = true;
                                    buffer = buffer.Slice(buffer.End);
                                }
                                break;
                            }
                            if (buffer.IsEmpty) break;
                            line = buffer; // the last line has no '\n'
                            buffer = buffer.Slice(buffer.End);
                        }
                        if (skippingLongLine)
                        {
                            skippingLongLine = false;
                            continue;
                        }
                        await ServeLineAsync(line, ct).ConfigureAwait(false);
                    }
                    reader.AdvanceTo(buffer.Start, buffer.End);
                    if (read.IsCompleted) break;
                }
            }
            finally
            {
                await reader.CompleteAsync().ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (IOException ex)
        {
            Log.Replay(hub.Logger, ex.Message);
        }
        finally
        {
            Gate?.OnDone(); // no step waits for frames that will not come
        }
    }

    private async ValueTask ServeLineAsync(ReadOnlySequence<byte> line, CancellationToken ct)
    {
        ReadOnlyMemory<byte> bytes;
        if (line.IsSingleSegment) bytes = line.First;
        else
        {
            _lineBuffer.ResetWrittenCount();
            line.CopyTo(_lineBuffer.GetSpan((int)line.Length));
            _lineBuffer.Advance((int)line.Length);
            bytes = _lineBuffer.WrittenMemory;
        }
        var kind = ParseLine(bytes.Span, _scratch, out var ts, out _);
        if (kind == LineKind.Blank) return;
        if (kind == LineKind.Skipped)
        {
            Interlocked.Increment(ref hub.Counters._replayLinesSkipped);
            return;
        }
        var time = hub.Options.TimeProvider;
        var speed = hub.Options.ReplaySpeed;
        if (Gate is { } gate) await gate.WaitTurnAsync(ct).ConfigureAwait(false);
        else if (ts is { } t && speed > 0)
        {
            _firstTimestamp ??= t;
            var due = TimeSpan.FromTicks((long)((t - _firstTimestamp.Value).Ticks / speed));
            var wait = due - time.GetElapsedTime(_startTicks);
            if (wait > TimeSpan.Zero) await DelayAsync(wait, due, time, ct).ConfigureAwait(false);
        }
        Feed(bytes.Span, ts);
        var sends = Send(bytes.Span, ct, out var targets);
        await Task.WhenAll(sends).ConfigureAwait(false);
        Interlocked.Add(ref hub.Counters._replayFrames, targets);
        Interlocked.Add(ref hub.Counters._frames, targets);
        Gate?.OnServed(hub.Market.Clock.Now());
    }

    /// <summary>
    /// Waits <paramref name="wait"/> on <paramref name="time"/>, until <paramref name="due"/> after the start. Task.Delay counts
    /// whole milliseconds: on a test clock a book recorded 100 ns after its trade went out at once, before a strategy
    /// stepping the clock had answered the trade, so its order met a later market than a backtest's
    /// (SampleStrategyParityTests). Another clock is waited on to the tick, and asked again once the timer is set: a
    /// test clock moved between the reckoning of the wait and the timer would otherwise set it that much too late. The
    /// system clock's timers are millisecond-grained, so under a millisecond it does not wait, as before.
    /// </summary>
    private async Task DelayAsync(TimeSpan wait, TimeSpan due, TimeProvider time, CancellationToken ct)
    {
        if (ReferenceEquals(time, TimeProvider.System))
        {
            if (wait >= TimeSpan.FromMilliseconds(1)) await Task.Delay(wait, time, ct).ConfigureAwait(false);
            return;
        }
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var timer = time.CreateTimer(static state => ((TaskCompletionSource)state!).TrySetResult(), done, wait, Timeout.InfiniteTimeSpan);
        using var cancel = ct.Register(static state => ((TaskCompletionSource)state!).TrySetCanceled(), done);
        if (time.GetElapsedTime(_startTicks) >= due) done.TrySetResult();
        await done.Task.ConfigureAwait(false);
    }

    /// <summary>The line's frame to the replayed market, before any session sees it (a span cannot cross an await).</summary>
    private void Feed(ReadOnlySpan<byte> line, DateTimeOffset? receivedAt)
    {
        ParseLine(line, _scratch, out _, out var message);
        _market.Offer(message, receivedAt);
    }

    /// <summary>Queues the line's frame to every receiving session (spans cannot cross an await, hence a separate step).</summary>
    private Task[] Send(ReadOnlySpan<byte> line, CancellationToken ct, out int targets)
    {
        ParseLine(line, _scratch, out _, out var message);
        var sessions = hub.Sessions.Where(s => hub.Options.ReplayToAllSessions || s.HasSubscriptions).ToArray();
        var sends = new Task[sessions.Length];
        for (var i = 0; i < sessions.Length; i++) sends[i] = sessions[i].SendRawAsync(message, isFault: false, ct);
        targets = sessions.Length;
        return sends;
    }

    private static bool TryReadLine(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> line)
    {
        var nl = buffer.PositionOf((byte)'\n');
        if (nl is null)
        {
            line = default;
            return false;
        }
        line = buffer.Slice(0, nl.Value);
        buffer = buffer.Slice(buffer.GetPosition(1, nl.Value));
        return true;
    }

    private async Task WaitForReceiverAsync(CancellationToken ct)
    {
        // Polls at a coarse interval: replay start is not latency-sensitive and needs no extra signalling in the hub.
        while (!ReceiversReady())
            await Task.Delay(TimeSpan.FromMilliseconds(50), ct).ConfigureAwait(false);
    }

    /// <summary>A receiving session is there and the sessions hold <see cref="SimulatorOptions.ReplayStartAfterSubscriptions"/> subscriptions.</summary>
    private bool ReceiversReady()
    {
        var sessions = hub.Sessions;
        if (!sessions.Any(s => hub.Options.ReplayToAllSessions || s.HasSubscriptions)) return false;
        return sessions.Sum(s => s.SubscriptionCount) >= hub.Options.ReplayStartAfterSubscriptions;
    }

    public async ValueTask DisposeAsync()
    {
        await _cts.CancelAsync().ConfigureAwait(false);
        try { await _run.ConfigureAwait(false); } catch (OperationCanceledException) { }
        _cts.Dispose();
    }
}
