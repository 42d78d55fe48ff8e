"""The side-by-side table of one bench/run.sh run: min / median / max over the runs."""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path
from typing import Any


def _load(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()] if path.exists() else []


def _mmm(values: list[float | None]) -> str:
    vals = [v for v in values if v is not None]
    if not vals:
        return "—"
    return f"{min(vals):g} / {statistics.median(vals):g} / {max(vals):g}"


def _get(record: dict[str, Any], *keys: str) -> Any:
    for key in keys:
        record = record.get(key, {}) if isinstance(record, dict) else {}
    return record if record != {} else None


def main(out: Path) -> None:
    pretix = [r for r in _load(out / "pretix-results.jsonl") if not str(r.get("run_id", "")).startswith("warmup")]
    ours = _load(out / "billetterie-results.jsonl")
    concurrencies = sorted({int(r["concurrency"]) for r in ours + pretix})
    print(f"# On-sale rush, run {out.name} (min / median / max over the runs)\n")
    print("| metric | " + " | ".join(f"pretix C={c} | billetterie C={c}" for c in concurrencies) + " |")
    print("|---|" + "---|---|" * len(concurrencies))
    rows = [
        ("runs", lambda r: 1, lambda r: 1),
        ("successful orders/s", lambda r: _get(r, "purchase", "orders_per_s"),
         lambda r: r.get("orders_per_s")),
        ("order p50 ms", lambda r: _get(r, "purchase", "lat_success", "p50_ms"),
         lambda r: _get(r, "order_latency", "p50_ms")),
        ("order p95 ms", lambda r: _get(r, "purchase", "lat_success", "p95_ms"),
         lambda r: _get(r, "order_latency", "p95_ms")),
        ("order p99 ms", lambda r: _get(r, "purchase", "lat_success", "p99_ms"),
         lambda r: _get(r, "order_latency", "p99_ms")),
        ("all attempts p99 ms", lambda r: _get(r, "purchase", "lat_all", "p99_ms"),
         lambda r: _get(r, "all_latency", "p99_ms")),
        ("successes", lambda r: _get(r, "purchase", "successes"), lambda r: r.get("successes")),
        ("sold-out answers", lambda r: _get(r, "purchase", "quota_rejections"), lambda r: r.get("rejections")),
        ("oversold", lambda r: _get(r, "verify", "oversell"), lambda r: r.get("oversold")),
    ]
    for name, from_pretix, from_ours in rows:
        cells = []
        for c in concurrencies:
            p = [r for r in pretix if int(r["concurrency"]) == c]
            o = [r for r in ours if int(r["concurrency"]) == c and r.get("phase") == "api"]
            if name == "runs":
                cells += [str(len(p)), str(len(o))]
            else:
                cells += [_mmm([from_pretix(r) for r in p]), _mmm([from_ours(r) for r in o])]
        print(f"| {name} | " + " | ".join(cells) + " |")
    shop = [r for r in ours if r.get("phase") == "shop"]
    if shop:
        print("\n## billetterie through the HTML shop (event page → cart → checkout → sandbox card → paid)\n")
        print("| C | paid orders/s | journey p50 ms | p95 ms | p99 ms | paid | sold-out answers | errors | oversold |")
        print("|---|---|---|---|---|---|---|---|---|")
        for r in shop:
            lat = r["journey_latency"]
            print(f"| {r['concurrency']} | {r['paid_orders_per_s']} | {lat['p50_ms']} | {lat['p95_ms']} | "
                  f"{lat['p99_ms']} | {r['successes']} | {r['sold_out_answers']} | {r['errors'] or 0} | "
                  f"{r['oversold']} |")
    pg = _load(out / "pgbench.jsonl")
    if pg:
        print("\n## PostgreSQL ceiling (pgbench, same cluster): the minimal order transaction\n")
        print("| C | order-tx tps | tpcb-like tps |")
        print("|---|---|---|")
        for c in concurrencies:
            order = [r["tps"] for r in pg if r["kind"] == "order" and r["concurrency"] == c]
            tpcb = [r["tps"] for r in pg if r["kind"] == "tpcb" and r["concurrency"] == c]
            print(f"| {c} | {_mmm(order)} | {_mmm(tpcb)} |")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
