#!/usr/bin/env python3
"""Print every benchmark result as ONE table, with ratios against the peers
and the targets of tools/bench_targets.txt marked PASS / FAIL / MISSING.

    tools/bench_table.py [--check] [--markdown] [--targets FILE] RESULT.json...

RESULT files are Google Benchmark JSON (--benchmark_format=json) and
tools/compile_time.py's output. Benchmarks are named FAMILY/IMPL; when a run
has repetitions, the median aggregate is used. In each family the first
implementation whose name starts with "sluice" is the base, and every other
implementation shows how many times faster the base is ("sluice is").
Benchmarks with sizeof/heap_bytes/total counters are idle sessions (bytes);
rss_per_session counters are the many-sessions benchmark; compile_time/*
are seconds (lower is better).

--check exits with status 1 when a target fails or its benchmark is missing.
"""
import argparse, fnmatch, json, os, sys
from collections import OrderedDict

HERE = os.path.dirname(os.path.abspath(__file__))


def load(paths):
    """name -> result (the median aggregate when there are repetitions), in
    the order the benchmarks were registered (family_index), also when their
    repetitions ran interleaved in a random order."""
    out = OrderedDict()
    order = {}
    for file_index, p in enumerate(paths):
        try:
            data = json.load(open(p))
        except (OSError, ValueError) as e:
            print(f"bench_table: cannot read {p}: {e}", file=sys.stderr)
            continue
        for b in data.get("benchmarks", []):
            name = b.get("run_name", b["name"])
            for suffix in ("/iterations:", "/repeats:", "/min_time:"):
                if suffix in name:
                    name = name[: name.index(suffix)]
            order.setdefault(name, (file_index, b.get("family_index", len(order)), b.get("per_family_instance_index", 0), len(order)))
            if b.get("run_type") == "aggregate":
                if b.get("aggregate_name") != "median":
                    continue
                out[name] = b
            elif name not in out or out[name].get("run_type") != "aggregate":
                out[name] = b  # single runs (no repetitions), or until the median arrives
    return OrderedDict(sorted(out.items(), key=lambda kv: order[kv[0]]))


def rate(b):
    """(value, unit) of a throughput benchmark: items/s, else bytes/s, else 1/s."""
    if "items_per_second" in b:
        return b["items_per_second"], "items/s"
    if "bytes_per_second" in b:
        return b["bytes_per_second"], "bytes/s"
    t = seconds(b)
    return (1.0 / t if t else 0.0), "1/s"


def seconds(b):
    scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[b.get("time_unit", "ns")]
    return b.get("real_time", 0.0) * scale


def si(v):
    for div, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(v) >= div:
            return f"{v / div:.2f}{suffix}"
    return f"{v:.1f}"


def kind(name, b):
    if name.startswith("compile_time/"):
        return "compile"
    if "rss_per_session" in b:
        return "sessions"
    if "total" in b and "sizeof" in b:
        return "idle"
    return "rate"


def parse_targets(path):
    targets = []
    for n, line in enumerate(open(path), 1):
        line = line.split("#", 1)[0].split()
        if not line:
            continue
        if len(line) != 4 or line[0] not in ("ratio", "rate", "below"):
            sys.exit(f"{path}:{n}: expected `ratio NAME PEER MIN`, `rate NAME METRIC MIN` or `below NAME COUNTER MAX`")
        targets.append((line[0], line[1].split("|"), line[2], float(line[3])))
    return targets


def pick(results, names):
    for n in names:
        if n in results:
            return n
    return None


def evaluate(results, targets):
    """Each target as a dict: home (the row it is shown on), text, status."""
    out = []
    for kind_, names, arg, limit in targets:
        name = pick(results, names)
        if kind_ == "ratio":
            peer = pick(results, arg.split("|"))
            label = f"{(name or names[0])} vs {(peer or arg.split('|')[0])}"
            if name is None or peer is None:
                out.append({"home": None, "label": label, "text": f">= {limit:g}x", "status": "MISSING"})
                continue
            a, b = rate(results[name])[0], rate(results[peer])[0]
            r = a / b if b else float("inf")
            home = peer if name.split("/")[0] == peer.split("/")[0] else None
            full = f"{name} / {peer}"
            if home:
                label = f"{name.split('/')[-1]} / {peer.split('/')[-1]}"
            out.append({"home": home, "label": label, "full": full, "value": f"{r:.2f}x", "text": f">= {limit:g}x",
                        "status": "PASS" if r >= limit else "FAIL", "self": name})
        elif kind_ == "rate":
            label = f"{name or names[0]} {arg}"
            if name is None or arg not in results[name]:
                out.append({"home": None, "label": label, "text": f">= {si(limit)}", "status": "MISSING"})
                continue
            v = results[name][arg]
            label = arg.replace("_per_second", "/s")
            out.append({"home": name, "label": label, "full": f"{name} {label}", "value": si(v), "text": f"{arg.split('_per_')[0]}/s >= {si(limit)}",
                        "status": "PASS" if v >= limit else "FAIL"})
        else:
            label = f"{name or names[0]} {arg}"
            if name is None or arg not in results[name]:
                out.append({"home": None, "label": label, "text": f"< {limit:g}", "status": "MISSING"})
                continue
            v = results[name][arg]
            out.append({"home": name, "label": label, "value": f"{v:.0f}", "text": f"{arg} < {limit:g} B",
                        "status": "PASS" if v < limit else "FAIL"})
    return out


def table(results, evaluated):
    """Rows of (name, value, ratio, target, status); section and family rows have value None."""
    rows = []
    by_home = {}
    for t in evaluated:
        by_home.setdefault(t["home"], []).append(t)

    families = OrderedDict()
    for name, b in results.items():
        fam, _, impl = name.rpartition("/")
        if not fam:
            fam, impl = name, ""
        families.setdefault(fam, OrderedDict())[impl] = (name, b)

    def add_targets(name):
        for t in by_home.get(name, []):
            rows.append(("    target: " + t["label"], t.get("value", ""), "", t["text"], t["status"]))

    sections = [("throughput (median of the repetitions)", "rate"),
                ("memory: an idle connected session (sizeof + heap bytes)", "idle"),
                ("memory: many idle Discord sessions in one process", "sessions"),
                ("compile time (seconds; lower is better)", "compile")]
    for title, want in sections:
        fams = [(f, impls) for f, impls in families.items() if kind(*next(iter(impls.values()))) == want]
        if not fams:
            continue
        rows.append((title, None, None, None, None))
        for fam, impls in fams:
            if want == "rate":
                base = next((v for i, v in impls.items() if i.startswith("sluice")), None)
                rows.append((fam, None, None, None, None))
                for impl, (name, b) in impls.items():
                    v, unit = rate(b)
                    shown = f"{si(v)} {unit}"
                    if unit == "items/s" and "bytes_per_second" in b:
                        shown += f", {b['bytes_per_second'] / 1e6:.0f} MB/s"
                    ratio = ""
                    if base is not None and not impl.startswith("sluice") and v > 0:
                        ratio = f"{rate(base[1])[0] / v:.2f}x"
                    mine = [t for t in by_home.get(name, [])]
                    first = mine[0] if len(mine) == 1 and t_is_base_ratio(mine[0], base) else None
                    rows.append(("  " + impl, shown, ratio, first["text"] if first else "", first["status"] if first else ""))
                    if not first:
                        add_targets(name)
            elif want == "idle":
                for impl, (name, b) in impls.items():
                    shown = f"{b['sizeof']:.0f} + {b['heap_bytes']:.0f} = {b['total']:.0f} B"
                    mine = by_home.get(name, [])
                    rows.append(("  " + name, shown, "", mine[0]["text"] if mine else "", mine[0]["status"] if mine else ""))
            elif want == "sessions":
                for impl, (name, b) in impls.items():
                    shown = f"RSS {b['rss_per_session']:.0f} B, heap {b.get('heap_per_session', 0):.0f} B a session"
                    name = f"{name} ({b.get('sessions', 0):.0f} sessions)"
                    rows.append(("  " + name, shown, "", "", ""))
                    add_targets(name)
            else:
                peer = impls.get("nlohmann")
                for impl, (name, b) in impls.items():
                    s = seconds(b)
                    shown = f"{s:.2f} s"
                    if peer and impl != "nlohmann" and seconds(peer[1]):
                        shown += f" ({s / seconds(peer[1]):.2f}x nlohmann's)"
                    rows.append(("  " + name, shown, "", "", ""))
                    add_targets(name)
    missing = [t for t in evaluated if t["home"] is None]
    if missing:
        rows.append(("targets measured across families, or missing", None, None, None, None))
        for t in missing:
            rows.append(("  " + t["label"], t.get("value", "missing"), "", t["text"], t["status"]))
    return rows


def t_is_base_ratio(t, base):
    """A ratio target of the family's base against this row's impl: shown inline."""
    return base is not None and t.get("self") == base[0]


def render(rows, markdown):
    head = ("benchmark", "result", "sluice is", "target", "")
    if markdown:
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for name, value, ratio, target, status in rows:
            if value is None:
                lines.append(f"| **{name.strip()}** | | | | |")
            else:
                shown = name.strip() if not name.startswith("    target") else "&nbsp;&nbsp;&nbsp;&nbsp;" + name.strip()
                if name.startswith("  ") and not name.startswith("    "):
                    shown = "&nbsp;&nbsp;" + shown
                lines.append(f"| {shown} | {value} | {ratio} | {target} | {status} |")
        return "\n".join(lines)
    w = max([len(r[0]) for r in rows] + [len(head[0])])
    vw = max([len(r[1] or "") for r in rows] + [len(head[1])])
    lines = [f"{head[0]:<{w}}  {head[1]:<{vw}}  {head[2]:>9}  {head[3]}"]
    lines.append("-" * (w + vw + 40))
    for name, value, ratio, target, status in rows:
        if value is None:
            lines.append(name)
        else:
            lines.append(f"{name:<{w}}  {value:<{vw}}  {ratio:>9}  {target:<22} {status}".rstrip())
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("results", nargs="+")
    ap.add_argument("--targets", default=os.path.join(HERE, "bench_targets.txt"))
    ap.add_argument("--check", action="store_true", help="exit 1 when a target fails or is missing")
    ap.add_argument("--markdown", action="store_true", help="a Markdown table (benchmarks/README.md)")
    a = ap.parse_args()
    results = load(a.results)
    evaluated = evaluate(results, parse_targets(a.targets))
    print(render(table(results, evaluated), a.markdown))
    counts = {s: sum(t["status"] == s for t in evaluated) for s in ("PASS", "FAIL", "MISSING")}
    print(f"\ntargets: {counts['PASS']} pass, {counts['FAIL']} fail, {counts['MISSING']} missing "
          f"(of {len(evaluated)} in {os.path.relpath(a.targets)})")
    if a.check and (counts["FAIL"] or counts["MISSING"]):
        for t in evaluated:
            if t["status"] != "PASS":
                print(f"  {t['status']}: {t.get('full', t['label'])} {t.get('value', '')} (target {t['text']})")
        sys.exit(1)


if __name__ == "__main__":
    main()
