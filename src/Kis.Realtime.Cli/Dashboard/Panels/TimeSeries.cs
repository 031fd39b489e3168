using System.Text.Json;

namespace Kis.Realtime.Cli.Dashboard.Panels;

/// <summary>
/// One chart line for a whole trading day in bounded memory: points are bucketed to one per second of market time
/// (the last value in the second wins) and kept in a ring of <see cref="Capacity"/> points (more than the 23,400
/// seconds of 09:00–15:30). Not thread-safe: its panel's lock guards it.
/// </summary>
internal sealed class TimeSeries(string id, string label, int capacity = TimeSeries.DefaultCapacity)
{
    /// <summary>Seven hours of one-second points.</summary>
    public const int DefaultCapacity = 25_200;

    private readonly int[] _x = new int[capacity];
    private readonly double[] _y = new double[capacity];
    private long _count;          // points ever appended since the last reset (absolute index of the next point)
    private long _published;      // _count when the last delta or snapshot was taken
    private bool _reset = true;   // the next delta must tell the page to start over

    public string Id { get; } = id;
    public string Label { get; } = label;
    public int Capacity => _x.Length;
    public bool Changed { get; private set; }
    public int Length => (int)Math.Min(_count, _x.Length);

    /// <summary>Adds a value at <paramref name="secondOfDay"/>; a time before the last one starts a new day (the series restarts).</summary>
    public void Add(int secondOfDay, double value)
    {
        if (_count > 0)
        {
            var last = (int)((_count - 1) % _x.Length);
            if (secondOfDay == _x[last])
            {
                _y[last] = value;
                Changed = true;
                return;
            }
            if (secondOfDay < _x[last])
            {
                // Market time went back: a new trading day (or a replay restarting). Start a fresh line.
                _count = 0;
                _published = 0;
                _reset = true;
            }
        }
        var slot = (int)(_count % _x.Length);
        _x[slot] = secondOfDay;
        _y[slot] = value;
        _count++;
        Changed = true;
    }

    /// <summary>
    /// Writes the points the page does not have yet: after a reset all of them, else the last published point again
    /// (it may have been updated within its second) and every newer one.
    /// </summary>
    public void WriteDelta(Utf8JsonWriter json)
    {
        var oldest = Math.Max(0, _count - _x.Length);
        var from = _reset ? oldest : Math.Max(oldest, _published - 1);
        Write(json, _reset, from);
        _published = _count;
        _reset = false;
        Changed = false;
    }

    /// <summary>Writes every point held, for a page that just connected. Does not change what the next delta holds.</summary>
    public void WriteSnapshot(Utf8JsonWriter json) => Write(json, reset: true, Math.Max(0, _count - _x.Length));

    private void Write(Utf8JsonWriter json, bool reset, long from)
    {
        json.WriteStartObject();
        json.WriteString("id", Id);
        json.WriteString("label", Label);
        json.WriteBoolean("reset", reset);
        json.WriteStartArray("x");
        for (var i = from; i < _count; i++) json.WriteNumberValue(_x[(int)(i % _x.Length)]);
        json.WriteEndArray();
        json.WriteStartArray("y");
        for (var i = from; i < _count; i++) json.WriteNumberValue(_y[(int)(i % _x.Length)]);
        json.WriteEndArray();
        json.WriteEndObject();
    }
}
