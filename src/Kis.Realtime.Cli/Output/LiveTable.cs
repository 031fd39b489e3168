using System.Diagnostics;
using Kis.Realtime.Cli.Configuration;
using Spectre.Console;

namespace Kis.Realtime.Cli.Output;

/// <summary>
/// The <c>--format table</c> view: one row per subscription with its latest values, record count and rate, plus the
/// connection state. Renders in place on a terminal; as a plain text snapshot per second when output is redirected.
/// </summary>
internal sealed class LiveTable(IReadOnlyList<SubscriptionSpec> specs, Func<string> status, DisplayFormat? format = null)
{
    private sealed class Row
    {
        public string Time = "";
        public string Summary = "waiting for data…";
        public long Count;
        public double Rate;
        // (seconds since start, count) samples of the last few seconds: a rate over a window, not over one
        // refresh, so a feed of a few records a second does not flicker between 0 and a burst.
        public readonly Queue<(double At, long Count)> Samples = new();
    }

    private static readonly TimeSpan RateWindow = TimeSpan.FromSeconds(5);

    private readonly Dictionary<(string, string), Row> _rows = specs.ToDictionary(s => (s.Tr.Id, s.Key), _ => new Row());
    private readonly Stopwatch _sinceStart = Stopwatch.StartNew();

    public void Update(in OutputRecord record)
    {
        if (!_rows.TryGetValue((record.Tr.Id, record.TrKey), out var row)) return;
        row.Count++;
        (row.Time, row.Summary) = RecordSummary.Describe(record.Tr, record.Record.Span, format);
    }

    private void UpdateRates()
    {
        var now = _sinceStart.Elapsed.TotalSeconds;
        foreach (var row in _rows.Values)
        {
            row.Samples.Enqueue((now, row.Count));
            while (row.Samples.Count > 2 && now - row.Samples.Peek().At > RateWindow.TotalSeconds) row.Samples.Dequeue();
            var (at, count) = row.Samples.Peek();
            row.Rate = now - at > 0.2 ? (row.Count - count) / (now - at) : 0;
        }
    }

    /// <summary>
    /// Renders the table in place on the terminal, refreshed by <paramref name="refreshUntilStopped"/> (given the
    /// refresh and its period) until the run stops, then once more. Each snapshot is taken under
    /// <paramref name="gate"/>, the lock the records are counted under; the terminal write is outside it. Spectre.Console
    /// is named only in this class: the JIT loads it when it compiles a caller that names its types, and `kisrt stream
    /// --format jsonl` must not (StreamLoadedAssembliesTests).
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    public Task ShowLiveAsync(object gate, Func<Action, TimeSpan, Task> refreshUntilStopped)
    {
        return AnsiConsole.Live(Snapshot()).AutoClear(false).StartAsync(async ctx =>
        {
            await refreshUntilStopped(() => ctx.UpdateTarget(Snapshot()), TimeSpan.FromMilliseconds(250));
            ctx.UpdateTarget(Snapshot());
        });

        Table Snapshot()
        {
            lock (gate) return Render();
        }
    }

    public Table Render()
    {
        UpdateRates();
        var table = new Table().Border(TableBorder.Rounded).Title("[bold]KIS real-time[/]").Caption(Markup.Escape(status()));
        table.AddColumns("TR", "key", "time", "latest", "records", "rec/s");
        foreach (var spec in specs)
        {
            var row = _rows[(spec.Tr.Id, spec.Key)];
            table.AddRow(Markup.Escape(spec.Tr.Id), Markup.Escape(spec.Key), Markup.Escape(row.Time), Markup.Escape(row.Summary),
                row.Count.ToString("N0"), row.Rate.ToString("0.0"));
        }
        return table;
    }

    /// <summary>A plain text snapshot for redirected output.</summary>
    public string RenderText()
    {
        UpdateRates();
        var lines = new List<string> { $"-- {DateTime.Now:HH:mm:ss} {status()}" };
        foreach (var spec in specs)
        {
            var row = _rows[(spec.Tr.Id, spec.Key)];
            lines.Add($"{spec.Tr.Id} {spec.Key,-12} {row.Time,8} {row.Count,8} rec {row.Rate,7:0.0}/s  {row.Summary}");
        }
        return string.Join(System.Environment.NewLine, lines);
    }
}
