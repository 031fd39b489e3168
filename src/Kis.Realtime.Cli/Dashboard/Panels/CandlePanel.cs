using System.Text.Json;

namespace Kis.Realtime.Cli.Dashboard.Panels;

/// <summary>
/// 1-minute candles with volume of each subscribed stock's trades (H0STCNT0 and its twins), built by the library's
/// <see cref="BarAggregator{TTrade, TAccessor}"/> (the rules of docs/bars.md, the bars <c>kisrt bars</c> prints). Keeps the
/// last <see cref="MaxBars"/> closed bars per stock and the forming one; a delta carries the bars closed since the last
/// one and the forming bar.
/// </summary>
internal sealed class CandlePanel : Panel
{
    /// <summary>Closed bars kept per stock: a regular session of minutes (09:00–15:30) and some.</summary>
    public const int MaxBars = 400;

    private sealed class Series(string trId)
    {
        public readonly string TrId = trId;
        public readonly BarAggregator<StockTrade, StockTradeAccessor> Aggregator = new(BarSpec.Minutes(1));
        public readonly List<Bar> Closed = [];
        public int Published; // closed bars already in a delta
        public bool Changed;
    }

    private readonly Dictionary<string, Series> _series = new(StringComparer.Ordinal);

    public override string Name => "candles";

    protected override bool HasChanges => _series.Values.Any(s => s.Changed);

    public void Add(string trId, in StockTrade trade)
    {
        lock (Gate)
        {
            var id = $"{trId}:{trade.StockCode}";
            if (!_series.TryGetValue(id, out var series)) _series[id] = series = new Series(trId);
            if (series.Aggregator.Add(trade))
            {
                while (series.Aggregator.TryTakeClosed(out var bar)) series.Closed.Add(bar);
                if (series.Closed.Count > MaxBars)
                {
                    var cut = series.Closed.Count - MaxBars;
                    series.Closed.RemoveRange(0, cut);
                    series.Published = Math.Max(0, series.Published - cut);
                }
            }
            series.Changed = true;
        }
    }

    protected override void WriteDelta(Utf8JsonWriter json) => Write(json, snapshot: false);

    protected override void WriteSnapshot(Utf8JsonWriter json) => Write(json, snapshot: true);

    private void Write(Utf8JsonWriter json, bool snapshot)
    {
        json.WriteStartArray("series");
        foreach (var (id, s) in _series)
        {
            if (!snapshot && !s.Changed) continue;
            json.WriteStartObject();
            json.WriteString("id", id);
            json.WriteString("code", s.Aggregator.Key);
            json.WriteString("tr", s.TrId);
            // Bars: [minute of the day, open, high, low, close, volume, gap (0/1)].
            json.WriteStartArray("closed");
            for (var i = snapshot ? 0 : s.Published; i < s.Closed.Count; i++) WriteBar(json, s.Closed[i]);
            json.WriteEndArray();
            if (s.Aggregator.TryGetForming(out var forming))
            {
                json.WritePropertyName("forming");
                WriteBar(json, forming);
            }
            json.WriteEndObject();
            if (!snapshot)
            {
                s.Published = s.Closed.Count;
                s.Changed = false;
            }
        }
        json.WriteEndArray();
    }

    private static void WriteBar(Utf8JsonWriter json, in Bar bar)
    {
        json.WriteStartArray();
        json.WriteNumberValue((int)bar.OpenTime.TimeOfDay.TotalMinutes);
        json.WriteNumberValue(bar.Open);
        json.WriteNumberValue(bar.High);
        json.WriteNumberValue(bar.Low);
        json.WriteNumberValue(bar.Close);
        json.WriteNumberValue(bar.Volume);
        json.WriteNumberValue(bar.HasGap ? 1 : 0);
        json.WriteEndArray();
    }
}
