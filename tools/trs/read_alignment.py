"""One read sequence for the TR layouts of a typed view (imported by generate_views.py; tools/trs/README.md,
"One read sequence a view").

A view whose TRs order their fields differently, or lack some, used to get one `case` of reads per layout. Here the
layouts' read lists are aligned into one sequence of steps, each read by a set of layouts: a step every layout reads is
a plain line, the others run under a test of the layout number (`layout == 1`, `layout != 1`, `layout is 0 or 2`). A
read is (property or None for a skipped field, implied decimals); two layouts share a step only where they read the
same thing, so each layout, following its tests, reads exactly its own fields in its own order (checked below).
"""


def align(view, groups):
    """The layouts' read lists as one sequence of steps: [(property or None, implied, layouts, field names)], each
    layout's reads a subsequence of it, in its order (progressive longest-common-subsequence alignment). A step read by
    every layout is read unconditionally; the others are read only by the layouts in their set."""
    steps = [(p, implied, {0}, list(names)) for p, implied, names in groups[0][1]]
    for k, (_, reads) in enumerate(groups[1:], 1):
        a, b = [st[:2] for st in steps], [r[:2] for r in reads]
        lcs = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
        for i in range(len(a) - 1, -1, -1):
            for j in range(len(b) - 1, -1, -1):
                lcs[i][j] = lcs[i + 1][j + 1] + 1 if a[i] == b[j] else max(lcs[i + 1][j], lcs[i][j + 1])
        merged, i, j = [], 0, 0
        while i < len(a) or j < len(b):
            if i < len(a) and j < len(b) and a[i] == b[j] and lcs[i][j] == lcs[i + 1][j + 1] + 1:
                p, implied, layouts_, names = steps[i]
                merged.append((p, implied, layouts_ | {k}, list(dict.fromkeys(names + reads[j][2]))))
                i, j = i + 1, j + 1
            elif j == len(b) or (i < len(a) and lcs[i + 1][j] >= lcs[i][j + 1]):
                merged.append(steps[i])
                i += 1
            else:
                merged.append((reads[j][0], reads[j][1], {k}, list(reads[j][2])))
                j += 1
        steps = merged
    for k, (trs, reads) in enumerate(groups):  # each layout reads exactly its own fields, in order
        if [st[:2] for st in steps if k in st[2]] != [r[:2] for r in reads]:
            raise SystemExit(f"views spec: {view}: internal: the aligned reads differ from {trs[0]}'s layout")
    return steps


def layout_test(layouts_, count):
    """The C# test that the current layout is one of layouts_ (numbers 0 … count-1)."""
    if len(layouts_) == 1: return f"layout == {next(iter(layouts_))}"
    rest = set(range(count)) - set(layouts_)
    if len(rest) == 1: return f"layout != {next(iter(rest))}"
    return "layout is " + " or ".join(map(str, sorted(layouts_)))


def aligned_lines(steps, count, body, indent):
    """The steps as C#: a run of steps every layout reads as plain lines, a run some layouts read under one test of
    the layout, consecutive runs for disjoint sets of layouts as if / else if / else. body(steps, indent) -> lines."""
    runs = []  # (layouts, steps)
    for st in steps:
        if runs and runs[-1][0] == st[2]: runs[-1][1].append(st)
        else: runs.append((st[2], [st]))
    everyone = set(range(count))
    lines, i = [], 0
    while i < len(runs):
        layouts_, part = runs[i]
        if layouts_ == everyone:
            lines += body(part, indent)
            i += 1
            continue
        chain, seen = [runs[i]], set(layouts_)
        while i + len(chain) < len(runs) and runs[i + len(chain)][0] != everyone and not runs[i + len(chain)][0] & seen:
            seen |= runs[i + len(chain)][0]
            chain.append(runs[i + len(chain)])
        for n, (layouts_, part) in enumerate(chain):
            last_else = n == len(chain) - 1 and n > 0 and seen == everyone
            head = "else" if last_else else ("else if" if n else "if") + f" ({layout_test(layouts_, count)})"
            if len(part) == 1:
                lines.append(f"{indent}{head} {body(part, '').pop()}")
            else:
                lines += [f"{indent}{head}\n", f"{indent}{{\n"] + body(part, indent + "    ") + [f"{indent}}}\n"]
        i += len(chain)
    return lines
