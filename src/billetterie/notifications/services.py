"""Emails to buyers, through an outbox.

Queuing writes one `OutboxMessage` per (kind, cause), keyed by `dedup_key`, so a replayed trigger
never queues twice. A task renders and sends it; the email is built at send time from the current
data, in the buyer's language.

Sending is at least once, never again once sent:

1. claim: in a short transaction, lock the row, check it is pending and due, count the attempt
   and push `next_attempt_at` one lease ahead, so a concurrent drain skips it;
2. render and send outside any transaction (PDFs and SMTP take time; on SQLite an open write
   transaction would block every other writer meanwhile);
3. record: lock the row again and mark it sent, or schedule the next attempt with exponential
   backoff, or give up as failed after MAX_ATTEMPTS.

A worker that dies between 1 and 3 leaves the row pending: it is retried once the lease is over."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from billetterie.catalog.models import ProductKind
from billetterie.core import clock
from billetterie.core.audit import audit_record
from billetterie.core.errors import InvalidInput
from billetterie.core.money import format_money
from billetterie.orders.models import Order, OrderLine, OrderState
from billetterie.organizers.models import Organizer

from .models import OutboxKind, OutboxMessage, OutboxState

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
RETRY_FIRST_DELAY = timedelta(minutes=1)
RETRY_MAX_DELAY = timedelta(hours=6)
SEND_LEASE = timedelta(minutes=10)
DEFAULT_SITE_URL = "http://127.0.0.1:8000"


# --- queuing ----------------------------------------------------------------------------------


def outbox_message_create(
    *, kind: str, order: Order | None, to: str, dedup_key: str, line: OrderLine | None = None,
    refund_id: int | None = None,
) -> tuple[OutboxMessage, bool]:
    """The message for this key, created if new. Returns (message, created); safe under races."""
    try:
        with transaction.atomic():
            return OutboxMessage.objects.get_or_create(
                dedup_key=dedup_key,
                defaults={"kind": kind, "order": order, "to": to, "line": line, "refund_id": refund_id},
            )
    except IntegrityError:
        return OutboxMessage.objects.get(dedup_key=dedup_key), False


def _enqueue_send(message_id: int) -> None:
    from .tasks import outbox_send_task

    transaction.on_commit(lambda: outbox_send_task(message_id))


def email_queue(*, kind: str, to: str, dedup_key: str, order: Order | None = None) -> OutboxMessage:
    """Queue an email of a domain above this one, in the caller's transaction: sent after commit
    (and again until it leaves), rendered at send time by the builder its domain registered for
    `kind` (`outbox_builder_register`). The same key queues one email. Idempotent."""
    message, created = outbox_message_create(kind=kind, order=order, to=to, dedup_key=dedup_key)
    if created:
        _enqueue_send(message.pk)
    return message


def email_order_confirmed(*, order_id: int) -> None:
    """Queue the confirmation email of a paid order, with its receipt and tickets. Idempotent."""
    order = Order.objects.only("pk", "email").get(pk=order_id)
    if not order.email:  # a box-office sale without an address: its tickets were printed there
        return
    message, created = outbox_message_create(
        kind=OutboxKind.ORDER_CONFIRMED, order=order, to=order.email,
        dedup_key=f"{OutboxKind.ORDER_CONFIRMED}:{order.pk}",
    )
    if created:
        _enqueue_send(message.pk)


def email_attendee_tickets(*, order_id: int) -> None:
    """Queue, for each issued ticket of a paid order whose attendee gave an address other than the
    buyer's, that attendee's own ticket (the buyer's confirmation still carries them all), unless
    the event turned it off (`Event.attendee_tickets`). Once per ticket and nonce. Idempotent."""
    order = Order.objects.only("pk", "email").get(pk=order_id)
    lines = (order.lines.filter(kind=ProductKind.TICKET, ticket_nonce__isnull=False,
                                product__event__attendee_tickets=True)
             .exclude(attendee_email="").order_by("id"))
    for line in lines:
        line.order = order
        _queue_attendee_ticket(line)


def _queue_attendee_ticket(line: OrderLine) -> None:
    """The line's ticket to its attendee, keyed by its nonce: a reissued ticket (a new person, a
    lost one) is sent again, to the address the line has now."""
    if not line.attendee_email or line.attendee_email.casefold() == line.order.email.casefold():
        return
    kind = OutboxKind.ATTENDEE_TICKET
    message, created = outbox_message_create(
        kind=kind, order=line.order, to=line.attendee_email, line=line,
        dedup_key=f"{kind}:{line.pk}:{bytes(line.ticket_nonce or b'').hex()}",
    )
    if created:
        _enqueue_send(message.pk)


def email_transfer_instructions(*, order_id: int) -> None:
    """Queue the email telling a buyer who chose bank transfer what to pay, to whom, with which
    reference and by when. Once per order, however often transfer is chosen again. Idempotent."""
    _queue_once(OutboxKind.TRANSFER_INSTRUCTIONS, order_id)


def email_invoice_requested(*, order_id: int) -> None:
    """Queue the "invoice requested" email of an order to be paid on invoice (seed 003). Idempotent."""
    _queue_once(OutboxKind.INVOICE_REQUESTED, order_id)


def _queue_once(kind: str, order_id: int) -> None:
    order = Order.objects.only("pk", "email").get(pk=order_id)
    if not order.email:  # a box-office sale without an address: its tickets were printed there
        return
    message, created = outbox_message_create(kind=kind, order=order, to=order.email, dedup_key=f"{kind}:{order.pk}")
    if created:
        _enqueue_send(message.pk)


def email_ticket_reissued(*, line: OrderLine) -> None:
    """Queue the email sending the buyer a reissued ticket (the line with its new nonce, its order
    and event loaded), and the attendee's own copy (`email_attendee_tickets`' rule). Once per
    reissue: a second reissue of the same ticket sends a new email. Idempotent."""
    order = line.order
    if line.kind == ProductKind.TICKET and line.product.event.attendee_tickets:
        _queue_attendee_ticket(line)  # the person it is for now gets it too (a new name, a new address)
    if not order.email:  # a box-office sale without an address: its tickets were printed there
        return
    kind = OutboxKind.TICKET_REISSUED
    message, created = outbox_message_create(
        kind=kind, order=order, to=order.email, line=line,
        dedup_key=f"{kind}:{line.pk}:{bytes(line.ticket_nonce or b'').hex()}",
    )
    if created:
        _enqueue_send(message.pk)


def email_refund_issued(*, refund_id: int, order_id: int) -> None:
    """Queue the email telling the buyer a refund is on its way: how much, to which method, when it
    arrives. Once per refund, however often its event is delivered. Idempotent."""
    order = Order.objects.only("pk", "email").get(pk=order_id)
    if not order.email:  # a box-office sale without an address: its tickets were printed there
        return
    kind = OutboxKind.REFUND_ISSUED
    message, created = outbox_message_create(kind=kind, order=order, to=order.email, refund_id=refund_id,
                                             dedup_key=f"{kind}:{refund_id}")
    if created:
        _enqueue_send(message.pk)


def email_order_confirmed_resend(*, order_id: int, key: str) -> OutboxMessage:
    """Staff send a paid order's confirmation (receipt and tickets) to the buyer again. `key`
    names this request (a form's token): the same key queues one email, however often it is
    submitted; another key, another email. Written to the order's history."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        if order.state != OrderState.PAID:
            raise InvalidInput(_("Only a paid order has a confirmation to send."), code="order_not_paid")
        if not order.email:
            raise InvalidInput(_("This order has no email address."), code="no_email")
        kind = OutboxKind.ORDER_CONFIRMED
        message, created = outbox_message_create(kind=kind, order=order, to=order.email,
                                                 dedup_key=f"{kind}:{order.pk}:again:{key[:64]}")
        if created:
            audit_record(action="order.confirmation_resent", subject=order, organizer_id=order.organizer_id,
                         order_id=order.pk, changes={"to": [None, order.email]})
            _enqueue_send(message.pk)
    return message


def email_tickets_resend(*, order_id: int, key: str, to_attendees: bool = False) -> list[OutboxMessage]:
    """Staff send a paid order's tickets again: all of them to the buyer, or (`to_attendees`)
    each ticket to the person it is for, at the address given for them. `key` names this
    request: submitting it twice sends nothing twice. Written to the order's history."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        if order.state != OrderState.PAID:
            raise InvalidInput(_("Only a paid order has tickets to send."), code="order_not_paid")
        tickets = list(order.lines.filter(kind="ticket", ticket_nonce__isnull=False).order_by("id"))
        if not tickets:
            raise InvalidInput(_("This order has no ticket to send."), code="no_ticket")
        kind, key = OutboxKind.TICKETS, key[:64]
        wanted: list[tuple[OrderLine | None, str]]
        if to_attendees:
            wanted = [(line, line.attendee_email or order.email) for line in tickets
                      if line.attendee_email or order.email]
        else:
            wanted = [(None, order.email)] if order.email else []
        if not wanted:
            raise InvalidInput(_("This order has no email address."), code="no_email")
        messages = []
        for line, to in wanted:
            subject = f"{line.pk}" if line is not None else f"order{order.pk}"
            message, created = outbox_message_create(kind=kind, order=order, to=to, line=line,
                                                     dedup_key=f"{kind}:{subject}:{key}")
            messages.append(message)
            if created:
                audit_record(action="order.tickets_resent", subject=order, organizer_id=order.organizer_id,
                             order_id=order.pk, changes={"to": [None, to]})
                _enqueue_send(message.pk)
    return messages


def email_batch_refund_notice(*, item_id: int, order_id: int) -> None:
    """Queue the email telling a buyer their date was cancelled (or their show stopped) and that
    the organiser pays them back by hand, or that their unpaid order is cancelled: once per order
    of a session-wide refund (the dedup key names its item). Idempotent."""
    order = Order.objects.only("pk", "email").get(pk=order_id)
    if not order.email:
        return
    kind = OutboxKind.BATCH_REFUND_NOTICE
    message, created = outbox_message_create(kind=kind, order=order, to=order.email, dedup_key=f"{kind}:{item_id}")
    if created:
        _enqueue_send(message.pk)


def outbox_retry(*, message_ids: Iterable[int]) -> int:
    """Staff "retry now": pending and failed messages are sent at once (sent ones are left alone).

    A failed message gets one more attempt; if it fails again it stays failed."""
    now = clock.now()
    with transaction.atomic():
        ids = list(
            OutboxMessage.objects.select_for_update()
            .filter(pk__in=list(message_ids), state__in=[OutboxState.PENDING, OutboxState.FAILED])
            .values_list("pk", flat=True)
        )
        OutboxMessage.objects.filter(pk__in=ids).update(state=OutboxState.PENDING, next_attempt_at=now)
        for message_id in ids:
            _enqueue_send(message_id)
    return len(ids)


# --- sending ----------------------------------------------------------------------------------


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4 … minutes after the 1st, 2nd, 3rd … failed attempt, at most RETRY_MAX_DELAY."""
    return min(RETRY_FIRST_DELAY * 2 ** min(max(attempts - 1, 0), 20), RETRY_MAX_DELAY)


def _claim(message_id: int, now: datetime) -> OutboxMessage | None:
    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update().filter(pk=message_id).first()
        if message is None or message.state != OutboxState.PENDING or message.next_attempt_at > now:
            return None
        message.attempts += 1
        message.next_attempt_at = now + SEND_LEASE
        message.save(update_fields=["attempts", "next_attempt_at"])
    return message


def _describe_error(exc: BaseException) -> str:
    """Class and message, cut short, without the credentials a mail library might echo."""
    text = f"{type(exc).__name__}: {exc}"
    for secret in (settings.EMAIL_HOST_PASSWORD, settings.SECRET_KEY):
        if secret:
            text = text.replace(secret, "***")
    return text[:500]


def _record(message_id: int, error: BaseException | None) -> str:
    now = clock.now()
    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update().get(pk=message_id)
        if message.state != OutboxState.PENDING:
            return message.state
        if error is None:
            message.state = OutboxState.SENT
            message.sent_at = now
            message.last_error = ""
        else:
            message.last_error = _describe_error(error)
            if message.attempts >= MAX_ATTEMPTS:
                message.state = OutboxState.FAILED
            else:
                message.next_attempt_at = now + retry_delay(message.attempts)
        message.save(update_fields=["state", "sent_at", "last_error", "next_attempt_at"])
    return message.state


def outbox_send(*, message_id: int) -> str | None:
    """Render and send one due message. Returns its new state, or None when it was not due
    (already sent, given up, being sent by another worker, or waiting for its next attempt)."""
    message = _claim(message_id, clock.now())
    if message is None:
        return None
    try:
        email_message_build(message=message).send(fail_silently=False)
    except Exception as exc:
        logger.warning(
            "outbox message %s: attempt %s failed", message.pk, message.attempts, exc_info=True
        )
        return _record(message.pk, exc)
    return _record(message.pk, None)


def outbox_send_due(*, now: datetime | None = None, limit: int = 500) -> int:
    """Send every pending message whose next attempt is due; returns how many were sent."""
    now = now or clock.now()
    due = list(
        OutboxMessage.objects.filter(state=OutboxState.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(1 for message_id in due if outbox_send(message_id=message_id) == OutboxState.SENT)


# --- rendering --------------------------------------------------------------------------------


def _mailbox(name: str, address: str) -> str:
    """`"Name" <address>`, the name stripped of what could break the header."""
    clean = " ".join(name.replace("\\", "").replace('"', "'").split())
    return f'"{clean}" <{address}>' if clean else address


def _site_url() -> str:
    return (getattr(settings, "SITE_URL", "") or DEFAULT_SITE_URL).rstrip("/")


def order_url(*, order: Order, organizer: Organizer) -> str:
    """The absolute address of the buyer's order page (receipt, tickets)."""
    path = reverse(
        "shop:order", kwargs={"organizer_slug": organizer.slug, "code": order.code, "secret": order.secret}
    )
    return f"{_site_url()}{path}"


def _line_label(line: OrderLine) -> str:
    """The line and, for a dated ticket, its date in the language being rendered."""
    if line.date is None:
        return line.label
    return f"{line.label} ({date_format(localtime(line.date.start), 'DATETIME_FORMAT')})"


def _order_id(message: OutboxMessage) -> int:
    if message.order_id is None:
        raise ValueError(f"outbox message {message.pk} names no order")
    return message.order_id


def _order_events(lines: list[OrderLine]) -> tuple[str, str, int]:
    """The events the order's tickets and add-ons are for: their titles, the date when they all
    fall on one (in the language being rendered), and how many events."""
    events: dict[int, str] = {}
    dates = set()
    for line in lines:
        if line.kind in (ProductKind.TICKET, ProductKind.ADDON):
            events.setdefault(line.product.event_id, line.product.event.title)
            if line.date is not None:
                dates.add(localtime(line.date.start).date())
    day = date_format(next(iter(dates)), "DATE_FORMAT") if len(events) == 1 and len(dates) == 1 else ""
    return ", ".join(events.values()), day, len(events)


def _order_confirmed_context(order: Order) -> dict[str, Any]:
    organizer = order.organizer
    lines = list(order.lines.select_related("date", "product__event").order_by("id"))
    event_title, event_date, event_count = _order_events(lines)
    names = {line.pk: line.attendee_name for line in lines}  # an add-on shows whom it is for
    return {
        "event_title": event_title, "event_date": event_date, "event_count": event_count,
        "order": order,
        "organizer": organizer,
        "lines": [
            {
                "label": _line_label(line),
                "attendee": line.attendee_name or names.get(line.attached_to_id or 0, ""),
                "amount": format_money(line.amount_cents, order.currency),
                "is_ticket": line.kind == "ticket",
            }
            for line in lines
        ],
        "total": format_money(order.total_cents, order.currency),
        "ticket_count": sum(1 for line in lines if line.kind == "ticket"),
        "membership_count": sum(1 for line in lines if line.kind == ProductKind.MEMBERSHIP),
        "order_url": order_url(order=order, organizer=organizer),
    }


def _subject(order: Order, text: str) -> str:
    """The subject, marked for a test order (in the language being rendered)."""
    return render_to_string("notifications/_subject.txt", {"order": order, "subject": text})


def _one_line(text: str) -> str:
    """A header on one line; French typography's no-break spaces (« Votre commande : … ») kept."""
    return re.sub(r"[ \t\r\n\f\v]+", " ", text).strip()


def _email(
    organizer: Organizer, to: str, subject: str, text: str, html: str, pdfs: Iterable[tuple[str, bytes]] = (),
    reply_to: str = "",
) -> EmailMultiAlternatives:
    """From the organiser's no-reply address, answered to its contact address (or `reply_to`);
    HTML and text."""
    email = EmailMultiAlternatives(
        subject=_one_line(subject),
        body=text,
        from_email=_mailbox(organizer.name, organizer.noreply_email),
        to=[to],
        reply_to=[reply_to or organizer.contact_email],
    )
    email.attach_alternative(html, "text/html")
    for filename, pdf in pdfs:
        email.attach(filename, pdf, "application/pdf")
    return email


def _order_confirmed_email(message: OutboxMessage) -> EmailMultiAlternatives:
    from billetterie.tickets.membership_card import order_membership_cards
    from billetterie.tickets.pdf import order_ticket_pdfs

    order = Order.objects.select_related("organizer").get(pk=_order_id(message))
    organizer = order.organizer
    # refunded before its confirmation could be sent (a mail outage): the receipt, without the
    # tickets, which no longer admit (the refund email follows)
    paid = order.state == OrderState.PAID
    with translation.override(order.locale):
        context = _order_confirmed_context(order)
        if not paid:
            context["ticket_count"] = 0
        context["voucher_count"] = sum(1 for line in order.lines.all() if line.kind == ProductKind.ADDON
                                       and line.ticket_nonce) if paid else 0
        context["thanks"] = _confirmed_thanks(context)
        subject = _subject(order, _confirmed_subject(context) % {
            "code": order.code, "organizer": organizer.name, "event": context["event_title"],
            "date": context["event_date"],
        })
        text = render_to_string("notifications/order_confirmed.txt", context)
        html = render_to_string("notifications/order_confirmed.html", context)
        # the tickets, then each membership's card (issue 12)
        attachments = [*order_ticket_pdfs(order=order), *order_membership_cards(order=order)] if paid else []
    return _email(organizer, message.to, subject, text, html, attachments)


def _confirmed_subject(context: dict[str, Any]) -> str:
    """The confirmation's subject names the event (and its date when the order is for one), or
    speaks of a membership when the order is for memberships only."""
    if not context["event_title"] and context.get("membership_count"):
        return ngettext("Your membership — %(organizer)s (order %(code)s)",
                        "Your memberships — %(organizer)s (order %(code)s)", context["membership_count"])
    if context["event_title"] and context["event_date"]:
        return _("Your order %(code)s: %(event)s, %(date)s — %(organizer)s")
    if context["event_title"]:
        return _("Your order %(code)s: %(event)s — %(organizer)s")
    return _("Your order %(code)s — %(organizer)s")


def _confirmed_thanks(context: dict[str, Any]) -> str:
    """The confirmation's first sentence: the organiser thanks for the order, for which event."""
    values = {"code": context["order"].code, "organizer": context["organizer"].name,
              "event": context["event_title"], "date": context["event_date"]}
    if not context["event_title"] and context.get("membership_count"):  # memberships only (issue 12)
        count = context["membership_count"]
        text = ngettext("Thank you for your membership of %(organizer)s (order %(code)s). Here is your receipt.",
                        "Thank you for your %(count)d memberships of %(organizer)s (order %(code)s). "
                        "Here is your receipt.", count)
        return text % {**values, "count": count}
    if context["event_count"] > 1:
        text = _("Thank you for your order %(code)s with %(organizer)s for the events %(event)s. Here is your receipt.")
    elif context["event_title"] and context["event_date"]:
        text = _("Thank you for your order %(code)s with %(organizer)s for the event “%(event)s” on %(date)s. "
                 "Here is your receipt.")
    elif context["event_title"]:
        text = _("Thank you for your order %(code)s with %(organizer)s for the event “%(event)s”. "
                 "Here is your receipt.")
    else:
        text = _("Thank you for your order %(code)s with %(organizer)s. Here is your receipt.")
    return text % values


def _attendee_ticket_email(message: OutboxMessage) -> EmailMultiAlternatives:
    """One attendee's own ticket (the add-ons bought for them printed on it), as it is now, with
    the event, its date and venue; in the order's language. Not the buyer's order page."""
    from billetterie.tickets.models import RevokedTicket
    from billetterie.tickets.pdf import ticket_pdf_file
    from billetterie.tickets.services import REVOKED_REFUNDED

    if message.line_id is None:
        raise ValueError(f"outbox message {message.pk} names no ticket")
    line = OrderLine.objects.select_related("order__organizer", "product__event", "price", "date").get(
        pk=message.line_id)
    order, event = line.order, line.product.event
    organizer = order.organizer
    with translation.override(order.locale):
        start = localtime(line.date.start) if line.date is not None else None
        context = {
            "order": order, "organizer": organizer, "event": event,
            "greeting": line.attendee_name or order.name, "buyer": order.name,
            "when": date_format(start, "DATETIME_FORMAT") if start else "",
            "line": {"label": line.label, "serial": line.serial},
            "addons": _addon_labels(line),
            # a copy reissued (a new name, a lost ticket): the previous one no longer admits
            "reissued": RevokedTicket.objects.filter(line=line).exclude(reason=REVOKED_REFUNDED).exists(),
        }
        subject_text = (_("Your ticket: %(event)s, %(date)s — %(organizer)s") if start
                        else _("Your ticket: %(event)s — %(organizer)s"))
        subject = _subject(order, subject_text % {
            "event": event.title, "organizer": organizer.name,
            "date": date_format(start, "DATE_FORMAT") if start else "",
        })
        text = render_to_string("notifications/attendee_ticket.txt", context)
        html = render_to_string("notifications/attendee_ticket.html", context)
        pdf = ticket_pdf_file(line=line)
    return _email(organizer, message.to, subject, text, html, [pdf])


def _addon_labels(line: OrderLine) -> list[str]:
    """What was bought for this ticket's attendee (a meal…), the refunded ones left out."""
    from billetterie.payments.selectors import refunded_line_ids

    addons = list(line.addons.order_by("id"))
    refunded = refunded_line_ids(order=line.order) if addons else set()
    return [addon.label for addon in addons if addon.pk not in refunded]


def _awaiting_payment_context(order: Order) -> dict[str, Any]:
    """The order and, for a transfer, the organiser's account, the amount of the pending transfer
    (its fee included), the reference to write and the due date."""
    from billetterie.payments.selectors import transfer_due, transfer_instructions

    context = _order_confirmed_context(order)
    context["transfer"] = transfer_instructions(order=order)
    context["transfer_amount"] = format_money(transfer_due(order=order), order.currency)
    context["due_date"] = date_format(localtime(order.expires_at), "DATE_FORMAT") if order.expires_at else ""
    return context


_AWAITING_PAYMENT = {
    OutboxKind.TRANSFER_INSTRUCTIONS: ("notifications/transfer_instructions",
                                       gettext_lazy("Bank transfer for your order %(code)s — %(organizer)s")),
    OutboxKind.INVOICE_REQUESTED: ("notifications/invoice_requested",
                                   gettext_lazy("Invoice requested for your order %(code)s — %(organizer)s")),
}


def _awaiting_payment_email(message: OutboxMessage) -> EmailMultiAlternatives:
    template, subject_text = _AWAITING_PAYMENT[OutboxKind(message.kind)]
    order = Order.objects.select_related("organizer").get(pk=_order_id(message))
    organizer = order.organizer
    with translation.override(order.locale):
        context = _awaiting_payment_context(order)
        subject = _subject(order, str(subject_text) % {"code": order.code, "organizer": organizer.name})
        text = render_to_string(f"{template}.txt", context)
        html = render_to_string(f"{template}.html", context)
    return _email(organizer, message.to, subject, text, html)


def _ticket_reissued_email(message: OutboxMessage) -> EmailMultiAlternatives:
    """The reissued ticket as it is now (its latest nonce), with the warning that the old one is void."""
    from billetterie.tickets.pdf import ticket_pdf_file

    if message.line_id is None:
        raise ValueError(f"outbox message {message.pk} names no ticket")
    line = OrderLine.objects.select_related("order__organizer", "product__event", "price", "date").get(
        pk=message.line_id
    )
    order = line.order
    organizer = order.organizer
    with translation.override(order.locale):
        context = {
            "order": order,
            "organizer": organizer,
            "line": {"label": _line_label(line), "attendee": line.attendee_name, "serial": line.serial},
            "order_url": order_url(order=order, organizer=organizer),
        }
        subject = _subject(order, _("Your ticket %(serial)s has been reissued — %(organizer)s") % {
            "serial": line.serial, "organizer": organizer.name,
        })
        text = render_to_string("notifications/ticket_reissued.txt", context)
        html = render_to_string("notifications/ticket_reissued.html", context)
        filename, pdf = ticket_pdf_file(line=line)
    return _email(organizer, message.to, subject, text, html, [(filename, pdf)])


def _refund_issued_email(message: OutboxMessage) -> EmailMultiAlternatives:
    """The refund: its amount, the method it goes back to and when the buyer gets it, the line it
    was for, and what it leaves of the order (its tickets)."""
    from billetterie.payments.selectors import refund_notice

    if message.refund_id is None:
        raise ValueError(f"outbox message {message.pk} names no refund")
    order = Order.objects.select_related("organizer").get(pk=_order_id(message))
    organizer = order.organizer
    with translation.override(order.locale):
        notice = refund_notice(refund_id=message.refund_id)
        line = (OrderLine.objects.select_related("date").filter(pk=notice.line_id).first()
                if notice.line_id is not None else None)
        context = {
            **_order_confirmed_context(order),
            "amount": format_money(notice.amount_cents, notice.currency), "method": notice.method,
            "delay": notice.delay, "order_refunded": notice.order_refunded,
            "batch_kind": notice.batch_kind, "batch_date": notice.date, "batch_event": notice.event,
            "line": {"label": _line_label(line), "attendee": line.attendee_name,
                     "is_ticket": line.kind == "ticket"} if line is not None else None,
        }
        subject = _subject(order, _("Refund of your order %(code)s — %(organizer)s") % {
            "code": order.code, "organizer": organizer.name,
        })
        text = render_to_string("notifications/refund_issued.txt", context)
        html = render_to_string("notifications/refund_issued.html", context)
    return _email(organizer, message.to, subject, text, html)


def _tickets_email(message: OutboxMessage) -> EmailMultiAlternatives:
    """Tickets sent again by staff: one ticket to the person it is for (the message names its
    line), or every ticket of the order to the buyer; each as a PDF, as they are now."""
    from billetterie.tickets.pdf import order_ticket_pdfs, ticket_pdf_file

    order = Order.objects.select_related("organizer").get(pk=_order_id(message))
    organizer = order.organizer
    with translation.override(order.locale):
        if message.line_id is not None:
            line = OrderLine.objects.select_related("order__organizer", "product__event", "price", "date").get(
                pk=message.line_id)
            lines, pdfs = [line], [ticket_pdf_file(line=line)]
            greeting = line.attendee_name or order.name
        else:
            lines = list(order.lines.filter(kind="ticket", ticket_nonce__isnull=False).select_related("date")
                         .order_by("id"))
            pdfs, greeting = order_ticket_pdfs(order=order), order.name
        context = {
            "order": order, "organizer": organizer, "greeting": greeting,
            "lines": [{"label": _line_label(line), "attendee": line.attendee_name, "serial": line.serial}
                      for line in lines],
            # the buyer's order page (receipt, every ticket) is not for the person of one ticket
            "order_url": order_url(order=order, organizer=organizer) if message.line_id is None else "",
        }
        subject = _subject(order, _("Your tickets — %(organizer)s") % {"organizer": organizer.name})
        text = render_to_string("notifications/tickets.txt", context)
        html = render_to_string("notifications/tickets.html", context)
    return _email(organizer, message.to, subject, text, html, pdfs)


def _batch_refund_notice_email(message: OutboxMessage) -> EmailMultiAlternatives:
    """A session-wide refund reached the order: the date cancelled or the show stopped, the money
    the organiser pays back by hand (and how), or the unpaid order cancelled."""
    from billetterie.payments.batch import refund_batch_item_notice

    item_id = int(message.dedup_key.rsplit(":", 1)[1])
    order = Order.objects.select_related("organizer").get(pk=_order_id(message))
    organizer = order.organizer
    with translation.override(order.locale):
        notice = refund_batch_item_notice(item_id=item_id)
        context = {
            **_order_confirmed_context(order),
            "cancelled": notice.batch_kind == "cancel_date", "batch_date": notice.date,
            "batch_event": notice.event, "amount": format_money(notice.by_hand_cents, notice.currency),
            "by_hand": notice.by_hand_cents > 0, "methods": ", ".join(notice.methods),
            "cancelled_unpaid": notice.cancelled_unpaid,
        }
        text_subject = (_("Date cancelled: %(event)s, %(date)s — %(organizer)s") if context["cancelled"]
                        else _("Refund for %(event)s, %(date)s — %(organizer)s"))
        subject = _subject(order, text_subject % {"event": notice.event, "date": notice.date,
                                                  "organizer": organizer.name})
        text = render_to_string("notifications/batch_refund_notice.txt", context)
        html = render_to_string("notifications/batch_refund_notice.html", context)
    return _email(organizer, message.to, subject, text, html)


def email_compose(*, organizer: Organizer, to: str, subject: str, text: str, html: str,
                  reply_to_name: str = "", reply_to: str = "") -> EmailMultiAlternatives:
    """An email as every outbox email is: from the organiser's no-reply address under its name,
    answered to its contact address, or to `reply_to` (named `reply_to_name`); text and HTML.
    For the builders of domains above this one."""
    answer = _mailbox(reply_to_name, reply_to) if reply_to else ""
    return _email(organizer, to, subject, text, html, reply_to=answer)


Builder = Callable[[OutboxMessage], EmailMultiAlternatives]
_BUILDERS: dict[str, Builder] = {}


def outbox_builder_register(*, kind: str, builder: Builder) -> None:
    """A domain above this one renders its own kinds of email (its app's ready() registers them):
    the outbox sends them like its own, without importing that domain."""
    _BUILDERS[kind] = builder


def email_message_build(*, message: OutboxMessage) -> EmailMultiAlternatives:
    """The email for an outbox message, rendered from the current data (also for previews)."""
    if message.kind == OutboxKind.ORDER_CONFIRMED:
        return _order_confirmed_email(message)
    if message.kind == OutboxKind.REFUND_ISSUED:
        return _refund_issued_email(message)
    if message.kind == OutboxKind.TICKET_REISSUED:
        return _ticket_reissued_email(message)
    if message.kind in _AWAITING_PAYMENT:
        return _awaiting_payment_email(message)
    if message.kind == OutboxKind.BATCH_REFUND_NOTICE:
        return _batch_refund_notice_email(message)
    if message.kind == OutboxKind.TICKETS:
        return _tickets_email(message)
    if message.kind == OutboxKind.ATTENDEE_TICKET:
        return _attendee_ticket_email(message)
    if message.kind in _BUILDERS:
        return _BUILDERS[message.kind](message)
    raise ValueError(f"unknown outbox message kind {message.kind!r}")
