namespace Kis.Realtime.Tests.Source;

/// <summary>Directed edges, each with its first few reasons; cycles are the strongly connected parts of two or more.</summary>
internal sealed class DependencyGraph
{
    private readonly SortedDictionary<string, SortedSet<string>> _edges = new(StringComparer.Ordinal);
    private readonly Dictionary<(string, string), List<string>> _why = [];
    private readonly Dictionary<(string, string), int> _count = [];

    public void Add(string from, string to, string why)
    {
        (_edges.TryGetValue(from, out var set) ? set : _edges[from] = new(StringComparer.Ordinal)).Add(to);
        var reasons = _why.TryGetValue((from, to), out var list) ? list : _why[(from, to)] = [];
        if (reasons.Count < 2 && !reasons.Contains(why)) reasons.Add(why);
        _count[(from, to)] = _count.GetValueOrDefault((from, to)) + 1;
    }

    public IEnumerable<string> Targets(string from) => _edges.TryGetValue(from, out var set) ? set : [];

    public IEnumerable<string> Nodes => _edges.Keys.Concat(_edges.Values.SelectMany(s => s)).Distinct().Order(StringComparer.Ordinal);

    /// <summary>The reasons for each edge inside the cycle: how many uses, and one or two of them.</summary>
    public string Explain(IReadOnlyList<string> cycle) => string.Join("\n", cycle.SelectMany(a => cycle.Where(b => _why.ContainsKey((a, b)))
        .Select(b => $"  {Show(a)} -> {Show(b)}: {_count[(a, b)]} uses, e.g. {string.Join("; ", _why[(a, b)])}")));

    private static string Show(string node) => node.Length == 0 ? "(root)" : node;

    public List<List<string>> Cycles()
    {
        // Tarjan's strongly connected components.
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var low = new Dictionary<string, int>(StringComparer.Ordinal);
        var stack = new Stack<string>();
        var onStack = new HashSet<string>(StringComparer.Ordinal);
        var result = new List<List<string>>();
        void Visit(string v)
        {
            index[v] = low[v] = index.Count;
            stack.Push(v);
            onStack.Add(v);
            foreach (var w in Targets(v))
            {
                if (!index.TryGetValue(w, out var indexOfW))
                {
                    Visit(w);
                    low[v] = Math.Min(low[v], low[w]);
                }
                else if (onStack.Contains(w)) low[v] = Math.Min(low[v], indexOfW);
            }
            if (low[v] != index[v]) return;
            var part = new List<string>();
            string x;
            do
            {
                x = stack.Pop();
                onStack.Remove(x);
                part.Add(x);
            } while (x != v);
            if (part.Count > 1) result.Add([.. part.Order(StringComparer.Ordinal)]);
        }
        foreach (var v in Nodes.ToList()) if (!index.ContainsKey(v)) Visit(v);
        return [.. result.OrderBy(c => c[0], StringComparer.Ordinal)];
    }
}
