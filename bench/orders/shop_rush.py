"""The same rush through the HTML shop, as buyers do it: event page, add to cart, checkout with
the attendee's details, the sandbox payment page, then the receipt page until the signed notice
(delivered by the task worker) has marked the order paid.

One invocation = one run; writes one JSON line to --out. Bounded by count and --max-seconds;
only talks to 127.0.0.1."""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import time

import httpx
from common import db_sold, lat_summary, loopback_only, run_pool

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
PERSON = re.compile(r'name="(p\d+)_name"')


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", default="http://127.0.0.1:58100")
    ap.add_argument("--setup", required=True)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--attempts", type=int, default=600)
    ap.add_argument("--quota", type=int, default=300)
    ap.add_argument("--max-seconds", type=float, default=600)
    ap.add_argument("--paid-timeout", type=float, default=60)
    ap.add_argument("--run-id", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--psql", default="-h 127.0.0.1 -p 55432 -U postgres billetterie")
    a = ap.parse_args()
    loopback_only(a.base)
    s = json.loads(a.setup)
    event_url = f"/bench/e/{s['event_slug']}/"
    journey_lat: list[float] = []
    sold_out_lat: list[float] = []
    errors: dict[str, int] = {}
    last_success = 0.0

    def error(kind: str) -> None:
        errors[kind] = errors.get(kind, 0) + 1

    async def buyer(i: int) -> None:
        nonlocal last_success
        t = time.monotonic()
        async with httpx.AsyncClient(base_url=a.base, timeout=httpx.Timeout(60.0), follow_redirects=False,
                                     headers={"Accept-Language": "fr"}) as c:
            try:
                page = await c.get(event_url)
                token = CSRF.search(page.text)
                if page.status_code != 200 or token is None:
                    return error(f"event {page.status_code}")
                added = await c.post(event_url, data={"csrfmiddlewaretoken": token.group(1),
                                                      f"qty_{s['price_id']}": "1"}, headers={"Referer": a.base})
                if added.status_code == 409:
                    sold_out_lat.append(time.monotonic() - t)
                    return None
                if added.status_code != 302:
                    return error(f"add {added.status_code}")
                cart = await c.get("/bench/cart/")
                token, people = CSRF.search(cart.text), PERSON.findall(cart.text)
                if token is None or not people:
                    return error("cart")
                form = {"csrfmiddlewaretoken": token.group(1), "name": f"Buyer {i}",
                        "email": f"buyer{i}@example.org", "provider": "sandbox", "terms": "on"}
                for prefix in people:
                    form[f"{prefix}_name"], form[f"{prefix}_email"] = f"Buyer {i}", f"buyer{i}@example.org"
                placed = await c.post("/bench/cart/", data=form, headers={"Referer": a.base})
                if placed.status_code != 302:
                    return error(f"checkout {placed.status_code}")
                pay_url = placed.headers["location"]
                pay_page = await c.get(pay_url)
                token = CSRF.search(pay_page.text)
                if token is None:
                    return error("psp page")
                back = await c.post(pay_url, data={"csrfmiddlewaretoken": token.group(1), "holder": "Buyer",
                                                   "number": "4242424242424242", "expiry": "12/34", "cvc": "123"},
                                    headers={"Referer": a.base})
                if back.status_code != 302:
                    return error(f"card {back.status_code}")
                status_url = back.headers["location"].replace(a.base, "") + "status.json"
                deadline = time.monotonic() + a.paid_timeout
                while time.monotonic() < deadline:
                    state = (await c.get(status_url)).json()["status"]
                    if state == "paid":
                        journey_lat.append(time.monotonic() - t)
                        last_success = time.monotonic()
                        return None
                    await asyncio.sleep(0.2)
                return error("not paid in time")
            except httpx.HTTPError as exc:
                return error(type(exc).__name__)

    t0, t1, timed_out = await run_pool(a.concurrency, a.attempts, buyer, a.max_seconds)
    lines, used = db_sold(a.psql, s["event_id"])
    sold = len(journey_lat)
    record = {
        "system": "billetterie", "phase": "shop", "run_id": a.run_id, "concurrency": a.concurrency,
        "attempts": a.attempts, "quota": a.quota, "successes": sold, "sold_out_answers": len(sold_out_lat),
        "errors": errors, "timed_out": timed_out,
        "paid_orders_per_s": round(sold / (last_success - t0), 2) if sold else 0,
        "journey_latency": lat_summary(journey_lat), "sold_out_latency": lat_summary(sold_out_lat),
        "db_lines": lines, "db_quota_used": used, "oversold": max(sold, lines, used) - a.quota,
    }
    with open(a.out, "a") as f:
        f.write(json.dumps(record) + "\n")
    print(json.dumps(record))


if __name__ == "__main__":
    asyncio.run(main())
