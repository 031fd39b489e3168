"""The simulator's record writers that views.json states field by field (see tools/trs/README.md, "Writers").

A writer entry of views.json's "writers" names the TRs it writes, the C# type of its values (`v`) and, per catalog
field, the statement that writes that field (into the simulator's RecordWriter `w`). The generator writes one method
per distinct TR layout, the statements in the TR's own catalog order, so the order and the count of the fields come
from the catalog only; it stops when a field of a TR has no statement, or a statement names a field no TR has.
"views_models" lists the typed views whose properties the simulator's market models write by property (an enum each).
"cli_aliases" gives kisrt's friendly TR names (Cli/SubscriptionAliases.g.cs); every catalog TR has one or is by_id_only.
"""
import json


class WriterError(SystemExit):
    def __init__(self, where, message):
        super().__init__(f"views.json: {where}: {message}")


def emit_writers(spec, fields_of, header, paper_of):
    """Simulator/RecordWriters.g.cs: a static partial class per writer entry, a method and a field count per layout."""
    out = [header, "namespace Kis.Realtime.Simulator.Market;\n"]
    for wr in spec.get("writers", []):
        name, fields = wr["name"], wr["fields"]
        layouts, used = [], set()
        for tr in wr["trs"]:
            names = fields_of(tr)
            if names is None: raise WriterError(name, f"{tr} is not in the catalog")
            missing = [f for f in names if f not in fields]
            if missing: raise WriterError(name, f"{tr} field(s) {', '.join(missing)} have no statement")
            used.update(names)
            same = next((l for l in layouts if l[1] == names), None)
            if same: same[2].append(tr)
            else: layouts.append((tr, names, [tr]))
        unused = sorted(set(fields) - used - {"doc"})
        if unused: raise WriterError(name, f"{', '.join(unused)} is a field of none of {', '.join(wr['trs'])}")
        out.append("\n/// <summary>\n" + "".join(f"/// {line}\n" for line in wr["doc"]) + "/// </summary>\n")
        ids = [i for t in wr["trs"] for i in ([t, paper_of[t]] if t in paper_of else [t])]  # with their paper ids
        out.append(f"internal static class {name}\n{{\n"
                   f"    /// <summary>Whether this writer writes <paramref name=\"trId\"/>'s records (views.json's trs): the TRs the simulator models.</summary>\n"
                   f"    public static bool Writes(string trId) => trId is {' or '.join(chr(34) + t + chr(34) for t in ids)};\n\n")
        for i, (tr, names, trs) in enumerate(layouts):
            if i: out.append("\n")
            shared = ", ".join(trs)
            out.append(f"    /// <summary>The number of fields of {shared}.</summary>\n"
                       f"    public const int {tr}Fields = {len(names)};\n\n"
                       f"    /// <summary>One {shared} record, its {len(names)} fields in catalog order.</summary>\n"
                       f"    public static void {tr}(ref RecordWriter w, in {wr['values']} v)\n    {{\n")
            out += [f"        {fields[f]}; // {f}\n" for f in names]
            out.append("    }\n")
        out.append("}\n")
    return "".join(out)


def emit_model_enums(spec, header):
    """Simulator/ViewProperties.g.cs: per view in views_models, an enum of its properties (None first)."""
    views = {v["name"]: v for v in spec["views"]}
    out = [header, "namespace Kis.Realtime.Simulator.Market;\n"]
    for name in spec.get("views_models", []):
        if name not in views: raise WriterError("views_models", f"{name} is not a view")
        props = [p["name"] for p in views[name]["properties"]]
        out.append(f"\n/// <summary>The properties of {name} (views.json), for the simulator's model of its TRs; None: a field no property reads.</summary>\n"
                   f"internal enum {name}Property : byte\n{{\n    None,\n")
        line = ""
        for p in props:
            item = f"{p},"
            if line and len(line) + len(item) > 110: out.append(f"    {line}\n"); line = ""
            line += (" " if line else "") + item
        out.append(f"    {line}\n}}\n")
    return "".join(out)


def wrap(items, width=112):
    """Items joined by spaces into lines of at most about width characters."""
    lines, line = [], ""
    for item in items:
        if line and len(line) + len(item) > width: lines.append(line); line = ""
        line += (" " if line else "") + item
    return lines + [line]


def emit_cli_aliases(spec, catalog_ids, header):
    """Cli/SubscriptionAliases.g.cs: kisrt's alias table, in help order; stops on a catalog TR with no decision."""
    aliases, by_id = spec["cli_aliases"]["aliases"], spec["cli_aliases"]["by_id_only"]
    named = {tr for _, tr in aliases}
    for tr in sorted(named | set(by_id)):
        if tr not in catalog_ids: raise WriterError("cli_aliases", f"{tr} is not in the catalog")
    both = sorted(named & set(by_id))
    if both: raise WriterError("cli_aliases", f"{', '.join(both)} has aliases and is by_id_only")
    undecided = [tr for tr in catalog_ids if tr not in named and tr not in by_id]
    if undecided: raise WriterError("cli_aliases", f"{', '.join(undecided)} has no alias: add one, or list it in by_id_only")
    seen = set()
    for alias, _ in aliases:
        if alias in seen: raise WriterError("cli_aliases", f"alias {alias!r} twice")
        seen.add(alias)
    lines = wrap([f"({json.dumps(alias)}, KisTrs.{tr})," for alias, tr in aliases])
    return (header + "using Kis.Realtime.Protocol;\n\nnamespace Kis.Realtime.Cli.Configuration;\n\n"
            "internal sealed partial record SubscriptionSpec\n{\n"
            "    /// <summary>\n" + "".join(f"    /// {d}\n" for d in spec["cli_aliases"]["doc"])
            + "    /// (A method, not a field: SubscriptionSpec.cs's static fields read it, and static initializers across\n"
            "    /// partial files run in no defined order.)\n    /// </summary>\n"
            "    private static (string Alias, TrDefinition Tr)[] CreateAliasTable() =>\n    [\n"
            + "".join(f"        {l}\n" for l in lines) + "    ];\n\n"
            "    /// <summary>The catalog TRs kisrt names by their id only (tools/trs/views.json's cli_aliases.by_id_only).</summary>\n"
            "    public static IReadOnlyList<TrDefinition> ByIdOnly { get; } =\n    [\n"
            + "".join(f"        {l}\n" for l in wrap([f"KisTrs.{tr}," for tr in by_id])) + "    ];\n}\n")


def generate(spec_path, fields_of, header, catalog_ids, paper_of=None):
    spec = json.load(open(spec_path, encoding="utf-8"))
    return {"Simulator/RecordWriters.g.cs": emit_writers(spec, fields_of, header, paper_of or {}),
            "Simulator/ViewProperties.g.cs": emit_model_enums(spec, header),
            "Cli/SubscriptionAliases.g.cs": emit_cli_aliases(spec, catalog_ids, header)}
