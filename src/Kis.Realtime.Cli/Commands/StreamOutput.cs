using System.Diagnostics;
using Kis.Realtime.Cli.Output;
using static Kis.Realtime.Cli.Commands.StreamCommand;

namespace Kis.Realtime.Cli.Commands;

/// <summary>
/// One <c>kisrt stream</c> run's output: the sink (JSON Lines, CSV) or the live table, and the counts the summary reports.
/// One owner for both: the pumps hand records straight to it under its lock (no queue and no thread hop between a
/// subscription and the output); the refresh loop takes the lock too.
/// </summary>
internal sealed class StreamOutput
{
    private readonly ClientHost _host;
    private readonly IKisRealtimeClient _client; // with --feed-b-app-key, both sessions merged
    private readonly StreamArgs _args;
    private readonly bool _interactive;
    private readonly TextWriter _stderr;
    private readonly Hosting.HeldLog? _heldLog;
    private readonly CancellationTokenSource _stop;
    private readonly Stopwatch _started = Stopwatch.StartNew();

    // Standard output is written by a background task: the pumps run on the receive loop (inline delivery), which
    // must not block on a pipe nobody reads. Past the bound, records are dropped and counted.
    // JSON lines go out on their own within WriteBehind: no flush signal from the receive loop and no
    // flush timer, each a thread wake-up. CSV goes through a StreamWriter's buffer, which only a flush empties.
    private readonly bool _writeBehind;
    private readonly IO.BackgroundOutput? _background;
    private readonly IRecordSink? _sink;
    private readonly LiveTable? _table;

    private readonly object _gate = new();
    private long _lastFlush; // under _gate
    private long _outputDropped; // under _gate: records not written because standard output was not read fast enough
    private long _notWrittenAfterFailure; // under _gate: records that came after writing the output failed
    private bool _outputClosed; // under _gate: set before the sink is disposed (a queued flush may still run)
    private Exception? _outputFailure; // under _gate
    private long _total; // under _gate
    private long _outputDecodeErrors; // records the output refused (a number JSON Lines cannot carry exactly)
    private readonly SortedDictionary<string, long> _perTr = new(StringComparer.Ordinal); // under _gate

    public StreamOutput(ClientHost host, StreamArgs args, string format, bool interactive, DisplayFormat display, Stream stdout, TextWriter stderr,
        Hosting.HeldLog? heldLog, CancellationTokenSource stop)
    {
        (_host, _client, _args, _interactive, _stderr, _heldLog, _stop) = (host, host.Source, args, interactive, stderr, heldLog, stop);
        _writeBehind = format == "jsonl" && args.OutputDirectory is null;
        _background = format != "table" && args.OutputDirectory is null
            ? new IO.BackgroundOutput(stdout, StandardOutputBound, _writeBehind ? WriteBehind : null, onFailure: OutputFailed)
            : null;
        _sink = format switch
        {
            "jsonl" when _background is not null => new JsonLinesSink(_background),
            "jsonl" => new PerTrJsonLinesSink(args.OutputDirectory!, m => stderr.WriteLine("kisrt: " + m)),
            "csv" when _background is not null => CsvSink.ToWriter(new StreamWriter(_background, new System.Text.UTF8Encoding(false)) { AutoFlush = false }),
            "csv" => CsvSink.ToDirectory(args.OutputDirectory!),
            _ => null,
        };
        _table = format == "table" ? new LiveTable(host.Subscriptions, Status, display) : null;
    }

    private string Status() => StatusLine(_client.State, _total, _client.Statistics, Interlocked.Read(ref _outputDecodeErrors))
                               + (_heldLog?.Latest is { } latest ? $"  | {Shorten(latest, 100)}" : "");

    /// <summary>Pumps every subscription into the output until the run stops (Ctrl+C, --duration, --count, or every
    /// subscription ended), then closes the output.</summary>
    public async Task RunAsync()
    {
        var pumps = _host.PumpSubscriptions((r, _) => Take(r), _stderr, _stop.Token, idle: _sink is null || _writeBehind ? null : FlushIfDue);
        // Every subscription ended (failed or refused): nothing more will come.
        _ = Task.WhenAll(pumps).ContinueWith(_ => _stop.Cancel(), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        try
        {
            await ShowUntilStoppedAsync();
        }
        finally
        {
            _stop.Cancel(); // leaving the subscriptions releases their registrations
            await Task.WhenAll(pumps);
            lock (_gate) _outputClosed = true;
            if (_sink is not null)
            {
                try
                {
                    await _sink.DisposeAsync();
                    if (_background is not null) await _background.CompleteAsync();
                }
                catch (Exception) when (_outputFailure is not null)
                {
                    // the first failure is the one reported
                }
            }
        }
    }

    // On the receive loop (inline delivery): appends the record to the output under the lock, or counts why not.
    private ValueTask Take(KisRecord r)
    {
        bool reached;
        try
        {
            lock (_gate)
            {
                if (_total >= _args.Count || _outputClosed) return ValueTask.CompletedTask; // past --count, or stopping
                if (_outputFailure is not null)
                {
                    _notWrittenAfterFailure++; // the run is stopping: the output is gone
                    return ValueTask.CompletedTask;
                }
                if (_background is { IsFull: true })
                {
                    if (_outputDropped++ == 0) _stderr.WriteLine($"kisrt: standard output is not read fast enough: {StandardOutputBound / (1 << 20)} MB " +
                        "wait to be written; records are dropped (counted in the summary) until it catches up.");
                    return ValueTask.CompletedTask;
                }
                var record = new OutputRecord(r.Tr, r.TrKey, r.ReceivedAt, r.Data);
                if (_table is not null) _table.Update(record);
                else if (!_sink!.Write(record))
                {
                    Interlocked.Increment(ref _outputDecodeErrors); // counted in the summary's decode errors, never written half
                    return ValueTask.CompletedTask;
                }
                _total++;
                _perTr[r.Tr.Id] = _perTr.GetValueOrDefault(r.Tr.Id) + 1;
                reached = _total >= _args.Count;
            }
        }
        catch (Exception e)
        {
            lock (_gate) _notWrittenAfterFailure++;
            OutputFailed(e);
            return ValueTask.CompletedTask;
        }
        if (reached) _stop.Cancel(); // outside the lock: cancellation runs the library's callbacks
        return ValueTask.CompletedTask;
    }

    private async Task ShowUntilStoppedAsync()
    {
        if (_table is not null && _interactive)
        {
            _heldLog!.Hold();
            try
            {
                await _table.ShowLiveAsync(_gate, RefreshUntilStopped);
            }
            finally
            {
                _heldLog.Release();
            }
        }
        else if (_table is not null)
        {
            await RefreshUntilStopped(() => _stderr.WriteLine(Locked(_table.RenderText)), TimeSpan.FromSeconds(1));
            await _stderr.WriteLineAsync(Locked(_table.RenderText));
        }
        else if (_writeBehind)
        {
            await WaitUntilStopped();
        }
        else
        {
            await RefreshUntilStopped(FlushOrStop, FlushAfterLastRecord); // standard output: only signals the writer
        }
    }

    /// <summary>The run's summary on standard error; its exit code. Throws what writing the output failed with.</summary>
    public async Task<int> SummarizeAsync()
    {
        // A reader that closed the pipe (`| head -1`) is a normal end: the summary says what it did not take.
        var readerGone = IO.StandardOutput.IsClosedByReader(_outputFailure);
        if (_outputFailure is not null && !readerGone) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(_outputFailure);
        if (readerGone) await _stderr.WriteLineAsync("kisrt: standard output was closed by its reader; stopped.");

        // Per TR in brackets; none at all is "0 records", not "0 records ()".
        var byTr = _perTr.Count == 0 ? "" : $" ({string.Join(", ", _perTr.Select(kv => $"{kv.Key} {kv.Value:N0}"))})";
        var notWritten = _outputDropped > 0 ? $", not written (standard output behind) {_outputDropped:N0}" : "";
        if (readerGone) notWritten += $", not written (standard output closed) {_notWrittenAfterFailure + _background!.LinesNotWritten:N0}";
        var stats = _client.Statistics;
        await _stderr.WriteLineAsync($"kisrt: {_total:N0} records{byTr} in {_started.Elapsed.TotalSeconds:0.0} s; " +
            $"{ClientHost.LossCounters(stats, ", ", perTr: true, Interlocked.Read(ref _outputDecodeErrors))}{notWritten}");
        if (ClientHost.LargestGaps(stats) is { } gaps) await _stderr.WriteLineAsync("kisrt: " + gaps);
        if (_host.FeedHealth() is { } feeds) await _stderr.WriteLineAsync("kisrt: " + feeds);
        // Ended by its reader (`| head -1`) or by --count, the others may simply not have sent yet: no "no records" alarm.
        if (!readerGone && (_args.Count is not { } limit || _total < limit) && _host.SilentSubscriptions(_started.Elapsed) is { } silent)
            await _stderr.WriteLineAsync("kisrt: " + silent);
        return _host.ExitCode;
    }

    // A subscription has handed over all it had: on the receive loop (inline delivery), once per record of a
    // received batch. Flushing each time would be a system call per record; at most one per FlushEvery while records
    // keep coming, and the refresh loop flushes what the last ones left within FlushAfterLastRecord.
    private void FlushIfDue()
    {
        try
        {
            lock (_gate)
                if (!_outputClosed && Stopwatch.GetElapsedTime(_lastFlush) >= FlushEvery) FlushNow();
        }
        catch (Exception e)
        {
            OutputFailed(e);
        }
    }

    private void FlushOrStop()
    {
        try
        {
            lock (_gate) FlushNow();
        }
        catch (Exception e)
        {
            OutputFailed(e);
        }
    }

    private void FlushNow() // under _gate
    {
        _sink!.Flush();
        _lastFlush = Stopwatch.GetTimestamp();
    }

    // Writing the output failed (a closed pipe, a full disk): the run ends and SummarizeAsync throws it, as RunAsync
    // would have from its own thread.
    private void OutputFailed(Exception e)
    {
        lock (_gate) _outputFailure ??= e;
        _stop.Cancel();
    }

    // Takes the snapshot under the lock and leaves the terminal write outside it: the pumps (on the receive loop)
    // never wait for a terminal.
    private T Locked<T>(Func<T> snapshot)
    {
        lock (_gate) return snapshot();
    }

    private async Task WaitUntilStopped()
    {
        try
        {
            await Task.Delay(Timeout.Infinite, _stop.Token);
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // a normal stop
        }
    }

    // Keeps what is shown current (table, status) until the run stops (Ctrl+C, --duration, --count, or every
    // subscription ended).
    private async Task RefreshUntilStopped(Action refresh, TimeSpan every)
    {
        using var timer = new PeriodicTimer(every);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token)) refresh();
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // a normal stop
        }
    }
}
