"""The order books' layouts (views.json "books", see tools/trs/README.md, "Books") -> Simulator/Market/BookFields.g.cs,
and the TRs the simulator sends outside their market's hours (views.json "simulator_hours") -> TradingHours.g.cs.

A layout names its TRs and, by role (StockOrderBook's and DerivativesOrderBook's property names), the fields of each
level (a name with {n}: askp{n} is askp1 ... askpN, 1 = the touch), the totals (a field and the level role it sums) and
other fields. The generator expands the levels against each TR's catalog fields and writes, per TR, each field's role,
level and, for a total, the fields it sums: what the simulator's book model (StockBookStream) and its field roles
(FieldRoles) read instead of rules on KIS's field names. It stops on a TR not in the catalog or in two layouts, a level
role no field of a TR matches or with a gap, a field a TR lacks or claimed twice, a type that does not fit the role,
and a total of fewer than two levels.
"""
from generate_writers import WriterError, wrap

MAX_LEVEL = 99


def _levels(tr, pattern, names, where):
    """The fields of a level pattern in one TR, level by level from 1; stops on none or on a gap."""
    found = {}
    for n in range(1, MAX_LEVEL + 1):
        name = pattern.replace("{n}", str(n))
        if name in names: found[n] = name
    if not found: raise WriterError(where, f"{tr} has no field {pattern}")
    if sorted(found) != list(range(1, len(found) + 1)):
        raise WriterError(where, f"{tr}'s {pattern} levels have a gap: {sorted(found)}")
    return found


def _table(tr, layout, names, field_type, sim_roles):
    """field name -> (role, level, simulator role or None, summed fields or None) for one TR, in catalog order."""
    where, table = f"books {layout['name']}", {}

    def claim(name, entry):
        if name not in names: raise WriterError(where, f"{tr} has no field {name}")
        if name in table: raise WriterError(where, f"{tr}'s {name} is claimed twice")
        table[name] = entry

    by_role = {}
    for role, pattern in layout["levels"].items():
        sim = sim_roles.get(role)
        want = "Decimal" if sim in ("AskLevel", "BidLevel") else "Integer"
        by_role[role] = []
        for level, name in _levels(tr, pattern, names, where).items():
            if field_type(tr, name) != want: raise WriterError(where, f"{tr}'s {name} is {field_type(tr, name)}, {role} needs {want}")
            claim(name, (role, level, sim, None))
            by_role[role].append(name)
    for role, total in layout.get("totals", {}).items():
        sums = by_role.get(total["sums"])
        if sums is None: raise WriterError(where, f"{role} sums {total['sums']}, which is not a level role of the layout")
        if len(sums) < 2: raise WriterError(where, f"{tr}'s {role} sums one level: not a total")
        if field_type(tr, total["field"]) != "Integer": raise WriterError(where, f"{tr}'s {total['field']} is not an integer")
        claim(total["field"], (role, 0, None, [n for n in names if n in sums]))
    for role, name in layout.get("fields", {}).items():
        if role in layout.get("optional", []) and name not in names: continue  # a field some TRs of the layout lack
        claim(name, (role, 0, None, None))
    return {n: table[n] for n in names if n in table}


def emit_books(spec, fields_of, field_type, header):
    books = spec["books"]
    sim_roles = books["roles"]
    roles, tables, by_tr = [], [], {}
    for layout in books["layouts"]:
        for part in ("levels", "totals", "fields"):
            for role in layout.get(part, {}):
                if role not in roles: roles.append(role)
        for tr in layout["trs"]:
            names = fields_of(tr)
            if names is None: raise WriterError(f"books {layout['name']}", f"{tr} is not in the catalog")
            if tr in by_tr: raise WriterError(f"books {layout['name']}", f"{tr} is in two layouts")
            table = _table(tr, layout, names, field_type, sim_roles)
            same = next((i for i, t in enumerate(tables) if t[1] == table), None)
            if same is None:
                tables.append((tr, table, layout["name"], [tr]))
                same = len(tables) - 1
            else:
                tables[same][3].append(tr)
            by_tr[tr] = same
    unknown = sorted(set(sim_roles) - set(roles))
    if unknown: raise WriterError("books roles", f"{', '.join(unknown)} is no layout's role")

    out = [header, "namespace Kis.Realtime.Simulator.Market;\n\n",
           "/// <summary>What a field of an order book carries (tools/trs/views.json's books: the order-book views' property names).</summary>\n",
           "internal enum BookRole : byte\n{\n    None,\n"]
    out += [f"    {line}\n" for line in wrap([f"{r}," for r in roles])]
    out.append("}\n\n")
    out.append("/// <summary>\n"
               "/// One field of a book: its <paramref name=\"Role\"/>, its <paramref name=\"Level\"/> (1 = the touch; 0 outside the levels),\n"
               "/// the simulator's <see cref=\"FieldRole\"/> for a level role (views.json's books.roles; null: KIS's name says) and, for\n"
               "/// a total, the fields it <paramref name=\"Sums\"/>.\n"
               "/// </summary>\n"
               "internal readonly record struct BookField(BookRole Role, int Level, FieldRole? SimulatorRole, string[]? Sums);\n\n")
    out.append("/// <summary>\n"
               "/// The fields of each order book (and the touch of a TR no view reads), from tools/trs/views.json's books and the\n"
               "/// catalog: the book layouts stated once; the simulator's book model and field roles read them, not KIS's names.\n"
               "/// </summary>\n"
               "internal static class BookFields\n{\n"
               "    /// <summary>The book fields of <paramref name=\"trId\"/> by name; null for a TR with no book layout.</summary>\n"
               "    public static IReadOnlyDictionary<string, BookField>? Of(string trId) => ByTr.TryGetValue(trId, out var fields) ? fields : null;\n")
    for i, (tr, table, name, trs) in enumerate(tables):
        out.append(f"\n    /// <summary>{name}: {', '.join(trs)}.</summary>\n"
                   f"    private static readonly Dictionary<string, BookField> Layout{i} = new(StringComparer.Ordinal)\n    {{\n")
        items = []
        for field, (role, level, sim, sums) in table.items():
            s = "[" + ", ".join(f'"{m}"' for m in sums) + "]" if sums else "null"
            items.append(f'["{field}"] = new(BookRole.{role}, {level}, {"FieldRole." + sim if sim else "null"}, {s}),')
        for item in items:
            out.append(f"        {item}\n")
        out.append("    };\n")
    out.append("\n    // After the layouts: static fields initialize in textual order.\n"
               "    private static readonly Dictionary<string, IReadOnlyDictionary<string, BookField>> ByTr = new(StringComparer.Ordinal)\n    {\n")
    out += [f"        {line}\n" for line in wrap([f'["{tr}"] = Layout{i},' for tr, i in by_tr.items()])]
    out.append("    };\n}\n")
    return "".join(out)


def generate(spec, fields_of, field_type, header, catalog_ids):
    return {"Simulator/BookFields.g.cs": emit_books(spec, fields_of, field_type, header),
            "Simulator/TradingHours.g.cs": emit_hours(spec, catalog_ids, header),
            "Trs/Internal/BookReaders.g.cs": emit_readers(spec, fields_of, field_type, header)}


def emit_hours(spec, catalog_ids, header):
    """Simulator/TradingHours.g.cs: the TRs views.json's simulator_hours sends in other hours than their market's."""
    hours = spec["simulator_hours"]
    seen, arms = {}, []
    for name, trs in hours.items():
        if name == "doc": continue
        for tr in trs:
            if tr not in catalog_ids: raise WriterError("simulator_hours", f"{tr} is not in the catalog")
            if tr in seen: raise WriterError("simulator_hours", f"{tr} is in {seen[tr]} and {name}")
            seen[tr] = name
        arms.append(f"            {' or '.join(chr(34) + t + chr(34) for t in trs)} => {name},\n")
    return (header + "namespace Kis.Realtime.Simulator.Market;\n\n"
            "internal sealed partial class TradingHours\n{\n    /// <summary>\n"
            + "".join(f"    /// {d}\n" for d in hours["doc"])
            + "    /// Null: the TR's market's hours.\n    /// </summary>\n"
            "    private static TradingHours? SessionOf(string trId)\n        => trId switch\n        {\n"
            + "".join(arms) + "            _ => null,\n        };\n}\n")


# ---- the library's book readers (a layout's "reader") ----------------------------------------------------------------

def _reader_tokens(tr, layout, names, field_type, sim_roles):
    """(role, level, field) for every field of one TR in catalog order; stops on a field no role of the layout reads."""
    table = _table(tr, layout, names, field_type, sim_roles)
    unread = [n for n in names if n not in table]
    if unread:
        raise WriterError(f"books {layout['name']}", f"{tr}'s {', '.join(unread)} have no role: reader {layout['reader']} reads every field")
    return [(table[n][0], table[n][1], n) for n in names]


def _steps(tokens):
    """The reads of one layout: a non-level field alone, or a loop over levels where a block of roles repeats level by level."""
    steps, i = [], 0
    while i < len(tokens):
        role, level, name = tokens[i]
        if level == 0:
            steps.append(("one", role, name))
            i += 1
            continue
        k = 1  # the block: the consecutive fields of this level
        while i + k < len(tokens) and tokens[i + k][1] == level: k += 1
        block = [t[0] for t in tokens[i:i + k]]
        m = 1
        while (i + (m + 1) * k <= len(tokens)
               and [t[0] for t in tokens[i + m * k:i + (m + 1) * k]] == block
               and all(t[1] == level + m for t in tokens[i + m * k:i + (m + 1) * k])):
            m += 1
        steps.append(("loop", block, level - 1, m, tokens[i][2], tokens[i + m * k - 1][2]))
        i += m * k
    return steps


def _method(name, depth, steps, constraint):
    out = [f"    private static void {name}<T>(ref T f)\n        {constraint}\n    {{\n",
           f"        f.Depth({depth});\n"]
    for s in steps:
        if s[0] == "one":
            out.append(f"        f.{s[1]}(); // {s[2]}\n")
            continue
        _, block, first, count, a, b = s
        if count == 1:
            out += [f"        f.{role}({first}); // {a if j == 0 else '…'}\n" for j, role in enumerate(block)]
            continue
        body = " ".join(f"f.{role}(i);" for role in block)
        loop = f"for (var i = {first}; i < {first + count}; i++)"
        if len(block) == 1: out.append(f"        {loop} {body} // {a}..{b}\n")
        else: out.append(f"        {loop} // {a}..{b}\n        {{\n" + "".join(f"            f.{role}(i);\n" for role in block) + "        }\n")
    out.append("    }\n")
    return out


def emit_readers(spec, fields_of, field_type, header):
    """Trs/Internal/BookReaders.g.cs: per reader, the interface of its roles and its layouts' read sequences by TR id."""
    books = spec["books"]
    readers = {}
    for layout in books["layouts"]:
        if "reader" not in layout: continue
        entry = readers.setdefault(layout["reader"], {"roles": [], "layouts": [], "by_tr": {}})
        for tr in layout["trs"]:
            tokens = _reader_tokens(tr, layout, fields_of(tr), field_type, books["roles"])
            for role, level, _ in tokens:
                if (role, level > 0) not in entry["roles"]: entry["roles"].append((role, level > 0))
            depth = max((lv for _, lv, _ in tokens), default=0)
            steps = _steps(tokens)
            same = next((i for i, l in enumerate(entry["layouts"]) if l[1] == steps and l[0] == depth), None)
            if same is None:
                entry["layouts"].append((depth, steps, tr, [tr]))
                same = len(entry["layouts"]) - 1
            else:
                entry["layouts"][same][3].append(tr)
            entry["by_tr"][tr] = same
    out = [header, "using System.Runtime.CompilerServices;\n\nnamespace Kis.Realtime.Internal;\n"]
    for view, entry in readers.items():
        clash = sorted({r for r, lv in entry["roles"] if (r, not lv) in entry["roles"]})
        if clash: raise WriterError(f"books reader {view}", f"{', '.join(clash)} is a level role in one layout and a field in another")
        fields = f"I{view}Fields"
        constraint = f"where T : {fields}, allows ref struct"
        out.append(f"\n/// <summary>\n/// What {view}'s reader ({view}Layouts) hands each field of a record to, by its role in views.json's books:\n"
                   "/// the sink reads the field from its own reader (its type, or a skip); the order and the count are the layout's.\n/// </summary>\n"
                   f"internal interface {fields}\n{{\n    /// <summary>The levels a side of this layout has.</summary>\n    void Depth(int levels);\n")
        for role, level in entry["roles"]:
            out.append(f"    void {role}({'int level' if level else ''});\n")
        out.append("}\n")
        out.append(f"\n/// <summary>{view}'s layouts by TR id (views.json's books, the catalog's field order): one read sequence a TR.</summary>\n"
                   f"internal static class {view}Layouts\n{{\n"
                   f"    /// <summary>Reads a record of <paramref name=\"trId\"/> through <paramref name=\"f\"/>; false, nothing read, for a TR with no layout.</summary>\n"
                   "    [MethodImpl(MethodImplOptions.AggressiveInlining)]\n"
                   f"    public static bool Read<T>(string trId, ref T f)\n        {constraint}\n    {{\n"
                   "        switch (trId)\n        {\n")
        for depth, steps, first, trs in entry["layouts"]:
            out.append("".join(f"            case \"{t}\":\n" for t in trs) + f"                {first}(ref f);\n                return true;\n")
        out.append("            default:\n                return false;\n        }\n    }\n")
        for depth, steps, first, trs in entry["layouts"]:
            out.append(f"\n    /// <summary>{', '.join(trs)}.</summary>\n")
            out += _method(first, depth, steps, constraint)
        out.append("}\n")
    return "".join(out)
