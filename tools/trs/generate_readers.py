"""The library's notice decoders' field reads, from views.json's "readers" (see tools/trs/README.md, "Readers").

A reader entry names the TRs whose records a hand-written view decodes and, per catalog field, the member it reads
that field into and the TypedFieldReader call (`Text`, `Raw`, `Digit`, `Int64`, `Decimal`, `Time`, `Date`), or null
for a field that carries nothing (skipped). The generator writes a ref struct whose constructor reads the fields
straight through in the catalog's order (a Decimal with the catalog's implied decimals), so the order and the count
come from the catalog only. TRs whose layouts differ must each be a prefix of the longest; the fields past a shorter
layout are read only when the TR has them, and stay default (text: null) otherwise. It stops on a field with no entry, an entry
naming a field no TR has, or an unknown call.
"""
import json

TYPES = {"Text": "string", "Raw": "ReadOnlySpan<byte>", "Digit": "int", "Int64": "long", "Decimal": "decimal",
         "Time": "TimeOnly", "Date": "DateOnly?"}


class ReaderError(SystemExit):
    def __init__(self, where, message):
        super().__init__(f"views.json: {where}: {message}")


def emit_readers(spec, fields_of, implied_of, header):
    """Trs/Internal/NoticeReaders.g.cs: a ref struct per reader entry."""
    out = [header, "using System.Runtime.CompilerServices;\nusing Kis.Realtime.Protocol;\n\nnamespace Kis.Realtime.Internal;\n"]
    for rd in spec.get("readers", []):
        name, fields = rd["name"], rd["fields"]
        layouts = []
        for tr in rd["trs"]:
            names = fields_of(tr)
            if names is None: raise ReaderError(name, f"{tr} is not in the catalog")
            missing = [f for f in names if f not in fields]
            if missing: raise ReaderError(name, f"{tr} field(s) {', '.join(missing)} have no entry")
            layouts.append((tr, names))
        longest = max(layouts, key=lambda l: len(l[1]))[1]
        for tr, names in layouts:
            if longest[:len(names)] != names: raise ReaderError(name, f"{tr}'s fields are not a prefix of the longest layout")
        unused = sorted(set(fields) - set(longest) - {"doc"})
        if unused: raise ReaderError(name, f"{', '.join(unused)} is a field of none of {', '.join(rd['trs'])}")
        steps = sorted({len(names) for _, names in layouts})
        members, reads = [], []
        for i, f in enumerate(longest):
            if i and i in steps: reads.append(None)  # a shorter layout ends here
            entry = fields[f]
            if entry is None: reads.append(f"        r.Skip(); // {f}\n"); continue
            member, call = entry
            if call not in TYPES: raise ReaderError(name, f"{f}: unknown call {call!r} (one of {', '.join(TYPES)})")
            implied = {implied_of(tr, f) for tr, names in layouts if f in names}
            if len(implied) > 1: raise ReaderError(name, f"{f}: implied decimals differ between its TRs")
            arg = str(implied.pop()) if call == "Decimal" and implied != {0} else ""
            kind = TYPES[call] + ("?" if call == "Text" and i >= steps[0] else "")  # null where a shorter TR ends first
            members.append(f"    public readonly {kind} {member}; // {f}\n")
            reads.append(f"        {member} = r.{call}({arg}); // {f}\n")
        shared = ", ".join(tr for tr, _ in layouts)
        out.append("\n/// <summary>\n" + "".join(f"/// {line}\n" for line in rd["doc"])
                   + f"/// The fields of {shared} in catalog order (generated from views.json's readers).\n/// </summary>\n")
        out.append(f"internal readonly ref struct {name}\n{{\n" + "".join(members))
        multi = len(steps) > 1
        out.append(f"\n    /// <summary>Reads the record's fields{'; a TR of fewer fields leaves the rest default' if multi else ''}.</summary>\n"
                   f"    [MethodImpl(MethodImplOptions.AggressiveInlining)]\n"
                   f"    public {name}(ref TypedFieldReader r{', int fieldCount' if multi else ''})\n    {{\n")
        # Each later step is nested so a shorter TR stops reading where its layout ends.
        depth, count = 0, steps[0]
        for line in reads:
            if line is None:
                nxt = next(s for s in steps if s > count)
                out.append("    " * depth + f"        if (fieldCount < {nxt})\n" + "    " * depth + "        {\n"
                           + "    " * depth + "            return;\n" + "    " * depth + "        }\n\n")
                count = nxt
                continue
            out.append(line)
        out.append("    }\n}\n")
    return "".join(out)


def generate(spec_path, fields_of, implied_of, header):
    spec = json.load(open(spec_path, encoding="utf-8"))
    return {"Trs/Internal/NoticeReaders.g.cs": emit_readers(spec, fields_of, implied_of, header)}
