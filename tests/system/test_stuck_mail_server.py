"""Issue 9, must show: a mail server that accepts the connection and never answers holds only the
mail queue's consumer; payments go on being confirmed and unpaid orders expire on time, and the
emails leave once the server answers."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.system.harness import System, buy_with_sandbox_card, database_url
from tests.system.smtp import HangingSmtp

WAIT = 60.0  # a bound for things that take a second or two: never a measured time


def _until(what: str, check: Callable[[], Any]) -> Any:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"still waiting for: {what}")


ORDERS = """
import json
from billetterie.notifications.models import OutboxMessage
from billetterie.orders.models import Order
print(json.dumps({
    "orders": {o.code: o.state for o in Order.objects.all()},
    "emails": {m.order.code: m.state for m in OutboxMessage.objects.select_related("order")},
}))
"""


@pytest.mark.system
def test_a_mail_server_that_never_answers_holds_back_no_payment_and_no_expiry(tmp_path: Path) -> None:
    smtp = HangingSmtp()
    with database_url(tmp_path) as db:
        system = System(tmp_path, db, EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
                        EMAIL_HOST="127.0.0.1", EMAIL_PORT=str(smtp.port), EMAIL_TIMEOUT="300",
                        MAIL_WORKERS="2", SANDBOX_NOTICE_DELAY_SECONDS="0")
        try:
            system.command("migrate", "--noinput")
            setup = system.setup_event(quota=20)
            system.start_web()
            system.start_worker()
            slug, price = str(setup["event_slug"]), int(setup["price_id"])

            def state() -> dict[str, dict[str, str]]:
                result: dict[str, dict[str, str]] = system.query(ORDERS)
                return result

            # three paid orders: their emails take both mail threads, which hang on the server
            for i in range(3):
                buy_with_sandbox_card(system.base, slug, price, i)
            _until("both mail threads stuck on the server", lambda: smtp.connections >= 2)
            first = _until("three paid orders", lambda: (s := state()) and
                           sum(v == "paid" for v in s["orders"].values()) == 3 and s)

            # meanwhile: payments are confirmed by the money queue ...
            for i in range(3, 5):
                buy_with_sandbox_card(system.base, slug, price, i)
            paid = _until("five paid orders", lambda: (s := state()) and
                          sum(v == "paid" for v in s["orders"].values()) == 5 and s)
            # ... and an unpaid order past its due time expires
            buy_with_sandbox_card(system.base, slug, price, 5, pay=False)
            unpaid = next(code for code, st in state()["orders"].items() if st == "pending")
            system.query(
                "import json; from datetime import timedelta; from billetterie.core import clock; "
                "from billetterie.orders.models import Order; "
                "from billetterie.orders.tasks import expire_unpaid_orders; "
                f"Order.objects.filter(code='{unpaid}').update(expires_at=clock.now() - timedelta(seconds=1)); "
                "expire_unpaid_orders(); print(json.dumps(1))"  # queued on the money queue, as the minute's job
            )
            _until("the unpaid order expired", lambda: state()["orders"][unpaid] == "expired")
            assert not smtp.answering.is_set() and smtp.messages == []  # all that while, no email left

            smtp.answer()
            done = _until("every confirmation sent", lambda: (s := state()) and
                          len(s["emails"]) == 5 and set(s["emails"].values()) == {"sent"} and s)
        finally:
            system.stop()
            smtp.close()
    assert set(first["orders"].values()) == {"paid"}
    assert set(done["emails"]) == {c for c, st in paid["orders"].items() if st == "paid"}
    assert len(smtp.messages) == 5
