using System.Collections.Concurrent;

namespace Kis.Realtime.Simulator.Hosting;

/// <summary>Issued approval keys and the app key each belongs to. Keys expire after the configured lifetime or on demand.</summary>
internal sealed class ApprovalKeyStore(TimeProvider time, TimeSpan lifetime)
{
    private sealed record Entry(SimulatorCredential Credential, DateTimeOffset IssuedAt);

    private readonly ConcurrentDictionary<string, Entry> _keys = new(StringComparer.Ordinal);

    public string Issue(SimulatorCredential credential)
    {
        var now = time.GetUtcNow();
        // Expired keys that were never presented again would otherwise stay forever (a long-running simulator with
        // clients reissuing daily): drop them here. O(keys), and keys are few.
        foreach (var (k, e) in _keys)
            if (now - e.IssuedAt >= lifetime) _keys.TryRemove(new KeyValuePair<string, Entry>(k, e));
        // UUID-like, as KIS's keys look; random (not seeded): keys are not part of the market data.
        var key = Guid.NewGuid().ToString("D");
        _keys[key] = new Entry(credential, now);
        return key;
    }

    public bool TryValidate(string? approvalKey, out SimulatorCredential credential)
    {
        credential = null!;
        if (approvalKey is null || !_keys.TryGetValue(approvalKey, out var entry)) return false;
        if (time.GetUtcNow() - entry.IssuedAt >= lifetime)
        {
            _keys.TryRemove(approvalKey, out _);
            return false;
        }
        credential = entry.Credential;
        return true;
    }

    /// <summary>Forgets every key: the next subscribe with any of them gets OPSP0011. Returns how many were dropped.</summary>
    public int ExpireAll()
    {
        var n = _keys.Count;
        _keys.Clear();
        return n;
    }

    public int Count => _keys.Count;
}
