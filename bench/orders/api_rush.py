"""On-sale rush through billetterie's REST API, the same work as ../shared/bench/pretix/load.py's
purchase phase: C clients share N attempts at a one-ticket paid order against one quota.

One invocation = one run; writes one JSON line to --out. Bounded by count and --max-seconds;
only talks to 127.0.0.1."""

from __future__ import annotations

import argparse
import asyncio
import json
import time

import httpx
from common import db_sold, lat_summary, loopback_only, run_pool


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", default="http://127.0.0.1:58100")
    ap.add_argument("--setup", required=True, help="the JSON line printed by setup.py")
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--attempts", type=int, default=2000)
    ap.add_argument("--quota", type=int, default=1000)
    ap.add_argument("--max-seconds", type=float, default=600)
    ap.add_argument("--run-id", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--psql", default="-h 127.0.0.1 -p 55432 -U postgres billetterie")
    a = ap.parse_args()
    loopback_only(a.base)
    s = json.loads(a.setup)
    limits = httpx.Limits(max_connections=a.concurrency + 4, max_keepalive_connections=a.concurrency + 4)
    client = httpx.AsyncClient(base_url=f"{a.base}/api/v1", limits=limits, timeout=httpx.Timeout(60.0),
                               headers={"Authorization": f"Bearer {s['token']}"})
    ok_lat: list[float] = []
    rej_lat: list[float] = []
    all_lat: list[float] = []
    errors: dict[str, int] = {}
    last_success = 0.0

    async def attempt(i: int) -> None:
        nonlocal last_success
        body = {"email": f"buyer{i}@example.org", "name": f"Buyer {i}", "send_email": False,
                "payment": {"method": "card_terminal"},
                "lines": [{"product_id": s["product_id"], "price_id": s["price_id"], "date_id": s["date_id"],
                           "attendee": {"name": f"Buyer {i}", "email": f"buyer{i}@example.org"}}]}
        t = time.monotonic()
        try:
            r = await client.post("/orders", json=body, headers={"Idempotency-Key": f"{a.run_id}-{i}"})
            status, code = r.status_code, (r.json().get("code") if r.status_code >= 400 else "")
        except httpx.HTTPError as exc:
            status, code = 0, type(exc).__name__
        dt = time.monotonic() - t
        all_lat.append(dt)
        if status == 201:
            ok_lat.append(dt)
            last_success = time.monotonic()
        elif status == 409 and code == "sold_out":
            rej_lat.append(dt)
        else:
            errors[f"{status} {code}"] = errors.get(f"{status} {code}", 0) + 1

    t0, t1, timed_out = await run_pool(a.concurrency, a.attempts, attempt, a.max_seconds)
    await client.aclose()
    lines, used = db_sold(a.psql, s["event_id"])
    sold = len(ok_lat)
    record = {
        "system": "billetterie", "phase": "api", "run_id": a.run_id, "concurrency": a.concurrency,
        "attempts": a.attempts, "quota": a.quota, "successes": sold, "rejections": len(rej_lat),
        "errors": errors, "timed_out": timed_out,
        "orders_per_s": round(sold / (last_success - t0), 2) if sold else 0,
        "attempts_per_s": round(len(all_lat) / (t1 - t0), 2),
        "order_latency": lat_summary(ok_lat), "rejection_latency": lat_summary(rej_lat),
        "all_latency": lat_summary(all_lat),
        "db_lines": lines, "db_quota_used": used,
        "oversold": max(sold, lines, used) - a.quota,
    }
    with open(a.out, "a") as f:
        f.write(json.dumps(record) + "\n")
    print(json.dumps(record))


if __name__ == "__main__":
    asyncio.run(main())
