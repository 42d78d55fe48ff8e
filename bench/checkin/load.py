#!/usr/bin/env python3
"""Check-in load driver for billetterie's redeem API (our own code, modelled on
../shared/bench/pretix/load.py's check-in phase, so the figures compare).

One invocation = one run on a fresh list of paid tickets (made by setup.py):
  1. first scans: --concurrency clients redeem every ticket once (minus --race-tickets held back);
  2. re-scans: every ticket again, each must answer already_redeemed;
  3. race: each held-back ticket is scanned by 2 clients at the same moment: exactly one "ok".
Writes one JSON line to --out. Every loop is bounded by count and by --max-seconds; only
talks to 127.0.0.1.

The client: `--client raw` (default) is a minimal HTTP/1.1 keep-alive client on asyncio streams,
one connection per virtual device; `--client httpx` is pretix's driver's httpx.AsyncClient. At a
few hundred requests a second httpx itself takes most of a core of the two this machine has, so
it measures the driver more than the server; pretix, at ~30 scans/s, is far from that limit. Each
scan carries a client scan id, so a request resent on a dropped keep-alive connection counts once."""

import argparse
import asyncio
import json
import random
import statistics
import sys
import time
from urllib.parse import urlparse

import httpx


def pct(values, p):
    if not values:
        return None
    s = sorted(values)
    k = (len(s) - 1) * p / 100.0
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def lat_summary(values):
    ms = [v * 1000 for v in values]
    if not ms:
        return {"n": 0}
    return {"n": len(ms), "p50_ms": round(pct(ms, 50), 1), "p95_ms": round(pct(ms, 95), 1),
            "p99_ms": round(pct(ms, 99), 1), "max_ms": round(max(ms), 1), "mean_ms": round(statistics.fmean(ms), 1)}


async def run_pool(concurrency, n_jobs, job, max_seconds):
    counter = iter(range(n_jobs))
    deadline = time.monotonic() + max_seconds
    timed_out = False

    async def worker(slot):
        nonlocal timed_out
        for i in counter:
            if time.monotonic() > deadline:
                timed_out = True
                return
            await job(i, slot)

    t0 = time.monotonic()
    await asyncio.gather(*[worker(slot) for slot in range(concurrency)])
    return t0, time.monotonic(), timed_out


class RawClient:
    """HTTP/1.1 keep-alive on asyncio streams, one connection per worker (no pooling needed)."""

    def __init__(self, base, headers, size):
        u = urlparse(base)
        self.host, self.port = u.hostname, u.port or 80
        self.extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self.conns = [None] * size

    async def post(self, slot, path, body):
        raw = body.encode()
        head = (f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n{self.extra}"
                f"Content-Length: {len(raw)}\r\n\r\n").encode()
        for attempt in range(3):
            conn = self.conns[slot]
            try:
                if conn is None:
                    conn = self.conns[slot] = await asyncio.open_connection(self.host, self.port)
                reader, writer = conn
                writer.write(head + raw)
                header = await reader.readuntil(b"\r\n\r\n")
                status = int(header[9:12])
                lower = header.lower()
                i = lower.find(b"content-length:")
                if i < 0:
                    raise ConnectionError("no content-length")
                length = int(lower[i + 15: lower.find(b"\r\n", i)])
                data = await reader.readexactly(length)
                if b"connection: close" in lower:
                    writer.close()
                    self.conns[slot] = None
                return status, data
            except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, OSError):
                if self.conns[slot] is not None:
                    self.conns[slot][1].close()
                self.conns[slot] = None
                if attempt == 2:
                    raise
        raise ConnectionError("unreachable")

    async def close(self):
        for conn in self.conns:
            if conn is not None:
                conn[1].close()


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", default="http://127.0.0.1:58200")
    ap.add_argument("--setup", required=True, help="setup.py's JSON line")
    ap.add_argument("--payloads", required=True, help="file with one QR text per line")
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--race-tickets", type=int, default=100)
    ap.add_argument("--max-seconds", type=float, default=600, help="time bound per phase")
    ap.add_argument("--run-id", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--client", choices=["raw", "httpx"], default="raw")
    ap.add_argument("--server", default="gunicorn", help="label: which app server answered")
    a = ap.parse_args()
    host = urlparse(a.base).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        sys.exit(f"refusing to send load to non-loopback host {host!r}")
    setup = json.loads(a.setup)
    C = a.concurrency
    limits = httpx.Limits(max_connections=C + 4, max_keepalive_connections=C + 4)
    client = httpx.AsyncClient(
        base_url=f"{a.base}/api/v1/checkin/lists/{setup['list_id']}",
        headers={"Authorization": f"Bearer {setup['token']}", "Content-Type": "application/json"},
        limits=limits, timeout=httpx.Timeout(60.0),
    )
    with open(a.payloads) as f:
        secrets = [line.strip() for line in f if line.strip()]
    random.shuffle(secrets)
    race = secrets[: min(a.race_tickets, len(secrets) // 10)]
    main_secrets = secrets[len(race):]

    # warm-up: touch every gunicorn worker with a cheap authenticated GET (not measured)
    list_url = f"{a.base}/api/v1/checkin/lists/{setup['list_id']}"
    for r in await asyncio.gather(*[client.get(list_url) for _ in range(2 * C)]):
        r.raise_for_status()

    reasons = {}
    raw = RawClient(a.base, {"Authorization": f"Bearer {setup['token']}", "Content-Type": "application/json"},
                    size=2 * C + 2)
    redeem_path = f"/api/v1/checkin/lists/{setup['list_id']}/redeem"
    scan_ids = iter(range(10**9))

    async def scan(text, device, slot):
        t = time.monotonic()
        body_text = json.dumps({"text": text, "device_id": device, "client_scan_id": f"{a.run_id}-{next(scan_ids)}"})
        try:
            if a.client == "raw":
                code, data = await raw.post(slot, redeem_path, body_text)
                body = json.loads(data)
            else:
                r = await client.post("/redeem", content=body_text)
                code, body = r.status_code, r.json()
        except (httpx.HTTPError, ValueError, ConnectionError, OSError, asyncio.IncompleteReadError) as e:
            code, body = -1, {"result": repr(e)[:80]}
        return code, body, time.monotonic() - t

    scan_ok, scan_other = [], []

    async def first_scan(i, slot):
        code, body, dt = await scan(main_secrets[i], f"porte-{slot}", slot)
        if code == 200 and body.get("result") == "ok":
            scan_ok.append(dt)
        else:
            scan_other.append(dt)
            k = f"first:{code}:{body.get('result')}"
            reasons[k] = reasons.get(k, 0) + 1

    c0, c1, t1 = await run_pool(C, len(main_secrets), first_scan, a.max_seconds)

    rescan_rejected, rescan_other = [], []

    async def second_scan(i, slot):
        code, body, dt = await scan(main_secrets[i], f"porte-b{slot}", slot)
        if code == 200 and body.get("result") == "already_redeemed" and body.get("first_scanned_at"):
            rescan_rejected.append(dt)
        else:
            rescan_other.append(dt)
            k = f"rescan:{code}:{body.get('result')}"
            reasons[k] = reasons.get(k, 0) + 1

    r0, r1, t2 = await run_pool(C, len(main_secrets), second_scan, a.max_seconds)

    race_results = []

    async def race_one(i, slot):
        res = await asyncio.gather(scan(race[i], "race-a", 2 * slot), scan(race[i], "race-b", 2 * slot + 1))
        race_results.append(sum(1 for code, body, _ in res if code == 200 and body.get("result") == "ok"))

    await run_pool(max(1, C // 2), len(race), race_one, a.max_seconds)
    await client.aclose()
    await raw.close()

    checkin = {
        "tickets": len(main_secrets), "ok": len(scan_ok), "not_ok": len(scan_other), "timed_out": t1 or t2,
        "phase_seconds": round(c1 - c0, 3), "scans_per_s": round(len(scan_ok) / (c1 - c0), 2),
        "lat_first_scan": lat_summary(scan_ok + scan_other),
        "rescan_rejected_already_redeemed": len(rescan_rejected), "rescan_other": len(rescan_other),
        "rescan_per_s": round((len(rescan_rejected) + len(rescan_other)) / (r1 - r0), 2),
        "lat_rescan": lat_summary(rescan_rejected + rescan_other),
        "race_tickets": len(race), "race_exactly_one_ok": sum(1 for x in race_results if x == 1),
        "race_double_ok": sum(1 for x in race_results if x > 1),
        "race_zero_ok": sum(1 for x in race_results if x == 0), "reasons": reasons,
    }
    checkin["driver_cpu_seconds"] = round(time.process_time(), 2)
    print(f"[{a.run_id}] checkin ({a.client} client): {json.dumps(checkin)}", flush=True)
    rec = {"system": "billetterie", "server": a.server, "client": a.client, "run_id": a.run_id, "concurrency": C,
           "checkin": checkin, "ts": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    with open(a.out, "a") as f:
        f.write(json.dumps(rec) + "\n")
    if checkin["race_double_ok"] or checkin["rescan_other"] or checkin["not_ok"]:
        print(f"[{a.run_id}] CORRECTNESS VIOLATION", flush=True)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
