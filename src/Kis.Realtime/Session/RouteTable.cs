using Kis.Realtime.Protocol;

namespace Kis.Realtime.Session;

/// <summary>
/// An immutable snapshot of where records go, rebuilt by <see cref="TrKeyRegistrationTable"/> on every change and read by
/// the receive loop without a lock. Data frames carry no tr_key: market data is routed by each record's first field
/// (the key); a TR keyed by HTS ID (notices) sends every record to its registration, because the first field is
/// cust_id, which nothing guarantees to equal the HTS ID (docs/kis-protocol.md §5).
/// </summary>
internal sealed class RouteTable
{
    public static readonly RouteTable Empty = new(new Dictionary<TrId, TrRoutes>());

    private readonly Dictionary<TrId, TrRoutes> _byTr;

    private RouteTable(Dictionary<TrId, TrRoutes> byTr) => _byTr = byTr;

    public bool TryGet(TrId trId, out TrRoutes routes) => _byTr.TryGetValue(trId, out routes!);

    public static RouteTable Build(IEnumerable<TrKeyRegistration> wanted, IEnumerable<TrKeyRegistration> releasing)
    {
        var byTr = new Dictionary<TrId, TrRoutes>();
        // Releasing registrations still route (to no consumer): records of a key just left are not "unrouted".
        foreach (var r in releasing.Concat(wanted))
        {
            if (!byTr.TryGetValue(r.Tr.TrId, out var routes))
                byTr[r.Tr.TrId] = routes = new TrRoutes(RegistrationKeys.For(r.Tr), RegistrationKeys.IsHtsIdKeyed(r.Tr), keyless: r.Tr.KeyField < 0);
            routes.Add(r);
        }
        return new RouteTable(byTr);
    }
}

/// <summary>The registrations of one TR.</summary>
internal sealed class TrRoutes
{
    private readonly Dictionary<string, TrKeyRegistration> _byKey;
    private readonly bool _allToOne;
    private readonly bool _keyless;
    private TrKeyRegistration? _fallback;

    /// <param name="comparer">How keys compare.</param>
    /// <param name="htsIdKeyed">Records lead with cust_id, not the key: a record whose first field matches no key goes to the TR's registration.</param>
    /// <param name="keyless">Records carry no key at all (H0UNMKO0): they go to the TR's registration when there is exactly one;
    /// with several they cannot be told apart and are counted as unrouted rather than given to the wrong consumer.</param>
    public TrRoutes(StringComparer comparer, bool htsIdKeyed, bool keyless)
    {
        _byKey = new Dictionary<string, TrKeyRegistration>(comparer);
        _allToOne = htsIdKeyed;
        _keyless = keyless;
        _lookup = _byKey.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    // Looks keys up by the record's bytes widened to chars, without a string per record.
    private readonly Dictionary<string, TrKeyRegistration>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    /// <summary>For HTS-ID-keyed TRs: the registration that takes records whose first field matches no key.</summary>
    public TrKeyRegistration? Fallback => _fallback;

    internal void Add(TrKeyRegistration registration)
    {
        // A wanted registration wins over one being released for the same key (wanted ones are added last).
        _byKey[registration.Key] = registration;
        if (_allToOne && (_fallback is null || registration.State != TrKeyRegistrationState.Releasing)) _fallback = registration;
    }

    /// <summary>Finds the registration of a record by its first field (ASCII key bytes).</summary>
    public TrKeyRegistration? Find(ReadOnlySpan<byte> keyBytes)
    {
        if (_keyless)
        {
            if (_byKey.Count != 1) return null;
            foreach (var only in _byKey.Values) return only;
        }
        if (keyBytes.Length <= 32)
        {
            Span<char> chars = stackalloc char[keyBytes.Length];
            for (var i = 0; i < keyBytes.Length; i++) chars[i] = (char)keyBytes[i];
            if (_lookup.TryGetValue(chars, out var registration)) return registration;
        }
        return _fallback;
    }
}
