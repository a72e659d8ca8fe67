#!/usr/bin/env python3
"""bench/tunnel/report.py: medians, ratios, the table and the JSON of bench/tunnel.sh.

Input (written by bench/tunnel.sh):
  --raw   TSV  row  rep  metric  value        one line per measured value
  --rows  TSV  row  stack  variant  rep  ok|na  cipher-or-reason
Output: the table on stdout, the JSON file given by --json.

Ratios compare each row with the best of the baselines (strongSwan rows, OpenVPN):
throughput and packet rate as row / max(baselines) (> 1: row is faster), latency as
row / min(baselines) (< 1: row is quicker). "Added latency" is the row's median
p50/p99 minus the plain-forwarding row's median, in microseconds.
"""
import argparse
import json
import math
import statistics
import sys

BASELINES = ("strongswan", "openvpn")
# metric, higher is better?
METRICS = [
    ("tcp1_mbps", True), ("tcp1_retr", False), ("tcp8_mbps", True), ("tcp8_retr", False),
    ("kpps64", True), ("ping_p50_ms", False), ("ping_p99_ms", False), ("ping_lost", False),
    ("gwB_udp_rcvbuf_errors", False), ("setup_ms", False), ("cpu_s_per_gib", False),
]
RATIO_METRICS = [("tcp1_mbps", True), ("tcp8_mbps", True), ("kpps64", True),
                 ("ping_p50_ms", False), ("ping_p99_ms", False), ("cpu_s_per_gib", False)]


def num(s):
    try:
        v = float(s)
    except ValueError:
        return None
    return None if math.isnan(v) else v


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--raw", required=True)
    ap.add_argument("--rows", required=True)
    ap.add_argument("--json", required=True)
    ap.add_argument("--meta", nargs="*", default=[])
    a = ap.parse_args()

    meta = dict(kv.split("=", 1) for kv in a.meta)
    order, info = [], {}
    with open(a.rows) as f:
        for line in f:
            row, stack, variant, rep, status, text = (line.rstrip("\n").split("\t") + [""])[:6]
            if row not in info:
                order.append(row)
                info[row] = {"row": row, "stack": stack, "variant": variant,
                             "reps_ok": 0, "ciphers": [], "reasons": []}
            r = info[row]
            if status == "ok":
                r["reps_ok"] += 1
                if text and text not in r["ciphers"]:
                    r["ciphers"].append(text)
            elif text not in r["reasons"]:
                r["reasons"].append(text)

    samples = {}
    with open(a.raw) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 4:
                continue
            row, _rep, metric, value = parts
            v = num(value)
            if v is not None:
                samples.setdefault(row, {}).setdefault(metric, []).append(v)

    med = {row: {m: statistics.median(v) for m, v in samples.get(row, {}).items()}
           for row in order}

    base_rows = [r for r in order if info[r]["stack"] in BASELINES and info[r]["reps_ok"]]
    best = {}
    for m, higher in RATIO_METRICS:
        vals = [(med[r][m], r) for r in base_rows if m in med[r]]
        if vals:
            best[m] = (max if higher else min)(vals)
    plain = next((r for r in order if info[r]["stack"] == "plain" and info[r]["reps_ok"]), None)

    out_rows = []
    for row in order:
        r = info[row]
        m = med[row]
        entry = {"row": row, "stack": r["stack"], "variant": r["variant"],
                 "cipher": ", ".join(r["ciphers"]) or None,
                 "status": "ok" if r["reps_ok"] else "not available",
                 "reps_ok": r["reps_ok"], "reasons": r["reasons"],
                 "median": m, "samples": samples.get(row, {}), "ratio_to_best_baseline": {},
                 "added_latency_us": {}}
        for k, _ in RATIO_METRICS:
            if k in m and k in best and best[k][0] > 0:
                entry["ratio_to_best_baseline"][k] = round(m[k] / best[k][0], 3)
        if plain and plain != row:
            for k in ("ping_p50_ms", "ping_p99_ms"):
                if k in m and k in med[plain]:
                    entry["added_latency_us"][k.split("_")[1]] = round((m[k] - med[plain][k]) * 1000)
        out_rows.append(entry)

    doc = {"benchmark": "bench/tunnel.sh", "meta": meta,
           "best_baseline": {k: {"value": v, "row": r} for k, (v, r) in best.items()},
           "plain_row": plain, "rows": out_rows}
    with open(a.json, "w") as f:
        json.dump(doc, f, indent=1, sort_keys=False)
        f.write("\n")
    print_table(doc)


def fmt(v, nd=0):
    if v is None:
        return "-"
    return f"{v:.{nd}f}"


def tool_text(meta):
    if meta.get("pps_tool") == "blast":
        return f"bench_tunnel sendmmsg, {meta.get('pps_flows', '?')} flows"
    return "iperf3 -u, 1 flow"


def print_table(doc):
    meta = doc["meta"]
    hdr = ["stack", "cipher", "TCPx1", "retr", "CPUs/GiB", "TCPx8", "retr", "64B kpps",
           "p50 ms", "p99 ms", "+p50us", "+p99us", "xTCP1", "xTCP8", "xkpps", "xp50", "xCPU"]
    lines = []
    for e in doc["rows"]:
        name = e["stack"] if e["stack"] == "plain" else e["row"]
        if e["status"] != "ok":
            lines.append([name, "-", f"not available ({'; '.join(e['reasons'])})"])
            continue
        m, x, add = e["median"], e["ratio_to_best_baseline"], e["added_latency_us"]
        lines.append([name, e["cipher"] or "-",
                      fmt(m.get("tcp1_mbps")), fmt(m.get("tcp1_retr")),
                      fmt(m.get("cpu_s_per_gib"), 1),
                      fmt(m.get("tcp8_mbps")), fmt(m.get("tcp8_retr")),
                      fmt(m.get("kpps64"), 1),
                      fmt(m.get("ping_p50_ms"), 3), fmt(m.get("ping_p99_ms"), 3),
                      fmt(add.get("p50")), fmt(add.get("p99")),
                      fmt(x.get("tcp1_mbps"), 2), fmt(x.get("tcp8_mbps"), 2),
                      fmt(x.get("kpps64"), 2), fmt(x.get("ping_p50_ms"), 2),
                      fmt(x.get("cpu_s_per_gib"), 2)])
    full = [l for l in lines if len(l) > 3]
    widths = [max([len(hdr[i])] + [len(l[i]) for l in full]) for i in range(len(hdr))]

    def row_text(cells):
        if len(cells) == 3:  # a row that could not run
            return f"{cells[0]:<{widths[0]}}  {cells[2]}"
        out = [f"{cells[0]:<{widths[0]}}", f"{cells[1]:<{widths[1]}}"]
        out += [f"{c:>{w}}" for c, w in zip(cells[2:], widths[2:])]
        return "  ".join(out)

    print()
    print(f"== bench/tunnel.sh  {meta.get('date', '')}  {meta.get('cpus', '?')} CPUs, kernel "
          f"{meta.get('kernel', '?')}, medians of {meta.get('reps', '?')} reps ==")
    print(row_text(hdr))
    for l in lines:
        print(row_text(l))
    print(f"TCP: iperf3 {meta.get('secs', '?')} s (x8: {meta.get('secs8', '?')} s), receiver Mbit/s, sender retransmits; "
          "CPUs/GiB: user+system CPU seconds of the gateway daemons per GiB during TCPx1; "
          f"{meta.get('pkt_len', 64)}B UDP payload ({tool_text(meta)}): best received kpps with <= "
          f"{meta.get('loss_max_pct', '0.1')} % loss ({meta.get('pps_steps', '?')} steps x "
          f"{meta.get('pps_secs', '?')} s); ping -i {meta.get('ping_interval_s', '?')} "
          f"-c {meta.get('ping_count', '?')}; +p50/+p99: over plain forwarding;")
    bb = doc["best_baseline"]
    if bb:
        print("x columns: row / best of strongSwan,OpenVPN (" +
              ", ".join(f"{k} {v['value']:g} {v['row']}" for k, v in bb.items()) +
              "); xp50, xCPU < 1: quicker, cheaper.")
    for td in (e for e in doc["rows"] if e["stack"] == "transitd"):
        if td["status"] != "ok":
            print(f"{td['row']}: not available ({'; '.join(td['reasons'])})")
        elif td["ratio_to_best_baseline"]:
            x = td["ratio_to_best_baseline"]
            print(f"{td['row']} / best baseline: " +
                  ", ".join(f"{k} {v:.2f}x" for k, v in x.items()))

if __name__ == "__main__":
    sys.exit(main())
