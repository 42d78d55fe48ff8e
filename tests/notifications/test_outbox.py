from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import timedelta
from email.utils import parseaddr
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.core.mail.backends import locmem
from django.test import Client
from django.utils import translation
from django.utils.formats import date_format
from django.utils.timezone import localtime

from billetterie.core import clock
from billetterie.notifications.models import OutboxMessage, OutboxState
from billetterie.notifications.services import (
    MAX_ATTEMPTS,
    email_order_confirmed,
    outbox_retry,
    outbox_send,
    outbox_send_due,
    retry_delay,
)
from billetterie.notifications.tasks import outbox_drain_due
from billetterie.orders.models import Order
from billetterie.orders.services import order_mark_paid
from billetterie.tickets.selectors import event_public_key
from billetterie.tickets.signing import ticket_verify
from tests.factories import Shop, order_paid, order_placed

pytestmark = pytest.mark.django_db

OnCommit = Callable[..., AbstractContextManager[list[Callable[[], Any]]]]


class FlakyBackend(locmem.EmailBackend):
    """Fails while `failures_left` is positive, like an SMTP server that is down."""

    failures_left = 0

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        if FlakyBackend.failures_left > 0:
            FlakyBackend.failures_left -= 1
            raise ConnectionRefusedError("could not log in to smtp.example as billetterie with s3cr3t-pw")
        return super().send_messages(email_messages)


@pytest.fixture
def flaky_backend(settings: Any) -> Iterator[type[FlakyBackend]]:
    settings.EMAIL_BACKEND = f"{__name__}.FlakyBackend"
    settings.EMAIL_HOST_PASSWORD = "s3cr3t-pw"
    FlakyBackend.failures_left = 0
    yield FlakyBackend
    FlakyBackend.failures_left = 0


def _paid(shop: Shop, on_commit: OnCommit, **kwargs: Any) -> Order:
    with on_commit(execute=True):
        return order_paid(shop, **kwargs)


def _only_email() -> EmailMultiAlternatives:
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert isinstance(email, EmailMultiAlternatives)
    return email


def _html(email: EmailMultiAlternatives) -> str:
    (html, mimetype), = email.alternatives
    assert mimetype == "text/html"
    return str(html)


def test_paid_ticket_order_sends_receipt_and_tickets(
    shop: Shop, django_capture_on_commit_callbacks: OnCommit, settings: Any
) -> None:
    settings.SITE_URL = "https://billets.example.org/"
    order = _paid(shop, django_capture_on_commit_callbacks, tickets=2, meals=1)

    email = _only_email()
    assert email.to == ["acheteur@example.org"]
    assert parseaddr(email.from_email) == ("Association des étudiants", "ne-pas-repondre@assoc.example")
    assert email.reply_to == ["contact@assoc.example"]
    assert order.code in email.subject
    assert "Association des étudiants" in email.subject
    # the header really carries the display name (encoded) and the no-reply address
    assert "ne-pas-repondre@assoc.example" in email.message()["From"]

    order_link = f"https://billets.example.org/assoc/order/{order.code}/{order.secret}/"
    html = _html(email)
    with translation.override("fr"):  # whatever the French catalogue says today
        paid = translation.gettext("Payment confirmed")
        subject = translation.gettext("Your order %(code)s: %(event)s, %(date)s — %(organizer)s")
        day = date_format(localtime(shop.date.start), "DATE_FORMAT")
    # the subject names the event and its date (issue 12)
    assert email.subject == subject % {"code": order.code, "organizer": "Association des étudiants",
                                       "event": "JIP 2027", "date": day}
    for body in (email.body, html):
        assert paid in body
        assert order_link in body
        assert body.count("Entrée — Adulte") == 2
        assert "Repas — Repas complet" in body
        assert "Camille Durand" in body and "Léo Martin" in body
        assert "15,00\u00a0€" in body and "12,00\u00a0€" in body
        assert "42,00\u00a0€" in body  # the total
        assert "Association des étudiants BTS" in body
        assert "1 rue de la Gare, 46200 Souillac" in body
        assert "contact@assoc.example" in body
        assert "ne-pas-repondre@assoc.example" in body
    assert html.lstrip().startswith("<!DOCTYPE html>") or "<html" in html

    pdfs = [a for a in email.attachments if a[2] == "application/pdf"]
    assert len(pdfs) == 2  # one per ticket, none for the meal
    tickets = list(order.lines.filter(kind="ticket").order_by("id"))
    names = sorted(name for name, _content, _type in pdfs)
    assert [name.removesuffix(".pdf").split("-", 1)[1] for name in names] == sorted(t.serial for t in tickets)
    assert all(name.endswith(".pdf") for name in names)
    assert all(content[:4] == b"%PDF" for _name, content, _type in pdfs)

    message = OutboxMessage.objects.get()
    assert (message.kind, message.state, message.attempts) == ("order_confirmed", OutboxState.SENT, 1)
    assert message.dedup_key == f"order_confirmed:{order.pk}"
    assert message.to == "acheteur@example.org"
    assert message.sent_at is not None


def test_attached_ticket_qr_verifies(shop: Shop, django_capture_on_commit_callbacks: OnCommit) -> None:
    import pypdfium2 as pdfium
    import zxingcpp

    order = _paid(shop, django_capture_on_commit_callbacks, tickets=1, meals=0)
    (_name, content, _type), = _only_email().attachments
    image = pdfium.PdfDocument(content)[0].render(scale=4).to_pil()
    (barcode,) = zxingcpp.read_barcodes(image)
    claims = ticket_verify(
        text=barcode.text, public_key=event_public_key(event_id=shop.event.pk), event_id=shop.event.pk
    )
    assert claims is not None
    assert claims.line_id == order.lines.get().pk


def test_default_site_url(shop: Shop, django_capture_on_commit_callbacks: OnCommit, settings: Any) -> None:
    settings.SITE_URL = ""
    order = _paid(shop, django_capture_on_commit_callbacks, tickets=1, meals=0)
    assert f"http://127.0.0.1:8000/assoc/order/{order.code}/{order.secret}/" in _only_email().body


def test_english_version(shop: Shop, django_capture_on_commit_callbacks: OnCommit) -> None:
    order = _paid(shop, django_capture_on_commit_callbacks, tickets=1, meals=0, locale="en")
    email = _only_email()
    with translation.override("en"):
        day = date_format(localtime(shop.date.start), "DATE_FORMAT")
    assert email.subject == f"Your order {order.code}: JIP 2027, {day} — Association des étudiants"
    html = _html(email)
    for body in (email.body, html):
        assert "Payment confirmed" in body
        assert "€15.00" in body
        assert "Hello Camille Durand," in body
        assert "please do not write to it" in body
    assert "Your ticket is attached" in email.body
    (name, content, _type), = email.attachments
    assert name.endswith(".pdf")
    import pypdfium2 as pdfium

    ticket_text = pdfium.PdfDocument(content)[0].get_textpage().get_text_range()
    assert "Attendee" in ticket_text and "€15.00" in ticket_text


def test_paying_twice_or_confirming_twice_sends_one_email(
    shop: Shop, django_capture_on_commit_callbacks: OnCommit
) -> None:
    order = _paid(shop, django_capture_on_commit_callbacks, tickets=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert order_mark_paid(order_id=order.pk)  # a duplicate payment notice
    with django_capture_on_commit_callbacks(execute=True):
        email_order_confirmed(order_id=order.pk)
        email_order_confirmed(order_id=order.pk)
    assert len(mail.outbox) == 1
    assert OutboxMessage.objects.count() == 1


def test_a_sent_message_is_never_sent_again(shop: Shop, django_capture_on_commit_callbacks: OnCommit) -> None:
    _paid(shop, django_capture_on_commit_callbacks, tickets=1)
    message = OutboxMessage.objects.get()
    assert outbox_send(message_id=message.pk) is None
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=clock.now() - timedelta(hours=1))
    assert outbox_send_due() == 0
    assert outbox_retry(message_ids=[message.pk]) == 0
    assert len(mail.outbox) == 1


def test_a_message_being_sent_is_skipped_by_a_concurrent_drain(
    shop: Shop, django_capture_on_commit_callbacks: OnCommit, monkeypatch: pytest.MonkeyPatch
) -> None:
    import billetterie.notifications.services as services

    build = services.email_message_build
    concurrent: list[str | None] = []

    def build_then_race(*, message: OutboxMessage) -> EmailMultiAlternatives:
        # another worker drains while this one renders: the claimed row is not due for it
        concurrent.append(outbox_send(message_id=message.pk))
        concurrent.append(str(outbox_send_due()))
        return build(message=message)

    monkeypatch.setattr(services, "email_message_build", build_then_race)
    _paid(shop, django_capture_on_commit_callbacks, tickets=1)
    assert concurrent == [None, "0"]
    assert len(mail.outbox) == 1
    assert OutboxMessage.objects.get().state == OutboxState.SENT


def test_failing_backend_retries_then_succeeds(
    shop: Shop, django_capture_on_commit_callbacks: OnCommit, flaky_backend: type[FlakyBackend]
) -> None:
    flaky_backend.failures_left = 2
    start = clock.now()
    with time_machine.travel(start, tick=False):
        _paid(shop, django_capture_on_commit_callbacks, tickets=1)
        message = OutboxMessage.objects.get()
        assert (message.state, message.attempts) == (OutboxState.PENDING, 1)
        assert message.next_attempt_at == start + retry_delay(1)
        assert "ConnectionRefusedError" in message.last_error
        assert "s3cr3t-pw" not in message.last_error
        assert outbox_send_due() == 0  # not due yet
    assert mail.outbox == []

    with time_machine.travel(start + timedelta(minutes=1, seconds=1), tick=False):
        outbox_drain_due.call_local()  # the periodic task, run as the consumer would
        message.refresh_from_db()
        assert (message.state, message.attempts) == (OutboxState.PENDING, 2)
        assert message.next_attempt_at == clock.now() + retry_delay(2)

    with time_machine.travel(start + timedelta(minutes=4), tick=False):
        assert outbox_send_due() == 1
    message.refresh_from_db()
    assert (message.state, message.attempts, message.last_error) == (OutboxState.SENT, 3, "")
    assert len(mail.outbox) == 1
    assert len(mail.outbox[0].attachments) == 1


def test_gives_up_after_max_attempts_then_staff_retry(
    shop: Shop, django_capture_on_commit_callbacks: OnCommit, flaky_backend: type[FlakyBackend]
) -> None:
    flaky_backend.failures_left = 100
    now = clock.now()
    with time_machine.travel(now, tick=False):
        _paid(shop, django_capture_on_commit_callbacks, tickets=1)
    message = OutboxMessage.objects.get()
    for _attempt in range(MAX_ATTEMPTS + 3):
        now += timedelta(days=1)
        with time_machine.travel(now, tick=False):
            outbox_send_due()
    message.refresh_from_db()
    assert (message.state, message.attempts) == (OutboxState.FAILED, MAX_ATTEMPTS)
    assert mail.outbox == []

    flaky_backend.failures_left = 0
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox_retry(message_ids=[message.pk]) == 1
    message.refresh_from_db()
    assert message.state == OutboxState.SENT
    assert len(mail.outbox) == 1


def test_backoff_grows_and_is_capped() -> None:
    delays = [retry_delay(n) for n in range(1, MAX_ATTEMPTS)]
    assert delays[0] == timedelta(minutes=1)
    assert delays == [timedelta(minutes=2**n) for n in range(MAX_ATTEMPTS - 1)]
    assert retry_delay(50) == timedelta(hours=6)


def test_order_without_tickets_has_no_attachment(
    shop: Shop, django_capture_on_commit_callbacks: OnCommit
) -> None:
    order = order_placed(shop, tickets=0, meals=0, donation_cents=2500, locale="en", name="Ada Lovelace",
                         email="don@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        order_mark_paid(order_id=order.pk)
    email = _only_email()
    assert email.attachments == []
    assert "€25.00" in email.body
    assert "attached" not in email.body


def test_admin_lists_and_retries(
    shop: Shop, django_capture_on_commit_callbacks: OnCommit, admin_client: Client,
    flaky_backend: type[FlakyBackend],
) -> None:
    flaky_backend.failures_left = 1
    _paid(shop, django_capture_on_commit_callbacks, tickets=1)
    message = OutboxMessage.objects.get()
    assert message.state == OutboxState.PENDING and mail.outbox == []

    response = admin_client.get("/admin/notifications/outboxmessage/")
    assert response.status_code == 200
    assert "acheteur@example.org" in response.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/admin/notifications/outboxmessage/",
            {"action": "retry_now", "_selected_action": [str(message.pk)]},
        )
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.state == OutboxState.SENT
    assert len(mail.outbox) == 1
    assert admin_client.get(f"/admin/notifications/outboxmessage/{message.pk}/change/").status_code == 200


def test_unpaid_order_is_not_emailed_by_placing(
    shop: Shop, django_capture_on_commit_callbacks: OnCommit
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        order_placed(shop, tickets=1)
    assert mail.outbox == []
    assert not OutboxMessage.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_real_commit_sends_the_email() -> None:
    """Without test wrapping: the confirmation goes out once the payment's transaction commits."""
    from tests.factories import shop_create

    shop = shop_create()
    order = order_paid(shop, tickets=1, meals=0)
    email = _only_email()
    assert order.code in email.subject
    assert OutboxMessage.objects.get().state == OutboxState.SENT
