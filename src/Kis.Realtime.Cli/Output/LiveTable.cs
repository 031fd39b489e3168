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
        public SummaryColours Colours;
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
        (row.Time, row.Summary) = RecordSummary.Describe(record.Tr, record.Record.Span, format, out row.Colours);
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
        return Build(status(), specs.Select(spec =>
        {
            var row = _rows[(spec.Tr.Id, spec.Key)];
            return new LiveRow(spec.Tr.Id, spec.Key, row.Time, row.Summary, row.Count.ToString("N0"), row.Rate.ToString("0.0"), row.Colours);
        }));
    }

    /// <summary>One row's cells as shown.</summary>
    internal readonly record struct LiveRow(string Tr, string Key, string Time, string Summary, string Records, string Rate, SummaryColours Colours = default);

    /// <summary>The table as the terminal shows it (the README's `stream` block is this, rendered without colour).</summary>
    internal static Table Build(string status, IEnumerable<LiveRow> rows)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("[bold]KIS real-time[/]").Caption(Markup.Escape(status));
        table.AddColumns("TR", "key", "time", "latest", "records", "rec/s");
        foreach (var row in rows)
            table.AddRow(Markup.Escape(row.Tr), Markup.Escape(row.Key), Markup.Escape(row.Time), Coloured(row.Summary, row.Colours),
                row.Records, row.Rate);
        return table;
    }

    /// <summary>Korean convention: up and buy red, down and sell blue, unchanged neutral; the rest of the line plain.</summary>
    internal static string Coloured(string summary, SummaryColours colours)
    {
        var parts = new[] { colours.Price, colours.Side }.Where(p => p.Length > 0 && p.Start + p.Length <= summary.Length).OrderBy(p => p.Start).ToList();
        var markup = new System.Text.StringBuilder();
        var at = 0;
        foreach (var part in parts)
        {
            if (part.Start < at) continue; // overlapping parts: the first wins
            markup.Append(Markup.Escape(summary[at..part.Start]));
            var text = Markup.Escape(summary.Substring(part.Start, part.Length));
            markup.Append(part.Sign switch { > 0 => $"[red]{text}[/]", < 0 => $"[dodgerblue1]{text}[/]", _ => text });
            at = part.Start + part.Length;
        }
        return markup.Append(Markup.Escape(summary[at..])).ToString();
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
