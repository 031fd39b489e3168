namespace Kis.Realtime.Internal;

/// <summary>
/// An account's order journal in this process's memory, for clients that name no journal folder: the lines a journal
/// file would hold, shared by every live client of the account and server in this process, so two strategies of one
/// program never claim one order number. Kept while a client of it lives; the last one disposed drops it (across
/// processes and restarts it takes a folder: <see cref="OrderJournalFile"/>). Thread-safe: one lock for the clients
/// of all accounts (joining, leaving, who lives) and one for each journal's lines.
/// </summary>
internal sealed class OrderMemoryJournal
{
    private static readonly Lock Registry = new();
    private static readonly Dictionary<string, OrderMemoryJournal> Journals = new(StringComparer.Ordinal);

    private readonly Lock _gate = new();
    private readonly List<JournalLine> _lines = [];
    private readonly HashSet<string> _owners = new(StringComparer.Ordinal);
    private readonly string _key;

    private OrderMemoryJournal(string key) => _key = key;

    /// <summary>The journal of account and server <paramref name="key"/>, joined by the client <paramref name="owner"/>.</summary>
    public static OrderMemoryJournal Join(string key, string owner)
    {
        lock (Registry)
        {
            if (!Journals.TryGetValue(key, out var journal)) Journals[key] = journal = new OrderMemoryJournal(key);
            journal._owners.Add(owner);
            return journal;
        }
    }

    /// <summary>The client <paramref name="owner"/> is gone: what it left unresolved is another live client's to adopt.</summary>
    public void Leave(string owner)
    {
        lock (Registry)
        {
            if (_owners.Remove(owner) && _owners.Count == 0) Journals.Remove(_key);
        }
    }

    /// <summary>True while the client <paramref name="owner"/> has not left.</summary>
    public bool Alive(string owner)
    {
        lock (Registry) return _owners.Contains(owner);
    }

    /// <summary>As <see cref="OrderJournalFile.UseAsync"/>: the lines after <paramref name="read"/> to <paramref name="apply"/>,
    /// then <paramref name="append"/>'s lines added; how many lines the journal holds now (the next use's <paramref name="read"/>).</summary>
    public int Use(int read, Action<JournalLine> apply, Func<IReadOnlyList<JournalLine>> append)
    {
        lock (_gate)
        {
            for (var i = read; i < _lines.Count; i++) apply(_lines[i]);
            _lines.AddRange(append());
            return _lines.Count;
        }
    }
}
