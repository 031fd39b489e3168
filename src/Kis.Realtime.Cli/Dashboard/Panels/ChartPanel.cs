using System.Text.Json;

namespace Kis.Realtime.Cli.Dashboard.Panels;

/// <summary>A chart of one line per subscription, with the latest figures of each line beside it.</summary>
internal abstract class ChartPanel(string[] statNames) : Panel
{
    private sealed class Line(TimeSeries series, int stats)
    {
        public TimeSeries Series { get; } = series;
        public double[] Stats { get; } = new double[stats];
        public string Time { get; set; } = "";
    }

    private readonly Dictionary<string, Line> _lines = new(StringComparer.Ordinal);

    protected override bool HasChanges => _lines.Values.Any(l => l.Series.Changed);

    protected void Add(string id, string label, TimeOnly time, double value, ReadOnlySpan<double> stats)
    {
        lock (Gate)
        {
            if (!_lines.TryGetValue(id, out var line))
                _lines[id] = line = new Line(new TimeSeries(id, label), statNames.Length);
            line.Series.Add(SecondOfDay(time), value);
            stats.CopyTo(line.Stats);
            line.Time = time.ToString("HH:mm:ss");
        }
    }

    protected override void WriteDelta(Utf8JsonWriter json) => Write(json, snapshot: false);

    protected override void WriteSnapshot(Utf8JsonWriter json) => Write(json, snapshot: true);

    private void Write(Utf8JsonWriter json, bool snapshot)
    {
        json.WriteStartArray("statNames");
        foreach (var name in statNames) json.WriteStringValue(name);
        json.WriteEndArray();
        json.WriteStartArray("lines");
        foreach (var line in _lines.Values)
        {
            if (!snapshot && !line.Series.Changed) continue;
            json.WriteStartObject();
            json.WritePropertyName("series");
            if (snapshot) line.Series.WriteSnapshot(json);
            else line.Series.WriteDelta(json);
            json.WriteString("time", line.Time);
            json.WriteStartArray("stats");
            foreach (var s in line.Stats) json.WriteNumberValue(s);
            json.WriteEndArray();
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }
}

/// <summary>Intraday index lines (H0UPCNT0): value over market time, with change, rate and breadth.</summary>
internal sealed class IndexPanel() : ChartPanel(["value", "change", "rate %", "advancing", "declining"])
{
    public override string Name => "index";

    public void Add(string trId, IndexTick tick) =>
        Add($"{trId}:{tick.IndexCode}", $"{tick.IndexCode} ({trId})", tick.Time, (double)tick.Value,
            [(double)tick.Value, (double)tick.Change, (double)tick.ChangeRate, tick.AdvancingIssues, tick.DecliningIssues]);
}

/// <summary>Cumulative program-trading net buying (H0UNPGM0 / H0NXPGM0 / H0STPGM0) in KRW over market time.</summary>
internal sealed class ProgramPanel() : ChartPanel(["net KRW", "net shares", "buy KRW", "sell KRW"])
{
    public override string Name => "program";

    public void Add(string trId, ProgramTrade trade)
    {
        var venue = trade.Venue.ToString().ToLowerInvariant();
        // KIS's program-trading amounts are the day's running totals: the line is the cumulative net flow as sent.
        Add($"{trId}:{trade.StockCode}", $"{trade.StockCode} {venue}", trade.Time, trade.NetBuyAmount,
            [trade.NetBuyAmount, trade.NetBuyVolume, trade.BuyAmount, trade.SellAmount]);
    }
}
