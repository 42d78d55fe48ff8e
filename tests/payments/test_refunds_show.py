"""Refunds that show (issue 10, item 5): a full refund refunds the order (its tickets refused
everywhere, its places released by staff's choice), a refund of one line revokes that line's
ticket, the buyer gets one refund email (amount, method, delay), pages say so with the amounts."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.test import Client

from billetterie.catalog.models import Quota
from billetterie.checkin.models import ScanResult
from billetterie.checkin.selectors import checkin_counts, revoked_pairs
from billetterie.checkin.services import scan_redeem
from billetterie.core import events
from billetterie.core.errors import InvalidInput
from billetterie.core.models import EventDelivery
from billetterie.notifications.models import OutboxKind, OutboxMessage, OutboxState
from billetterie.orders.models import OrderLine, OrderState
from billetterie.orders.services import order_cancel
from billetterie.payments.balance import OrderStatus, order_balance
from billetterie.payments.models import RefundState
from billetterie.payments.providers.base import PaymentUrls
from billetterie.payments.selectors import order_payment_status
from billetterie.payments.services import (
    payment_record_external,
    payment_start,
    refund_create,
    refund_execute,
    refund_mark_done,
)
from billetterie.tickets.models import RevokedTicket
from billetterie.tickets.signing import ticket_payload
from tests.factories import Shop, door, order_paid, order_placed, payment_confirm

pytestmark = pytest.mark.django_db
URLS = PaymentUrls("http://t/r", "http://t/n")


def _used(shop: Shop) -> int:
    return Quota.objects.get(date=shop.date).used


def _refund_emails() -> list[Any]:
    return [m for m in mail.outbox if "Remboursement" in m.subject]


def test_a_full_refund_refunds_the_order_revokes_its_tickets_releases_its_places_and_emails_once(
    shop: Shop, django_capture_on_commit_callbacks: Any
) -> None:
    order = order_paid(shop, tickets=1, meals=0, method="sandbox", email="a@example.org")
    payment = order.payments.get()
    line = order.lines.get()
    text = ticket_payload(line=line)
    _list, scope = door(shop, accept_test_tickets=True)  # paid with the sandbox's test card
    assert _used(shop) == 1
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        refund = refund_create(payment=payment, amount_cents=1500, reason="annulation")
    order.refresh_from_db()
    assert refund.state == RefundState.DONE and refund.release_places
    assert order.state == OrderState.REFUNDED and order.refunded_at is not None
    assert order_payment_status(order=order) == OrderStatus.REFUNDED
    assert _used(shop) == 0  # the place is on sale again
    # the ticket is refused at the door, online and in the offline scanners' revocation list
    assert scan_redeem(scope=scope, text=text, device_id="d").result == ScanResult.REVOKED
    assert (line.pk, bytes(line.ticket_nonce or b"").hex()) in revoked_pairs(scope=scope)
    assert checkin_counts(scope=scope).sold == 0
    [email] = _refund_emails()
    assert email.to == ["a@example.org"] and order.code in email.subject
    assert "15,00\u00a0€" in email.body and "Carte bancaire (bac à sable)" in email.body
    assert "sous 5 à 10 jours ouvrés" in email.body
    assert "ses billets ne sont plus valables" in email.body
    html = email.alternatives[0][0]
    assert "15,00\u00a0€" in html and "Remboursée" in html
    # the event delivered again (at least once): still one email
    message = OutboxMessage.objects.get(kind=OutboxKind.REFUND_ISSUED)
    assert message.refund_id == refund.pk and message.state == OutboxState.SENT
    with django_capture_on_commit_callbacks(execute=True):
        EventDelivery.objects.filter(subscriber="notifications.refund_issued").update(state="pending")
        events.deliver(delivery_ids=EventDelivery.objects.values_list("pk", flat=True))
    assert OutboxMessage.objects.filter(kind=OutboxKind.REFUND_ISSUED).count() == 1
    assert len(_refund_emails()) == 1


def test_staff_may_keep_the_places_of_a_refunded_order_cancelling_it_releases_them(shop: Shop) -> None:
    order = order_paid(shop, tickets=1, meals=0, method="sandbox")
    payment = order.payments.get()
    refund_create(payment=payment, amount_cents=1500, release_places=False)
    order.refresh_from_db()
    assert order.state == OrderState.REFUNDED
    assert _used(shop) == 1  # kept, as staff chose
    order_cancel(order_id=order.pk)
    assert _used(shop) == 0


def test_partial_refunds_leave_the_order_paid_until_nothing_is_kept(shop: Shop) -> None:
    order = order_paid(shop, tickets=2, meals=0, method="sandbox")  # 30 €
    payment = order.payments.get()
    refund_create(payment=payment, amount_cents=1000)
    order.refresh_from_db()
    assert order.state == OrderState.PAID and _used(shop) == 2
    assert order_balance(order=order).status == OrderStatus.PARTLY_REFUNDED
    refund_create(payment=payment, amount_cents=2000)
    order.refresh_from_db()
    assert order.state == OrderState.REFUNDED and _used(shop) == 0


def test_a_refund_of_one_line_revokes_its_ticket_and_releases_its_place(
    shop: Shop, django_capture_on_commit_callbacks: Any
) -> None:
    order = order_paid(shop, tickets=2, meals=0, method="sandbox")
    payment = order.payments.get()
    first, second = order.lines.order_by("id")
    first_text, second_text = ticket_payload(line=first), ticket_payload(line=second)
    old_nonce = bytes(first.ticket_nonce or b"")
    _list, scope = door(shop, accept_test_tickets=True)  # paid with the sandbox's test card
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        refund_create(payment=payment, amount_cents=1500, line_id=first.pk, reason="désistement")
    order.refresh_from_db()
    first.refresh_from_db()
    assert order.state == OrderState.PAID
    assert order_balance(order=order).status == OrderStatus.PARTLY_REFUNDED
    assert first.ticket_nonce is None and _used(shop) == 1
    revoked = RevokedTicket.objects.get(line=first)
    assert bytes(revoked.nonce) == old_nonce and revoked.reason == "refunded"
    assert scan_redeem(scope=scope, text=first_text, device_id="d").result == ScanResult.REVOKED
    assert scan_redeem(scope=scope, text=second_text, device_id="d").result == ScanResult.OK
    assert (first.pk, old_nonce.hex()) in revoked_pairs(scope=scope)
    [email] = _refund_emails()
    assert "Entrée — Adulte" in email.body and "Ce billet n'est plus valable" in email.body
    # once per line, and never more than the line
    with pytest.raises(InvalidInput) as again:
        refund_create(payment=payment, amount_cents=100, line_id=first.pk)
    assert again.value.code == "line_refunded"
    with pytest.raises(InvalidInput) as too_much:
        refund_create(payment=payment, amount_cents=1501, line_id=second.pk)
    assert too_much.value.code == "amount_invalid" and "15,00" in too_much.value.message
    other = order_placed(shop, tickets=1, meals=0)
    with pytest.raises(InvalidInput) as foreign:
        refund_create(payment=payment, amount_cents=100, line_id=other.lines.get().pk)
    assert foreign.value.code == "line_unknown"
    # the last line refunded too: nothing is kept, the order is refunded
    refund_create(payment=payment, amount_cents=1500, line_id=second.pk, release_places=False)
    order.refresh_from_db()
    # the second place kept, as chosen (and the other order's)
    assert order.state == OrderState.REFUNDED and _used(shop) == 2


def test_the_buyers_page_marks_the_refunded_line_and_offers_the_other_ticket(
    shop: Shop, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    order = order_paid(shop, tickets=2, meals=0, method="sandbox")
    payment = order.payments.get()
    first, second = order.lines.order_by("id")
    with django_capture_on_commit_callbacks(execute=True):
        refund_create(payment=payment, amount_cents=1500, line_id=first.pk)
    url = f"/{shop.organizer.slug}/order/{order.code}/{order.secret}/"
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Partiellement remboursée" in page and "Les billets remboursés sont annulés" in page
    assert f"ticket/{first.pk}.pdf" not in page and f"ticket/{second.pk}.pdf" in page
    assert client.get(f"{url}ticket/{first.pk}.pdf").status_code == 404
    assert client.get(f"{url}ticket/{second.pk}.pdf").status_code == 200


def test_a_cash_refund_is_told_when_staff_mark_it_done_immediately(
    shop: Shop, django_capture_on_commit_callbacks: Any
) -> None:
    order = order_placed(shop, tickets=1, meals=0)
    cash = payment_record_external(order_id=order.pk, method="cash", amount_cents=1500)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        refund = refund_create(payment=cash, amount_cents=1500)
    assert refund.state == RefundState.MANUAL and not _refund_emails()  # not handed back yet
    order.refresh_from_db()
    assert order.state == OrderState.REFUNDED  # counted from the start, as the balance does
    with django_capture_on_commit_callbacks(execute=True):
        refund_mark_done(refund_id=refund.pk)
    [email] = _refund_emails()
    assert "Espèces" in email.body and "immédiatement" in email.body


def test_a_refund_the_service_refuses_after_the_order_was_refunded_is_flagged(
    shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    from billetterie.payments.providers.base import RefundOutcome, RefundResult
    from billetterie.payments.providers.sandbox import SandboxProvider

    order = order_paid(shop, tickets=1, meals=0, method="sandbox")
    payment = order.payments.get()
    monkeypatch.setattr(SandboxProvider, "refund", lambda self, refund, config: RefundResult(RefundOutcome.FAILED))
    refund = refund_create(payment=payment, amount_cents=1500)
    assert refund.state == RefundState.FAILED
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.state == OrderState.REFUNDED and payment.needs_attention
    assert not OutboxMessage.objects.filter(kind=OutboxKind.REFUND_ISSUED).exists()


def test_a_late_payment_of_a_refunded_order_is_refunded_and_the_order_stays_refunded(shop: Shop) -> None:
    order = order_placed(shop, tickets=1, meals=0)
    payment_start(order=order, provider_id="sandbox", urls=URLS)
    abandoned = order.payments.get()
    cash = payment_record_external(order_id=order.pk, method="cash", amount_cents=1500)
    refund_mark_done(refund_id=refund_create(payment=cash, amount_cents=1500).pk)
    payment_confirm(abandoned)  # the card attempt the buyer left is confirmed after all
    order.refresh_from_db()
    abandoned.refresh_from_db()
    assert order.state == OrderState.REFUNDED
    assert abandoned.refunds.get().amount_cents == 1500 and abandoned.needs_attention


def test_a_refund_sent_again_later_does_not_refund_twice(shop: Shop) -> None:
    order = order_paid(shop, tickets=1, meals=0, method="sandbox")
    payment = order.payments.get()
    refund = refund_create(payment=payment, amount_cents=1500)
    assert refund_execute(refund_id=refund.pk).state == RefundState.DONE
    assert OrderLine.objects.get(order=order).holds.filter(released_at=None).count() == 0
    assert _used(shop) == 0


def test_a_confirmation_still_unsent_when_the_order_is_refunded_goes_without_its_tickets(
    shop: Shop, django_capture_on_commit_callbacks: Any
) -> None:
    order = order_paid(shop, tickets=1, meals=0, method="sandbox")  # its confirmation is not sent yet (a mail outage)
    payment = order.payments.get()
    refund_create(payment=payment, amount_cents=1500)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        events.deliver(delivery_ids=EventDelivery.objects.values_list("pk", flat=True))
    confirmation = next(m for m in mail.outbox if "Remboursement" not in m.subject)
    assert order.code in confirmation.subject and not confirmation.attachments
    assert "joint" not in confirmation.body  # no "your tickets are attached"
    assert len(_refund_emails()) == 1
