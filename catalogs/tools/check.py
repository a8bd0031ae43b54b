#!/usr/bin/env python3
"""Checks Probity's shipped catalogs (see catalogs/README.md). Exit 1 on any error."""
import pathlib
import re
import sys
import tomllib

ROOT = pathlib.Path(__file__).resolve().parent.parent
RELATIONSHIPS = {"equal", "subset_of", "superset_of", "intersects_with", "no_relationship"}
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
errors = []


def err(path, msg):
    errors.append(f"{path.relative_to(ROOT)}: {msg}")


def load(path):
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as e:
        err(path, f"not valid TOML: {e}")
        return None


frameworks = {}
for path in sorted((ROOT / "frameworks").glob("*.toml")):
    doc = load(path)
    if doc is None:
        continue
    fw = doc.get("framework", {})
    unknown = set(doc) - {"framework", "requirement"}
    unknown |= set(fw) - {"id", "name", "version", "publisher", "licence", "source", "family", "expect"}
    unknown |= set(fw.get("expect", {})) - {"requirements", "assessable"}
    if unknown:
        err(path, f"unknown keys {sorted(unknown)}")
    fid = fw.get("id", "")
    if not ID_RE.match(fid) or path.stem != fid:
        err(path, f"framework.id {fid!r} must be [a-z0-9-] and match the file name")
    for key in ("name", "version", "publisher", "licence", "source"):
        if not isinstance(fw.get(key), str) or not fw.get(key):
            err(path, f"framework.{key} is required")
    ids = {}
    assessable = 0
    for n, row in enumerate(doc.get("requirement", [])):
        rid = row.get("id")
        where = f"requirement #{n + 1} ({rid})"
        if not isinstance(rid, str) or not rid.strip() or rid != rid.strip():
            err(path, f"{where}: id must be a non-empty string without surrounding spaces")
            continue
        if rid in ids:
            err(path, f"{where}: duplicate id")
        parent = row.get("parent")
        if parent is not None and parent not in ids:
            err(path, f"{where}: parent {parent!r} is not an earlier row")
        if not isinstance(row.get("title"), str) or not row["title"].strip():
            err(path, f"{where}: title is required")
        elif len(row["title"]) > 160:
            err(path, f"{where}: title longer than 160 characters")
        if not isinstance(row.get("assessable"), bool):
            err(path, f"{where}: assessable (true/false) is required")
        elif row["assessable"]:
            assessable += 1
        if "summary" in row and len(row["summary"]) > 400:
            err(path, f"{where}: summary longer than 400 characters")
        if row.get("status") not in (None, "withdrawn"):
            err(path, f"{where}: status must be 'withdrawn' when present")
        unknown = set(row) - {"id", "parent", "title", "summary", "assessable", "labels", "status", "withdrawn_to"}
        if unknown:
            err(path, f"{where}: unknown keys {sorted(unknown)}")
        ids[rid] = row
    for rid, row in ids.items():
        for target in row.get("withdrawn_to", []):
            if target not in ids:
                err(path, f"requirement {rid}: withdrawn_to {target!r} is not in the framework")
    expect = fw.get("expect", {})
    if "requirements" not in expect:
        err(path, "framework.expect.requirements is required")
    elif expect["requirements"] != len(ids):
        err(path, f"expected {expect['requirements']} requirements, found {len(ids)}")
    if "assessable" in expect and expect["assessable"] != assessable:
        err(path, f"expected {expect['assessable']} assessable requirements, found {assessable}")
    frameworks[fid] = ids

for path in sorted((ROOT / "baselines").glob("*.toml")):
    doc = load(path)
    if doc is None:
        continue
    b = doc.get("baseline", {})
    fw = frameworks.get(b.get("framework"))
    if fw is None:
        err(path, f"baseline.framework {b.get('framework')!r} is not a shipped framework")
        continue
    reqs = b.get("requirements", [])
    if len(set(reqs)) != len(reqs):
        err(path, "duplicate requirement ids")
    for r in reqs:
        if r not in fw:
            err(path, f"requirement {r!r} is not in {b['framework']}")
    if b.get("expect") != len(reqs):
        err(path, f"expected {b.get('expect')} requirements, found {len(reqs)}")

controls = {}
ctl_path = ROOT / "controls.toml"
if ctl_path.exists():
    doc = load(ctl_path) or {}
    families = {f["id"] for f in doc.get("family", [])}
    for c in doc.get("control", []):
        cid = c.get("id", "")
        if cid in controls:
            err(ctl_path, f"duplicate control {cid}")
        if not re.match(r"^[A-Z]{2,4}-\d{2}$", cid):
            err(ctl_path, f"control id {cid!r} must look like IAM-01")
        if c.get("family") not in families or not cid.startswith(c.get("family", "?") + "-"):
            err(ctl_path, f"control {cid}: family {c.get('family')!r} is not declared or does not prefix the id")
        for key in ("title", "summary"):
            if not c.get(key):
                err(ctl_path, f"control {cid}: {key} is required")
        controls[cid] = c

mapped = {}
for path in sorted((ROOT / "mappings").glob("*.toml")):
    doc = load(path)
    if doc is None:
        continue
    fid = doc.get("framework")
    fw = frameworks.get(fid)
    if fw is None or path.stem != fid:
        err(path, f"framework {fid!r} is not shipped or does not match the file name")
        continue
    seen = set()
    if set(doc) - {"framework", "map"}:
        err(path, f"unknown keys {sorted(set(doc) - {'framework', 'map'})}")
    for m in doc.get("map", []):
        if set(m) - {"control", "requirement", "relationship", "rationale"}:
            err(path, f"unknown keys {sorted(set(m) - {'control', 'requirement', 'relationship', 'rationale'})}")
        key = (m.get("control"), m.get("requirement"))
        if key in seen:
            err(path, f"duplicate mapping {key}")
        seen.add(key)
        if m.get("control") not in controls:
            err(path, f"unknown control {m.get('control')!r}")
        if m.get("requirement") not in fw:
            err(path, f"requirement {m.get('requirement')!r} is not in {fid}")
        if m.get("relationship") not in RELATIONSHIPS:
            err(path, f"{key}: relationship must be one of {sorted(RELATIONSHIPS)}")
        if not m.get("rationale"):
            err(path, f"{key}: rationale is required")
    mapped[fid] = len(seen)

for fid in frameworks:
    if fid not in mapped:
        err(ROOT / "mappings", f"no mappings for framework {fid}")

for path in sorted((ROOT / "crosswalks").glob("*.toml")):
    doc = load(path)
    if doc is None:
        continue
    a, b = frameworks.get(doc.get("from")), frameworks.get(doc.get("to"))
    if a is None or b is None or path.stem != f"{doc.get('from')}__{doc.get('to')}":
        err(path, "from/to must be shipped frameworks and match the file name <from>__<to>.toml")
        continue
    pairs = set()
    for link in doc.get("link", []):
        pair = (link.get("from"), link.get("to"))
        if pair in pairs:
            err(path, f"duplicate link {pair}")
        pairs.add(pair)
        if link.get("from") not in a:
            err(path, f"from {link.get('from')!r} is not in {doc['from']}")
        if link.get("to") not in b:
            err(path, f"to {link.get('to')!r} is not in {doc['to']}")
        if link.get("relationship") not in RELATIONSHIPS:
            err(path, f"{link.get('from')}->{link.get('to')}: bad relationship")
        if not link.get("rationale"):
            err(path, f"{link.get('from')}->{link.get('to')}: rationale is required")

for fid, ids in frameworks.items():
    print(f"{fid}: {len(ids)} requirements, {mapped.get(fid, 0)} mappings")
print(f"controls: {len(controls)}")
for e in errors:
    print("error:", e, file=sys.stderr)
sys.exit(1 if errors else 0)
