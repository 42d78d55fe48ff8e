"""Check-in results -> markdown: pretix's check-in (its harness's results.jsonl) and billetterie's
redeem API side by side (min / median / max over the runs), then the offline verifier."""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path


def _load(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _mmm(values: list[float]) -> str:
    if not values:
        return "—"
    return f"{min(values):g} / {statistics.median(values):g} / {max(values):g}"


def main() -> None:
    out = Path(sys.argv[1])
    pretix = [r for r in _load(out / "pretix-results.jsonl") if not str(r.get("run_id", "")).startswith("warmup")]
    ours = _load(out / "billetterie-checkin.jsonl")
    servers = sorted({r.get("server", "gunicorn") for r in ours}, key=lambda s: (s != "gunicorn", s))
    offline = _load(out / "offline.jsonl")
    concurrencies = sorted({r["concurrency"] for r in pretix + ours})
    rows = [
        ("runs", lambda rs: [1 for _ in rs], lambda v: str(len(v))),
        ("first scans/s", lambda rs: [r["checkin"]["scans_per_s"] for r in rs], _mmm),
        ("first scan p50 ms", lambda rs: [r["checkin"]["lat_first_scan"]["p50_ms"] for r in rs], _mmm),
        ("first scan p99 ms", lambda rs: [r["checkin"]["lat_first_scan"]["p99_ms"] for r in rs], _mmm),
        ("re-scans/s (all refused)", lambda rs: [r["checkin"]["rescan_per_s"] for r in rs], _mmm),
        ("re-scan p99 ms", lambda rs: [r["checkin"]["lat_rescan"]["p99_ms"] for r in rs], _mmm),
        ("first scans accepted", lambda rs: [r["checkin"]["ok"] for r in rs], _mmm),
        ("re-scans refused as already redeemed", lambda rs: [r["checkin"]["rescan_rejected_already_redeemed"]
                                                            for r in rs], _mmm),
        ("re-scans NOT refused", lambda rs: [r["checkin"]["rescan_other"] for r in rs], _mmm),
        ("race: exactly one of two accepted", lambda rs: [r["checkin"]["race_exactly_one_ok"] for r in rs], _mmm),
        ("race: both accepted", lambda rs: [r["checkin"]["race_double_ok"] for r in rs], _mmm),
    ]
    systems = [("pretix", pretix)] + [
        (f"billetterie ({s})", [r for r in ours if r.get("server", "gunicorn") == s]) for s in servers
    ]
    header = "| metric | " + " | ".join(f"{name} C={c}" for c in concurrencies for name, _rs in systems) + " |"
    print(f"## Check-in redeem, run {out.name} (min / median / max over the runs)\n")
    print(header)
    print("|---|" + "---|" * (len(systems) * len(concurrencies)))
    for name, pick, fmt in rows:
        cells = []
        for c in concurrencies:
            for _system, records in systems:
                rs = [r for r in records if r["concurrency"] == c]
                cells.append(fmt(pick(rs)) if rs else "—")
        print(f"| {name} | " + " | ".join(cells) + " |")
    print()
    for c in concurrencies:
        p = [r["checkin"]["scans_per_s"] for r in pretix if r["concurrency"] == c]
        for name, records in systems[1:]:
            o = [r["checkin"]["scans_per_s"] for r in records if r["concurrency"] == c]
            if p and o:
                ratio = statistics.median(o) / statistics.median(p)
                print(f"- C={c}: {name} / pretix, first scans per second (medians) = **{ratio:.1f}×**")
    if offline:
        print("\n## Offline verifier (no server)\n")
        print("| verifier | verifications/s |")
        print("|---|---|")
        for r in offline:
            py = r["python"]
            print(f"| Python `OfflineVerifier`, genuine tickets (accepted) | {py['genuine_per_s']:g} |")
            print(f"| Python `OfflineVerifier`, signature bit flipped (refused) | {py['forged_per_s']:g} |")
            if r.get("browser"):
                print(f"| Chromium, scanner page code + WebCrypto Ed25519 | {r['browser']['per_s']:g} |")


if __name__ == "__main__":
    main()
