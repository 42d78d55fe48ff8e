"""Shared pieces of the bench drivers: percentiles, a bounded worker pool, the database check."""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from urllib.parse import urlparse


def loopback_only(base: str) -> None:
    host = urlparse(base).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        sys.exit(f"refusing to send load to non-loopback host {host!r}")


def pct(values: list[float], p: float) -> float | None:
    if not values:
        return None
    s = sorted(values)
    k = (len(s) - 1) * p / 100.0
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def lat_summary(values: list[float]) -> dict[str, float | int | None]:
    ms = [v * 1000 for v in values]
    def r(x: float | None) -> float | None:
        return round(x, 1) if x is not None else None
    return {"n": len(ms), "p50_ms": r(pct(ms, 50)), "p95_ms": r(pct(ms, 95)), "p99_ms": r(pct(ms, 99)),
            "max_ms": r(max(ms)) if ms else None, "mean_ms": r(statistics.fmean(ms)) if ms else None}


async def run_pool(concurrency: int, n_jobs: int, job: Callable[[int], Awaitable[None]],
                   max_seconds: float) -> tuple[float, float, bool]:
    """Run job(i) for i in range(n_jobs) on `concurrency` workers; stop at max_seconds."""
    counter = iter(range(n_jobs))
    deadline = time.monotonic() + max_seconds
    timed_out = False

    async def worker() -> None:
        nonlocal timed_out
        for i in counter:
            if time.monotonic() > deadline:
                timed_out = True
                return
            await job(i)

    t0 = time.monotonic()
    await asyncio.gather(*[worker() for _ in range(concurrency)])
    return t0, time.monotonic(), timed_out


def sql_value(psql_args: str, sql: str) -> str:
    out = subprocess.run(["psql", "-X", *psql_args.split(), "-Atc", sql], capture_output=True, text=True,
                         env=os.environ, check=False, timeout=60)
    if out.returncode != 0:
        raise RuntimeError(out.stderr.strip())
    return out.stdout.strip()


def db_sold(psql_args: str, event_id: int) -> tuple[int, int]:
    """(lines of pending or paid orders of the event, the quota's counter), read in PostgreSQL."""
    lines = sql_value(psql_args, (
        "select count(*) from orders_orderline l join orders_order o on o.id = l.order_id "
        f"join catalog_product p on p.id = l.product_id where p.event_id = {int(event_id)} "
        "and o.state in ('pending', 'paid')"))
    used = sql_value(psql_args, f"select sum(used) from catalog_quota where event_id = {int(event_id)}")
    return int(lines), int(used or 0)
