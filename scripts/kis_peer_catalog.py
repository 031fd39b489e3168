"""What the KIS samples peer run (scripts/kis-samples-peer.sh) knows of each TR, read from this repository's catalog
(docs/kis-catalog.json, the source of the generated TR tables): its fields and their Korean labels, which field is
the record's time and whether a record carries a running total. Our own code, shared by kis_peer_tap.py and
kis_peer_report.py."""
import json, os, re
from collections import namedtuple

CATALOG = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "docs", "kis-catalog.json")

# fields: names in KIS's order; labels: field -> Korean label; time_index: the first HHMMSS field (None: no time);
# running_total: a field such as acml_vol that every event moves, so two equal records are one event sent twice.
Tr = namedtuple("Tr", "fields labels time_index running_total")


def is_time_field(name):
    """The catalog generator's rule (tools/trs/generate_trs.py field_type): *_hour, xhms and khms are HHMMSS times."""
    return re.sub(r"_?\d+$", "", name).endswith("_hour") or name in ("xhms", "khms")


def load(path=CATALOG):
    """TR id (real and paper) -> Tr."""
    with open(path, encoding="utf-8") as f:
        entries = json.load(f)
    trs = {}
    for e in entries:
        fields = e["fields"]
        tr = Tr(fields, e.get("field_labels_ko") or {},
                next((i for i, name in enumerate(fields) if is_time_field(name)), None),
                any(name.startswith("acml_") for name in fields))
        for tr_id in (e["tr_id_real"], e.get("tr_id_paper")):
            if tr_id:
                trs[tr_id] = tr
    return trs
