"""Review of f1fcbb1..HEAD (issues 9 and 10), hostile input and money: each test shows one defect."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator

import pytest
from django.test import Client

from billetterie.payments.models import Payment, PaymentState
from tests.factories import Shop, order_placed
from tests.payments.fakes import PAYPAL_CREDENTIALS, method_setup
from tests.tickets.test_wallet import pass_certificate  # noqa: F401  (a fixture)

pytestmark = pytest.mark.django_db


class _TooSlow(Exception):
    pass


def _deadline(seconds: int) -> Iterator[None]:
    def on_alarm(signum: int, frame: object) -> None:
        raise _TooSlow(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


# --- 1. notice_body.json_nesting_ok is quadratic: one unauthenticated PayPal notice holds a thread ---


def test_paypal_notice_of_escaped_quotes_is_refused_quickly(shop: Shop, monkeypatch: pytest.MonkeyPatch) -> None:
    """notice_body._STRING is searched from every '"': on '"' + '\\"' * n no string ever closes, so
    each of the n quotes scans to the end of the body (O(n²)). PayPal reads the body before anything
    is verified (any non-empty PAYPAL-* headers will do); 128 KiB, under MAX_EVENT_BYTES, take
    about a minute and a half of one gunicorn thread (64 KiB: 21 s measured), 256 KiB about 6."""
    monkeypatch.setattr("billetterie.payments.providers.paypal.PayPalProvider._call",
                        lambda *a, **k: (_ for _ in ()).throw(AssertionError("sent to PayPal")))
    Payment.objects.create(order=order_placed(shop, tickets=1, meals=0), provider="paypal", amount_cents=1500,
                           state=PaymentState.CREATED)
    method_setup(shop.organizer, "paypal", PAYPAL_CREDENTIALS)
    body = b'"' + b'\\"' * 64_000  # 128 KiB
    headers = {f"PAYPAL-{name}": "x" for name in
               ("TRANSMISSION-ID", "TRANSMISSION-TIME", "TRANSMISSION-SIG", "CERT-URL", "AUTH-ALGO")}
    started = time.monotonic()
    status = None
    try:
        for _ in _deadline(10):
            status = Client().post("/payments/notify/paypal/assoc/", data=body, content_type="application/json",
                                   headers=headers).status_code
    except _TooSlow:
        pass
    elapsed = time.monotonic() - started
    assert status == 400 and elapsed < 10, f"answered {status} after {elapsed:.1f} s"


# --- 2. a buyer who paid twice: the duplicate's automatic refund revokes the ticket at the door ---


def test_the_automatic_refund_of_a_duplicate_payment_leaves_the_ticket_valid_at_the_door(shop: Shop) -> None:
    """Two tabs, two payments: the second to be confirmed finds the order paid and is refunded
    automatically (_refund_automatically). The new order balance says "partly refunded, your
    tickets remain valid" (received 30 €, refunded 15 €), but the check-in still compares the
    refunds with the order's total (checkin/services.py `0 < refunded <= total`,
    checkin/selectors._refunded_in_full) and refuses the buyer's ticket as refunded."""
    from billetterie.checkin.models import ScanResult
    from billetterie.checkin.services import scan_redeem
    from billetterie.payments.balance import OrderStatus, order_balance
    from billetterie.payments.models import Refund
    from billetterie.tickets.signing import ticket_payload
    from tests.factories import door, order_placed, payment_confirm

    _list, scope = door(shop)
    order = order_placed(shop, tickets=1, meals=0)  # 15 €
    first = Payment.objects.create(order=order, provider="sandbox", amount_cents=1500, state=PaymentState.CREATED)
    second = Payment.objects.create(order=order, provider="sandbox", amount_cents=1500, state=PaymentState.CREATED)
    payment_confirm(first)
    payment_confirm(second)
    order.refresh_from_db()
    assert order.state == "paid"
    assert Refund.objects.get().payment_id == second.pk  # the duplicate is given back
    balance = order_balance(order=order)
    assert balance.status == OrderStatus.PARTLY_REFUNDED and balance.kept_cents == 1500  # the shop: tickets valid
    line = order.lines.get(kind="ticket")
    assert scan_redeem(scope=scope, text=ticket_payload(line=line), device_id="d").result == ScanResult.OK


# --- 3. an address the shop and the API accept, that no mail can be addressed to ----------------


def test_an_api_order_to_an_address_mail_cannot_be_sent_to_is_refused(shop: Shop) -> None:
    """core.validation.email_is_valid accepts a domain with a character IDNA forbids (U+FFFD
    here; Django's EmailValidator allows any of U+00A1-U+FFFF in a label). The order is 201 paid,
    then every attempt at its confirmation fails in sanitize_address (UnicodeError: idna) and the
    outbox gives up: the symptom of issue 9, item 7."""
    from django.core.mail.message import sanitize_address

    from billetterie.api.services import api_token_create
    from billetterie.core.validation import email_is_valid

    address = "camille@exa\ufffdmple.fr"
    with pytest.raises(UnicodeError):
        sanitize_address(address, "utf-8")  # no mail can be addressed to it
    _row, token = api_token_create(organizer=shop.organizer, name="tests", permissions="read,orders")
    body = {"email": address, "name": "Buyer", "payment": {"method": "cash", "reference": "till 1"},
            "lines": [{"product_id": shop.ticket.pk, "price_id": shop.adult.pk, "date_id": shop.date.pk,
                       "attendee": {"name": "Person 0", "email": "p0@example.org"}}]}
    response = Client().post("/api/v1/orders", body, content_type="application/json",
                             headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 422, (response.status_code, response.json().get("state"))
    assert not email_is_valid(address)


# --- 4. the order-link limiter counts each IPv6 address apart: one /64 is 2**64 fresh budgets ----


def test_wrong_order_links_from_one_ipv6_network_are_limited_together(shop: Shop) -> None:
    """core/ratelimit.client_address is the full address; any home IPv6 connection owns a /64
    and can use a new source address per request, so the 30 wrong links per 10 minutes never
    add up. (A proxy that appends "address:port" to X-Forwarded-For does the same with ports.)"""
    from django.urls import reverse

    from billetterie.orders.selectors import ORDER_LINK_GUESSES

    order = order_placed(shop, tickets=1, meals=0)
    statuses = []
    for i in range(ORDER_LINK_GUESSES.per_window + 5):
        client = Client(REMOTE_ADDR=f"2001:db8:1:2::{i + 1:x}")  # one network, a new address each time
        url = reverse("shop:order", args=[order.organizer.slug, order.code, f"wrong-secret-{i:04d}-xxxxxxxxxxxxx"])
        statuses.append(client.get(url).status_code)
    assert 429 in statuses, statuses


# --- 5. the audit timeline shows staff amounts in cents (and field names) ------------------------


def test_the_order_timeline_shows_amounts_in_euros(shop: Shop) -> None:
    """core/admin.timeline_html prints each change as `name: old → new` from the raw JSON:
    French staff read « total_cents: None → 2700 » and « amount_cents: None → 1000 »."""
    import re

    from django.contrib.auth.models import User

    from billetterie.payments.services import payment_record_external
    from tests.factories import order_placed

    order = order_placed(shop, tickets=1, meals=1)  # 27 €
    payment_record_external(order_id=order.pk, method="cash", amount_cents=1000)
    User.objects.create_superuser("root", "root@example.org", "pw")
    client = Client()
    client.login(username="root", password="pw")
    html = client.get(f"/admin/orders/order/{order.pk}/change/").content.decode()
    timeline = re.search(r'<table class="audit-timeline">.*?</table>', html, re.S)
    assert timeline is not None
    assert "2700" not in timeline.group(0) and "1000" not in timeline.group(0), timeline.group(0)
    assert "27,00" in timeline.group(0) and "10,00" in timeline.group(0)


# --- 6. a fully refunded order: the PDF is refused, the wallet pass is still issued -------------

def test_a_refunded_order_gets_no_wallet_pass(shop: Shop, pass_certificate: object) -> None:  # noqa: F811
    """shop/views.ticket_download asks the order balance (TICKETS_VALID: paid or partly refunded),
    tickets/views.wallet_pass still asks `order.state == PAID`, which a full refund leaves as it
    is: the buyer, refunded, downloads a pass that looks valid (it is refused only at the door)."""
    from billetterie.payments.balance import OrderStatus, order_balance
    from billetterie.payments.services import payment_record_external, refund_create
    from tests.factories import order_placed

    order = order_placed(shop, tickets=1, meals=0)
    payment = payment_record_external(order_id=order.pk, method="cash", amount_cents=order.total_cents)
    refund_create(payment=payment, amount_cents=order.total_cents, reason="annulation")
    order.refresh_from_db()
    assert order_balance(order=order).status == OrderStatus.REFUNDED
    line = order.lines.get(kind="ticket")
    base = f"/{shop.organizer.slug}/order/{order.code}/{order.secret}/ticket/{line.pk}"
    assert Client().get(f"{base}.pdf").status_code == 404  # the PDF: refused
    assert Client().get(f"{base}.pkpass").status_code == 404  # the wallet pass
