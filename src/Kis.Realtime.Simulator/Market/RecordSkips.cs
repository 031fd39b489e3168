using System.Text;
using Kis.Realtime.Simulator.Metrics;

namespace Kis.Realtime.Simulator.Market;

/// <summary>
/// The skip fault's rules and log: per (TR, key) either the next N records or each record with a probability from a
/// seeded generator (the same seed and request sequence skip the same records). One lock; the instruments call
/// <see cref="TrySkip"/> under their own lock (instrument → skips, never the other way round).
/// </summary>
internal sealed class RecordSkips(SimulatorTally counters)
{
    /// <summary>At most this many skipped records are kept for <see cref="Skipped"/> (every skip is counted regardless).</summary>
    public const int MaxKept = 100_000;

    private sealed class Rule(int remaining, double probability, Random? random)
    {
        public int Remaining = remaining;
        public readonly double Probability = probability;
        public readonly Random? Random = random;
    }

    private readonly Lock _gate = new();
    private readonly Dictionary<(string TrId, string Key), Rule> _rules = [];
    private readonly List<SkippedRecord> _skipped = [];
    private volatile bool _active;

    /// <summary>True while any rule is set (the instruments' fast path: no lock when false).</summary>
    public bool Active => _active;

    public void SkipNext(string trId, string key, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        Set(trId, key, new Rule(count, 0, null));
    }

    public void SkipWithProbability(string trId, string key, double probability, int seed)
    {
        if (!(probability is > 0 and <= 1)) throw new ArgumentOutOfRangeException(nameof(probability), probability, "A probability in (0, 1].");
        Set(trId, key, new Rule(0, probability, new Random(seed)));
    }

    /// <summary>Removes every rule (the log stays).</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _rules.Clear();
            _active = false;
        }
    }

    private void Set(string trId, string key, Rule rule)
    {
        ArgumentException.ThrowIfNullOrEmpty(trId);
        ArgumentException.ThrowIfNullOrEmpty(key);
        lock (_gate)
        {
            _rules[(trId, key)] = rule;
            _active = true;
        }
    }

    /// <summary>True when the record just generated must be withheld; it is then logged.</summary>
    public bool TrySkip(string trId, string key, long sequence, DateTime marketTime, ReadOnlySpan<byte> record)
    {
        lock (_gate)
        {
            if (!_rules.TryGetValue((trId, key), out var rule)) return false;
            if (rule.Random is { } random)
            {
                if (random.NextDouble() >= rule.Probability) return false;
            }
            else if (--rule.Remaining <= 0)
            {
                _rules.Remove((trId, key));
                _active = _rules.Count > 0;
            }
            Interlocked.Increment(ref counters._recordsSkipped);
            if (_skipped.Count < MaxKept) _skipped.Add(new SkippedRecord(trId, key, sequence, marketTime, Encoding.UTF8.GetString(record)));
            return true;
        }
    }

    public IReadOnlyList<SkippedRecord> Skipped
    {
        get
        {
            lock (_gate) return [.. _skipped];
        }
    }
}
