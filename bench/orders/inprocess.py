"""CPU and queries per API order, in-process: the WSGI application called through Django's test
client (no HTTP server, no load driver), so the figure is this code's own work, robust to a shared
machine. Run with DATABASE_URL set to a fresh PostgreSQL database (migrated):

    .venv/bin/python bench/orders/inprocess.py --orders 300

Prints one JSON line: CPU ms per order (time.process_time), wall ms per order, SQL statements per
order (over the last 20), of the API's POST /api/v1/orders paid at the box office."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "billetterie.settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=300)
    args = parser.parse_args()
    script = os.environ.get("BENCH_SETUP") or str(Path(__file__).with_name("setup.py"))
    setup = subprocess.run([sys.executable, script, "--slug", "inproc",  # noqa: S603 (our own script)
                            "--quota", str(args.orders + 10)], capture_output=True, text=True, check=True)
    s = json.loads(setup.stdout.strip().splitlines()[-1])
    client = Client(headers={"authorization": f"Bearer {s['token']}"})
    cpu, wall, statements = [], [], []
    for i in range(args.orders):
        body = {"email": f"buyer{i}@example.org", "name": f"Buyer {i}", "send_email": False,
                "payment": {"method": "card_terminal"},
                "lines": [{"product_id": s["product_id"], "price_id": s["price_id"], "date_id": s["date_id"],
                           "attendee": {"name": f"Buyer {i}", "email": f"buyer{i}@example.org"}}]}
        connection.queries_log.clear()  # a full log (9,000 entries) would capture nothing more
        with CaptureQueriesContext(connection) as queries:
            c0, w0 = time.process_time(), time.perf_counter()
            answer = client.post("/api/v1/orders", data=json.dumps(body), content_type="application/json",
                                 headers={"idempotency-key": f"inproc-{i}"})
            c1, w1 = time.process_time(), time.perf_counter()
        assert answer.status_code == 201, answer.content[:300]
        if i >= 20:  # warmed up
            cpu.append((c1 - c0) * 1000)
            wall.append((w1 - w0) * 1000)
            statements.append(len(queries.captured_queries))
    print(json.dumps({"orders": args.orders, "cpu_ms_median": round(statistics.median(cpu), 2),
                      "wall_ms_median": round(statistics.median(wall), 2),
                      "statements_per_order": round(statistics.median(statements[-20:]), 1)}))


if __name__ == "__main__":
    main()
