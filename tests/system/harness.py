"""The running system as production runs it: `billetterie serve` (gunicorn) and `billetterie worker`
(the money and mail consumers) as real processes, on their own database (a fresh SQLite file, or a
fresh PostgreSQL database when the suite runs on PostgreSQL), driven over HTTP on 127.0.0.1.

The test process never touches that database through its own Django connection: it asks the
system with `billetterie shell -c` (`System.query`), as an operator would."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

ROOT = Path(__file__).resolve().parents[2]
BILLETTERIE = [sys.executable, "-m", "billetterie.cli"]
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
PERSON = re.compile(r'name="(p\d+)_name"')
START_TIMEOUT = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def database_url(var_dir: Path) -> Iterator[str]:
    """A fresh database for the system, dropped afterwards: PostgreSQL when the suite runs on it."""
    outer = os.environ.get("DATABASE_URL", "")
    if not outer.startswith("postgres"):
        yield ""  # the embedded SQLite database of the system's var/ folder (WAL, BEGIN IMMEDIATE)
        return
    import psycopg

    name = f"billetterie_sys_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    parts = urlsplit(outer)
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class System:
    """One deployment: its settings (environment), its web server and its worker."""

    def __init__(self, var_dir: Path, db_url: str, **env: str) -> None:
        self.var_dir = var_dir
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "HUEY", "REDIS", "DATABASE_"))},
            "DJANGO_SETTINGS_MODULE": "billetterie.settings",
            "BILLETTERIE_VAR": str(var_dir),
            **({"DATABASE_URL": db_url} if db_url else {}),
            "SECRET_KEY": "system-test-" + uuid.uuid4().hex,
            "DEBUG": "0",
            "ALLOWED_HOSTS": "127.0.0.1",
            "SITE_URL": self.base,
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            "WEB_CONCURRENCY": "2",
            "GUNICORN_THREADS": "4",
            "SANDBOX_PAYMENTS": "1",
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "LOG_LEVEL": "WARNING",
            **env,
        }
        self.web: subprocess.Popen[bytes] | None = None
        self.worker: subprocess.Popen[bytes] | None = None
        self.logs = var_dir / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)

    # --- processes -----------------------------------------------------------------------------

    def command(self, *args: str, timeout: float = 120) -> str:
        done = subprocess.run([*BILLETTERIE, *args], env=self.env, capture_output=True, text=True,
                              timeout=timeout, cwd=self.var_dir, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"billetterie {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def query(self, code: str) -> Any:
        """Run Python in the system's Django (`billetterie shell -c`); its last line printed is JSON."""
        out = self.command("shell", "-c", code)
        return json.loads(out.strip().splitlines()[-1])

    def _spawn(self, name: str, args: list[str]) -> subprocess.Popen[bytes]:
        log = (self.logs / f"{name}.log").open("ab")
        # its own process group: SIGKILL reaches the gunicorn master and its workers at once
        return subprocess.Popen([*BILLETTERIE, *args], env=self.env, cwd=self.var_dir, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)

    def start_web(self) -> None:
        self.web = self._spawn("web", ["serve"])
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.web.poll() is not None:
                raise RuntimeError(f"the web server exited: {(self.logs / 'web.log').read_text()[-3000:]}")
            with suppress(httpx.HTTPError):
                if httpx.get(f"{self.base}/api/v1/openapi.json", timeout=2).status_code == 200:
                    return
            time.sleep(0.2)
        raise RuntimeError("the web server did not answer in time")

    def start_worker(self) -> None:
        self.worker = self._spawn("worker", ["worker"])

    @staticmethod
    def _kill(proc: subprocess.Popen[bytes] | None, sig: int = signal.SIGKILL) -> None:
        if proc is None or proc.poll() is not None:
            return
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=20)

    def kill_web(self) -> None:
        self._kill(self.web)

    def kill_worker(self) -> None:
        self._kill(self.worker)

    def stop(self) -> None:
        self._kill(self.web, signal.SIGTERM)
        self._kill(self.worker, signal.SIGTERM)

    # --- data ----------------------------------------------------------------------------------

    def setup_event(self, quota: int, slug: str = "rush") -> dict[str, Any]:
        out = subprocess.run([sys.executable, str(ROOT / "bench/orders/setup.py"), "--slug", slug,
                              "--quota", str(quota)], env=self.env, capture_output=True, text=True,
                             timeout=120, cwd=self.var_dir, check=True)
        setup: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
        return setup


def _again(step: Callable[[], httpx.Response], tries: int) -> httpx.Response:
    """A buyer whose page did not load (the server was down) tries again, as people do."""
    for attempt in range(tries):
        try:
            response = step()
        except httpx.HTTPError:
            if attempt == tries - 1:
                raise
            time.sleep(0.5)
            continue
        if response.status_code < 500 or attempt == tries - 1:
            return response
        time.sleep(0.5)
    raise AssertionError("unreachable")


def buy_with_sandbox_card(base: str, event_slug: str, price_id: int, i: int, timeout: float = 20,
                          tries: int = 1, pay: bool = True) -> str:
    """One buyer's journey through the HTML shop up to the sandbox card form (submitted unless
    `pay` is false); returns the sandbox page's path (`pay` false) or the order page's path, or
    raises httpx.HTTPError / RuntimeError where the journey broke. With `tries`, each step is
    tried again when the server does not answer (a double submit, as people do)."""
    with httpx.Client(base_url=base, timeout=timeout, follow_redirects=False,
                      headers={"Accept-Language": "fr", "Referer": base}) as client:
        event_url = f"/bench/e/{event_slug}/"
        page = _again(lambda: client.get(event_url), tries)
        token = CSRF.search(page.text)
        if page.status_code != 200 or token is None:
            raise RuntimeError(f"event page {page.status_code}")
        form = {"csrfmiddlewaretoken": token.group(1), f"qty_{price_id}": "1"}
        added = _again(lambda: client.post(event_url, data=form), tries)
        if added.status_code != 302:
            raise RuntimeError(f"add {added.status_code}")
        cart = _again(lambda: client.get("/bench/cart/"), tries)
        token, people = CSRF.search(cart.text), PERSON.findall(cart.text)
        if token is None or not people:
            raise RuntimeError("cart page")
        form = {"csrfmiddlewaretoken": token.group(1), "name": f"Buyer {i}", "email": f"buyer{i}@example.org",
                "provider": "sandbox", "terms": "on"}
        for prefix in people:
            form[f"{prefix}_name"], form[f"{prefix}_email"] = f"Buyer {i}", f"buyer{i}@example.org"
        placed = _again(lambda: client.post("/bench/cart/", data=form), tries)
        if placed.status_code != 302:
            raise RuntimeError(f"checkout {placed.status_code}")
        pay_url = placed.headers["location"]
        pay_page = _again(lambda: client.get(pay_url), tries)
        token = CSRF.search(pay_page.text)
        if token is None:
            raise RuntimeError(f"sandbox page {pay_page.status_code}")
        if not pay:
            return pay_url.replace(base, "")
        card = {"csrfmiddlewaretoken": token.group(1), "holder": "Buyer", "number": "4242424242424242",
                "expiry": "12/34", "cvc": "123"}
        back = _again(lambda: client.post(pay_url, data=card), tries)
        if back.status_code != 302:
            raise RuntimeError(f"card {back.status_code}")
        return back.headers["location"].replace(base, "")


# What must hold after any crash, read from the system's own database: every paid order has its
# confirmation queued or sent; every confirmed payment has its paid (or refunded) order and its
# tickets (but those a refund of their line took back); every quota counts exactly its live holds,
# never more than its size, and keeps exactly the lines that keep their places: those of paid
# orders and of refunded orders whose places staff kept (the last refund's choice), but no line
# refunded on its own with its places released.
INVARIANTS = r"""
import json
from datetime import timedelta
from billetterie.capacity.models import Hold
from billetterie.catalog.models import Quota
from billetterie.core import clock, events
from billetterie.core.models import DeliveryState, EventDelivery
from billetterie.notifications.models import OutboxMessage
from billetterie.orders.models import Order, OrderLine, OrderState
from billetterie.payments.models import REFUND_COUNTING_STATES, Payment, PaymentState, Refund

# the sweeps the worker runs every minute, as they would run at the next minute
events.deliver_due(now=clock.now() + timedelta(minutes=2))
paid = set(Order.objects.filter(state=OrderState.PAID).values_list("pk", flat=True))
confirmed = set(OutboxMessage.objects.filter(kind="order_confirmed").values_list("order_id", flat=True))
payments = list(Payment.objects.filter(state=PaymentState.CONFIRMED).values_list("order_id", "order__state"))
line_refunds = Refund.objects.filter(line__isnull=False, state__in=REFUND_COUNTING_STATES)
refunded_lines = set(line_refunds.values_list("line_id", flat=True))
released_lines = set(line_refunds.filter(release_places=True).values_list("line_id", flat=True))
unticketed = OrderLine.objects.filter(order__state=OrderState.PAID, kind="ticket", ticket_nonce=None).exclude(
    pk__in=refunded_lines).count()
kept_refunded = []
for order_id in Order.objects.filter(state=OrderState.REFUNDED).values_list("pk", flat=True):
    last = Refund.objects.filter(payment__order_id=order_id, state__in=REFUND_COUNTING_STATES).order_by("-pk").first()
    if last is not None and not last.release_places:
        kept_refunded.append(order_id)
keeping = OrderLine.objects.filter(order__state=OrderState.PAID) | OrderLine.objects.filter(order_id__in=kept_refunded)
quotas = []
for quota in Quota.objects.all():
    live = Hold.objects.filter(quota=quota, released_at=None).count()
    kept = Hold.objects.filter(quota=quota, released_at=None, expires_at=None).count()
    lines = keeping.filter(holds__quota=quota).exclude(pk__in=released_lines).distinct().count()
    quotas.append({"id": quota.pk, "used": quota.used, "size": quota.size, "live": live, "kept": kept,
                   "paid_lines": lines})
print(json.dumps({
    "paid": len(paid),
    "paid_without_confirmation": sorted(paid - confirmed),
    "confirmed_payments": len(payments),
    "confirmed_payments_unpaid_order": sorted(o for o, s in payments if s not in (OrderState.PAID,
                                                                                   OrderState.REFUNDED)),
    "paid_ticket_lines_without_ticket": unticketed,
    "quotas": quotas,
    "pending_deliveries": EventDelivery.objects.exclude(state=DeliveryState.DONE).count(),
}))
"""


def invariant_violations(report: dict[str, Any]) -> list[str]:
    problems = []
    if report["paid_without_confirmation"]:
        problems.append(f"paid orders without their confirmation: {report['paid_without_confirmation']}")
    if report["confirmed_payments_unpaid_order"]:
        problems.append(f"confirmed payments whose order is not paid: {report['confirmed_payments_unpaid_order']}")
    if report["paid_ticket_lines_without_ticket"]:
        problems.append(f"{report['paid_ticket_lines_without_ticket']} paid ticket lines without a ticket")
    for q in report["quotas"]:
        if not (q["used"] == q["live"] <= q["size"] and q["kept"] == q["paid_lines"]):
            problems.append(f"quota {q}")
    if report["pending_deliveries"]:
        problems.append(f"{report['pending_deliveries']} event deliveries not done")
    return problems
