#!/usr/bin/env python3
"""Generates the TR field tables (src/Kis.Realtime/Trs/Catalog/*.g.cs) from KIS's catalog.

Usage: python3 tools/trs/generate_trs.py [path/to/kis-catalog.json [output-folder [path/to/views.json]]]
       (default: docs/kis-catalog.json in this repository; provenance in docs/kis-catalog.md; the typed views and the
       gap-detection table come from tools/trs/views.json, see generate_views.py and tools/trs/README.md)

The catalog lists every real-time TR as read from KIS's own repository: ids, names, tr_key meaning, encryption,
the ordered field names and KIS's Korean label for each. This script adds what the catalog leaves open, in one
reviewable place:
  * a type for every field (FIELD_TYPE_RULES, then OVERRIDES), following KIS's naming: *_hour HHMMSS time,
    *_date YYYYMMDD date, *_sign / *_cls_code / *_yn codes, prices and rates decimal, volumes, counts and KRW
    amounts 64-bit integers. Where a label leaves the type open the reading that cannot lose information wins
    (decimal over integer, text over time/date) and the choice is listed in DOCUMENTED_CHOICES;
  * the resolution of each disagreement the catalog records (RESOLUTIONS);
  * the key format and an example key per TR (KEY_FORMATS).
Output is deterministic; the generated files are checked in. Adding a TR: add it to the catalog (or to EXTRA_TRS
below), run this script, add a line to KisTrs' catalog order if it needs a friendly name, rebuild.
"""
import json, os, re, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import generate_views
import generate_writers
import generate_books
import generate_readers

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "src", "Kis.Realtime", "Trs", "Catalog")
# Where the typed views (tools/trs/views.json) and the gap table go, relative to src/Kis.Realtime (or to the output
# folder given on the command line).
VIEW_OUT = os.path.join(ROOT, "src", "Kis.Realtime")
# The simulator's table of the fields the views read (its field roles), relative to src/Kis.Realtime.Simulator/Market
# (or Simulator/ in the output folder given on the command line).
SIM_OUT = os.path.join(ROOT, "src", "Kis.Realtime.Simulator", "Market")
# kisrt's alias table (views.json's cli_aliases), relative to src/Kis.Realtime.Cli/Configuration (or Cli/ in the output folder).
CLI_OUT = os.path.join(ROOT, "src", "Kis.Realtime.Cli", "Configuration")
SPEC = os.path.join(ROOT, "tools", "trs", "views.json")

# ---- disagreements resolved as the catalog's notes advise -------------------------------------------------------
RESOLUTIONS = {
    # Field renames (typos in KIS's portal spec; its examples use the regular names).
    ("H0BJASP0", "askp_rsqn52"): "askp_rsqn5",
    ("H0BJASP0", "bidp_rsqn53"): "bidp_rsqn5",
}
# Labels the catalog lacks (taken from the same field in sibling TRs or from KIS's legacy samples) or has wrong.
LABELS = {
    "rsym": "실시간종목코드",
    "user_id": "유저ID",
    ("H0GSCNI0", "cntg_unpr"): "체결단가",
    ("H0GSCNI0", "cntg_unpr12"): "체결단가12",
    ("H0STCNI0", "cntg_isnm40"): "체결종목명40",
    ("H0BJASP0", "askp_rsqn5"): "매도호가잔량5",
    ("H0BJASP0", "bidp_rsqn5"): "매수호가잔량5",
}
DOCUMENTED_CHOICES = [
    "Overseas stock TRs (HDFSCNT0, HDFSASP0, HDFSASP1) start with RSYM, as KIS's portal spec, legacy samples and python-kis do; its newest samples omit it.",
    "H0STNAV0 has the 8 payload fields; the rt_cd/msg_cd/output1/msg1 names in KIS's function list are REST envelope names.",
    "HDFFF1C0/HDFFF2C0 start with user_id (33 fields), as KIS's legacy samples do; unverified against a live message.",
    "H0BJASP0's 5th-level quantities are askp_rsqn5/bidp_rsqn5 (the portal's ASKP_RSQN52/BIDP_RSQN53 are typos).",
    "H0EWCNT0 uses the 63-field function list; chk_elw_ccnl.py's 68 names are treated as wrong (catalog note).",
    "H0STOAA0 has 9 price levels (54 fields), H0STMKO0/H0NXMKO0 11 fields (trailing exch_cls_code), H0UNMKO0 10 (no stock code).",
    "vi_stnd_prc is a price (decimal) in the trade TRs but text in H0NXANC0/H0UNANC0, where KIS labels it 'VI 상태값' (VI status).",
    "Futures/options notice prices (H0IFCNI0/9, H0MFCNI0, H0EUCNI0 cntg_unpr, order_prc) carry 2 implied decimals, from KIS's one decrypted example (007840000 = 78,400.00). Stock and overseas notice prices are read as written (no example shows implied decimals).",
    "Overseas amounts (tamt, fm_ccld_amt, trst_fee) are in the trading currency, so decimal, not KRW integers.",
    "Times not named *_hour/xhms/khms (mrkt_open_time, recv_time, start_tm, *_dtime) are text: KIS does not document their format.",
    "A date field may be empty or 00000000 where it does not apply (crdt_loan_date, debt_date): typed views read both as no date.",
]

# ---- field types --------------------------------------------------------------------------------------------------
T, C, TM, D, DEC, INT = "Text", "Code", "Time", "Date", "Decimal", "Integer"

OVERRIDES = {
    # by field name (all TRs)
    "rsym": T, "symb": T, "series": T, "series_cd": T, "zdiv": INT,
    "tymd": D, "xymd": D, "kymd": D, "xhms": TM, "khms": TM,
    "sign": C, "mtyp": C, "quotsign": C, "prev_sign": C, "psttl_sign": C, "active_flag": C,
    "tamt": DEC, "fm_ccld_amt": DEC, "trst_fee": DEC,
    "evol": INT, "tvol": INT, "bivl": INT, "asvl": INT, "bvol": INT, "avol": INT, "bdvl": INT, "advl": INT,
    "vbid": INT, "vask": INT, "vol": INT, "last_qntt": INT, "ord_remq": INT,
    "tick_vrss": INT, "filler": T, "tr_susp_reas_cntt": T, "work_empl": T,
    "cttr": DEC, "strn": DEC,
    "cntg_isnm": T, "acnt_name": T, "bond_isnm": T,
    "oder_kind2": C, "oder_kind": C, "oder_cond": C, "rctf_cls": C, "seln_byov_cls": C, "crdt_cls": C,
    "ord_exg_gb": C, "debt_gb": C, "tm_div_tp": C, "prce_tp": C, "spec_tp": C, "trd_cond": C,
    "ccld_dvsn": C,
    "ord_grp": T, "ord_grpseq": T, "ord_grp_stno": T, "ccno": T, "api_ccno": T, "odno": T, "orgn_odno": T,
    "start_tm": T, "end_tm": T, "mrkt_open_time": T, "mrkt_close_time": T, "recv_time": T, "recv_time2": T,
    "nmix_id": T,
}
TR_OVERRIDES = {
    ("H0NXANC0", "vi_stnd_prc"): C, ("H0UNANC0", "vi_stnd_prc"): C,
}
IMPLIED_DECIMALS = {
    ("H0IFCNI0", "cntg_unpr"): 2, ("H0IFCNI0", "order_prc"): 2,
    ("H0MFCNI0", "cntg_unpr"): 2, ("H0EUCNI0", "cntg_unpr"): 2,
}

def field_type(tr, name):
    if (tr, name) in TR_OVERRIDES: return TR_OVERRIDES[(tr, name)]
    if name in OVERRIDES: return OVERRIDES[name]
    base = re.sub(r"_?\d+$", "", name)  # askp_rsqn10 -> askp_rsqn, seln_mbcr_glob_yn_1 -> seln_mbcr_glob_yn
    if base in OVERRIDES: return OVERRIDES[base]
    if re.search(r"(_yn|_sign|_code|_cls|_cd|_gb)$", base) or "_yn_" in name: return C
    if base.endswith("_hour"): return TM
    if re.search(r"(_date|_dt)$", base): return D
    if re.search(r"(_dtime|_tm|_time)$", base): return T
    if re.search(r"(iscd|_no|_id|_name|isnm|mbcr_no|_cntt)$", base): return T
    if re.search(r"(_rate|_rat|_ctrt|_rlim|_ert)$", base): return DEC
    if re.search(r"(vol|qty|_qt|cnqn|rsqn|csnu|_cnt|smtn|pbmn|_amt|icdc|hvol|qntt|_num|lrqn)$", base): return INT
    if re.search(r"^(dbid|dask|vbid|vask)$", base): return INT
    return DEC

# ---- keys ---------------------------------------------------------------------------------------------------------
def key_format(t):
    cat, tr = t["category"], t["tr_id_real"]
    if "notice" in cat: return "HtsId", "simuser01"
    if cat.startswith("domestic index"): return "IndexCode", "0001"
    if cat == "bond index": return "BondIndexCode", "KBPR01"
    if cat == "bond": return "Isin", "KR103502GD31"
    if cat.startswith("overseas stock"): return "OverseasSymbol", "DHKS00003" if tr == "HDFSASP1" else "DNASAAPL"
    if cat.startswith("overseas futures"): return "OverseasDerivativeCode", "1OZQ25"
    if cat.startswith("futures-options"):
        m = re.search(r"e\.g\. ([0-9A-Z]+)", t["tr_key"])
        return "DerivativeCode", (m.group(1) if m else "101W09")
    if tr == "H0STNAV0": return "StockCode", "069500"
    if cat == "ELW": return "StockCode", "57LA24"
    return "StockCode", "005930"

def cs(s): return json.dumps(s, ensure_ascii=False)

# The market calendars a TR can follow (MarketCalendar.ForMarket): the catalog's "market" of each TR names one.
MARKETS = {"krx-stocks", "nextrade", "unified", "krx-indices", "krx-bonds", "krx-derivatives", "krx-night-derivatives",
           "overseas-stocks", "overseas-futures"}

def main():
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "docs", "kis-catalog.json")
    trs = json.load(open(path, encoding="utf-8"))
    global OUT, VIEW_OUT, SIM_OUT, CLI_OUT, SPEC
    if len(sys.argv) > 2:  # e.g. a temporary folder, to compare with the checked-in files
        OUT = VIEW_OUT = sys.argv[2]
        SIM_OUT = os.path.join(OUT, "Simulator")
        CLI_OUT = os.path.join(OUT, "Cli")
    if len(sys.argv) > 3: SPEC = sys.argv[3]
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        if f.endswith(".g.cs"): os.remove(os.path.join(OUT, f))
    header = "// <auto-generated>tools/trs/generate_trs.py from kis-catalog.json: do not edit; change the catalog or the generator.</auto-generated>\n#nullable enable\n"
    props, real_ids, all_ids, paper_of = [], [], [], {}
    fields_of, implied_of = {}, {}  # resolved field names per TR id, for the views
    for t in trs:
        tr, paper = t["tr_id_real"], t["tr_id_paper"]
        if paper and paper != tr: paper_of[tr] = paper
        fmt, example = key_format(t)
        lines = []
        fields_of[tr] = fields_of[paper or tr] = []
        for name in t["fields"]:
            fname = RESOLUTIONS.get((tr, name), name)
            fields_of[tr].append(fname)
            label = LABELS.get((tr, fname)) or t["field_labels_ko"].get(name) or LABELS.get(fname)
            if not label:  # the same field in a sibling TR
                label = next((o["field_labels_ko"][name] for o in trs if o["field_labels_ko"].get(name)), None)
            m = re.match(r"^(.*?)(\d+)$", name)
            if not label and m and t["field_labels_ko"].get(m.group(1) + "1"):  # level n of a book: level 1's label
                label = re.sub(r"1$", "", t["field_labels_ko"][m.group(1) + "1"]) + m.group(2)
            if not label: raise SystemExit(f"{tr}.{name}: no label")
            ftype = field_type(tr, fname)
            implied = IMPLIED_DECIMALS.get((tr, fname), 0)
            lines.append(f"        new({cs(fname)}, F.{ftype}, {cs(label)}{', ' + str(implied) if implied else ''}),")
        envs = "[KisEnvironment.Real, KisEnvironment.Paper]" if paper == tr else "[KisEnvironment.Real]"
        key_field = -1 if tr == "H0UNMKO0" else 0
        if t.get("market") not in MARKETS: raise SystemExit(f"{tr}: market {t.get('market')!r} is not one of {sorted(MARKETS)}")
        def create(tid, env, paper_id):
            return (f"    private static TrDefinition Create{tid}() => new({cs(tid)}, {cs(t['name_en'])}, TrKeyFormat.{fmt}, {env},\n"
                    f"    [\n" + "\n".join(lines) + "\n    ],\n"
                    f"    encrypted: {'true' if t['encrypted'] else 'false'}, koreanName: {cs(t['name_ko'])}, keyExample: {cs(example)},\n"
                    f"    paperId: {cs(paper_id) if paper_id else 'null'}, apiId: {cs(t['api_id']) if t['api_id'] and t['api_id'] != '-' else 'null'}, keyField: {key_field},\n"
                    f"    market: {cs(t['market'])});\n")
        body = create(tr, envs, paper)
        real_ids.append(tr); all_ids.append(tr)
        props.append((tr, t["name_ko"], t["name_en"]))
        if paper and paper != tr:
            body += "\n" + create(paper, "[KisEnvironment.Paper]", paper)
            all_ids.append(paper)
            props.append((paper, t["name_ko"] + " (모의)", t["name_en"] + " (paper)"))
        with open(os.path.join(OUT, f"{tr}.g.cs"), "w", encoding="utf-8") as f:
            f.write(header + "using Kis.Realtime.Protocol;\nusing F = Kis.Realtime.Protocol.FieldType;\n\nnamespace Kis.Realtime;\n\n"
                    "public static partial class KisTrs\n{\n" + body + "}\n")
    with open(os.path.join(OUT, "KisTrs.Catalog.g.cs"), "w", encoding="utf-8") as f:
        f.write(header + "using Kis.Realtime.Protocol;\n\nnamespace Kis.Realtime;\n\n"
                "// Every static initializer of KisTrs lives in this one file, so they run in this textual order.\n"
                "public static partial class KisTrs\n{\n")
        for tid, ko, en in props:
            f.write(f"    /// <summary>{tid} {ko}: {en}.</summary>\n    public static TrDefinition {tid} {{ get; }} = Create{tid}();\n")
        f.write("\n    private static readonly TrDefinition[] CatalogTrs =\n    [\n" + "".join(f"        {i},\n" for i in real_ids) + "    ];\n")
        f.write("\n    private static readonly TrDefinition[] AllTrs =\n    [\n" + "".join(f"        {i},\n" for i in all_ids) + "    ];\n")
        f.write("\n    /// <summary>How the generated tables resolved what KIS's sources leave open or disagree on.</summary>\n"
                "    public static IReadOnlyList<string> CatalogChoices { get; } =\n    [\n" + "".join(f"        {cs(c)},\n" for c in DOCUMENTED_CHOICES) + "    ];\n}\n")
    views = generate_views.generate(SPEC, fields_of.get, field_type, lambda tr, name: IMPLIED_DECIMALS.get((tr, name), 0))
    view_count = sum(1 for rel in views if rel.startswith("Views/"))
    views.update(generate_readers.generate(SPEC, fields_of.get, lambda tr, name: IMPLIED_DECIMALS.get((tr, name), 0), generate_views.HEADER))
    views.update(generate_writers.generate(SPEC, fields_of.get, generate_views.HEADER, real_ids, paper_of))
    views.update(generate_books.generate(json.load(open(SPEC, encoding="utf-8")), fields_of.get, field_type, generate_views.HEADER, real_ids))
    views_dir = os.path.join(VIEW_OUT, "Trs", "Views") if VIEW_OUT != OUT else os.path.join(OUT, "Views")
    os.makedirs(views_dir, exist_ok=True)
    for f in os.listdir(views_dir):
        if f.endswith(".g.cs"): os.remove(os.path.join(views_dir, f))
    for rel, text in views.items():
        path = (os.path.join(views_dir, rel[len("Views/"):]) if rel.startswith("Views/")
                else os.path.join(SIM_OUT, rel[len("Simulator/"):]) if rel.startswith("Simulator/")
                else os.path.join(CLI_OUT, rel[len("Cli/"):]) if rel.startswith("Cli/")
                else os.path.join(VIEW_OUT, rel))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f: f.write(text)
    print(f"{len(real_ids)} TRs ({len(all_ids)} ids) -> {OUT}; {view_count} views -> {views_dir}; the simulator's writers -> {SIM_OUT}")

if __name__ == "__main__":
    main()
