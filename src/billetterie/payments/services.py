"""Payments: start an attempt, apply a verified notice (idempotent), confirm, fail."""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import re
import time
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from urllib.parse import urlsplit, urlunsplit

from django.core import signing
from django.db import DatabaseError, IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from billetterie.core import audit, clock, events
from billetterie.core.audit import audit_record
from billetterie.core.audit import changed as audit_changed
from billetterie.core.audit import snapshot as audit_snapshot
from billetterie.core.errors import Conflict, DomainError, InvalidInput, SoldOut
from billetterie.core.money import InvalidAmount, decimal_to_cents, format_money
from billetterie.orders.models import Order, OrderLine, OrderState
from billetterie.orders.services import (
    REFUNDABLE_STATES,
    order_await_invoice,
    order_extend_due,
    order_line_mark_refunded,
    order_mark_paid,
    order_mark_refunded,
    order_mark_test,
    order_mark_unfulfillable,
)
from billetterie.organizers.models import Organizer

from .balance import order_balance
from .crypto import credentials_decrypt, credentials_encrypt
from .events import InvoiceRequested, PaymentStateChanged, RefundIssued, RefundStateChanged, TransferRequested
from .models import (
    REFUND_COUNTING_STATES,
    Channel,
    Payment,
    PaymentMethodConfig,
    PaymentState,
    ProviderNotice,
    Refund,
    RefundState,
    StatementImport,
    StatementImportState,
    StatementLine,
)
from .providers.base import (
    ClientStep,
    EventKind,
    Mode,
    NextAction,
    NotSupported,
    PaymentUrls,
    ProviderEvent,
    ProviderUnavailable,
    RefundOutcome,
    RefundRequest,
    Settlement,
)
from .providers.offline import TransferProvider
from .providers.registry import methods_settling, provider_get, settlement_of
from .selectors import (
    method_config,
    methods_offered,
    payment_refunded_cents,
    payment_request,
    payments_enabled,
    provider_config,
)

RETURN_SALT = "billetterie.payments.return"
# lazy strings by this name: makemessages extracts gettext_lazy (and _), not an alias like _lazy
PAYMENTS_NOT_ENABLED = gettext_lazy(
    "Online payments have not been activated by the organiser yet: only free items can be ordered for now."
)
PAYABLE_STATES = (OrderState.PENDING,)

log = logging.getLogger(__name__)


def _row_set(row: Payment | Refund, action: str, **values: object) -> None:
    """Change a payment's or refund's fields, saved and written to the audit trail (when they change)."""
    before = audit_snapshot(row, values)
    for name, value in values.items():
        setattr(row, name, value)
    row.save(update_fields=list(values))
    changes = audit_changed(before, audit_snapshot(row, values))
    if changes:
        _audit(row, action, changes)


def _audit_new(row: Payment | Refund, action: str) -> None:
    fields = (("state", "amount_cents", "provider") if isinstance(row, Payment)
              else ("state", "amount_cents", "line_id", "release_places"))
    _audit(row, action, audit_changed({}, audit_snapshot(row, fields)))


def _audit(row: Payment | Refund, action: str, changes: dict[str, list[object]]) -> None:
    payment = row if isinstance(row, Payment) else row.payment
    order_id = payment.order_id
    if Payment.order.is_cached(payment):
        organizer_id: int | None = payment.order.organizer_id
    else:
        organizer_id = Order.objects.filter(pk=order_id).values_list("organizer_id", flat=True).first()
    audit_record(action=action, subject=row, organizer_id=organizer_id, order_id=order_id, changes=changes)
    if "state" in changes:  # every state change is audited here: the books follow it in this transaction
        was, state = (str(value) if value is not None else "" for value in changes["state"])
        if isinstance(row, Payment):
            events.publish(PaymentStateChanged(payment_id=row.pk, order_id=order_id, organizer_id=organizer_id or 0,
                                               was=was, state=state))
        else:
            events.publish(RefundStateChanged(refund_id=row.pk, payment_id=payment.pk, order_id=order_id,
                                              organizer_id=organizer_id or 0, was=was, state=state))


def _received_cents(order: Order) -> int:
    """What confirmed payments brought for the order itself (their fees set aside)."""
    return order_balance(order=order).received_cents


def payment_start(*, order: Order, provider_id: str, urls: PaymentUrls) -> NextAction:
    """Open a new payment attempt for what the order still owes (plus the method's fee) and hand
    over to the provider. Only the methods the organiser offers on the order's channel, for this
    amount, can be used."""
    provider = provider_get(provider_id)
    if provider is None:
        raise InvalidInput(_("Choose a payment method."), code="provider_unknown")
    if order.state not in PAYABLE_STATES or (order.expires_at and order.expires_at <= clock.now()):
        raise InvalidInput(_("This order can no longer be paid."), code="order_not_payable")
    due = order.total_cents - _received_cents(order)
    channel = getattr(order, "channel", Channel.WEB) or Channel.WEB
    offered = {m.provider_id: m for m in methods_offered(organizer=order.organizer, channel=channel, amount_cents=due)}
    method = offered.get(provider_id)
    if method is None:
        online_payment_check(organizer=order.organizer, channel=channel, amount_cents=due)
        raise InvalidInput(_("This payment method is not available for this amount."), code="amount_refused")
    settlement = provider.capabilities.settlement
    with transaction.atomic():
        # an abandoned attempt must not be confirmed behind the buyer's back as well as this one
        abandoned = order.payments.filter(state=PaymentState.CREATED)
        if settlement.offline:
            abandoned = abandoned | order.payments.filter(state=PaymentState.PENDING,
                                                          provider__in=methods_settling(*STARTS_PENDING))
        for old in abandoned.select_for_update():
            _row_set(old, "payment.cancelled", state=PaymentState.CANCELLED)
        payment = Payment.objects.create(
            order=order, provider=provider_id, amount_cents=due + method.fee_cents, fee_cents=method.fee_cents,
            currency=order.currency, state=PaymentState.PENDING if settlement.offline else PaymentState.CREATED,
            testmode=method.sandbox,  # the mode it starts in is the one the PSP pays it in
        )
        _audit_new(payment, "payment.started")
        _settlement_start(order=order, provider_id=provider_id, settlement=settlement)
    config = provider_config(organizer_id=order.organizer_id, provider_id=provider_id)
    if provider.capabilities.return_query:
        urls = replace(urls, return_url=payment_return_url(payment=payment, next_url=urls.return_url))
    try:
        action = provider.start(payment_request(payment=payment), urls, config)
    except ProviderUnavailable as exc:
        log.warning("payment %s: %s could not start: %s", payment.pk, provider_id, exc)
        _row_set(payment, "payment.failed", state=PaymentState.FAILED, failure_reason="psp_unavailable")
        raise InvalidInput(_("The payment service cannot be reached; try again in a moment or choose another "
                             "method."), code="psp_unavailable") from None
    if action.psp_reference:
        payment.psp_reference = action.psp_reference[:200]
        payment.save(update_fields=["psp_reference"])
    return action


# the settlements whose attempt waits, pending, for money staff record (a transfer, an invoice)
STARTS_PENDING = tuple(s for s in Settlement if s.starts_pending)
# the settlements whose pending attempt money recorded with any method settles (an invoice)
ANY_METHOD_SETTLES = tuple(s for s in Settlement if s.settled_by_any_method)
# what an order waiting for a transfer keeps its places for, when the method sets no days to pay
DAYS_TO_PAY_DEFAULT = 7


def _settlement_start(*, order: Order, provider_id: str, settlement: Settlement) -> None:
    """What starting a method does to the order, by how the method settles (in the transaction
    of the new attempt): a transfer gives the order the method's days to pay and the buyer the
    instructions, an invoice makes the order wait for the organiser's invoice."""
    if settlement == Settlement.PENDING_INSTRUCTIONS:
        stored = method_config(organizer_id=order.organizer_id, provider_id=provider_id)
        days = stored.days_to_pay if stored else DAYS_TO_PAY_DEFAULT
        order_extend_due(order_id=order.pk, until=clock.now() + timedelta(days=days))
        events.publish(TransferRequested(order_id=order.pk))
    elif settlement == Settlement.AWAITING_INVOICE:
        order_await_invoice(order_id=order.pk)
        events.publish(InvoiceRequested(order_id=order.pk))


def online_payment_check(*, organizer: Organizer, channel: str, amount_cents: int) -> None:
    """Refuse (InvalidInput `payments_not_enabled`) an amount to pay on a channel where the
    organiser offers no payment method at all: a new organiser outside the demo, who has not set
    up a live method (nor turned the sandbox on). Free orders (0 €) always pass."""
    if amount_cents > 0 and not payments_enabled(organizer=organizer, channel=channel):
        raise InvalidInput(str(PAYMENTS_NOT_ENABLED), code="payments_not_enabled")


def payment_return_url(*, payment: Payment, next_url: str) -> str:
    """Where the PSP sends the buyer back: our return view asks the PSP where the payment stands
    (server to server), then shows the order page. Same scheme and host as `next_url`."""
    token = signing.dumps({"ref": payment.reference, "next": next_url}, salt=RETURN_SALT)
    parts = urlsplit(next_url)
    path = reverse("payment_return", args=[payment.provider, token])
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def payment_return(*, provider_id: str, token: str) -> str:
    """The buyer is back from the PSP. Nothing the browser says is trusted: where the provider
    can, we ask it (status query, or PayPal's capture) and apply its answer. Returns the page to
    show next; raises InvalidInput for a token we did not sign."""
    try:
        data = signing.loads(token, salt=RETURN_SALT, max_age=7 * 24 * 3600)
    except signing.BadSignature:
        raise InvalidInput(_("This payment link is not valid."), code="bad_return") from None
    payment = Payment.objects.filter(reference=str(data.get("ref", "")), provider=provider_id).first()
    if payment is not None and payment.state in (PaymentState.CREATED, PaymentState.PENDING):
        payment_status_check(payment_id=payment.pk)
    return str(data.get("next", "/"))


def payment_status_check(*, payment_id: int) -> int:
    """Ask the PSP where a payment stands and apply its answer (idempotent). Returns the number of
    events applied; 0 when the provider cannot say or cannot be reached (the notice will come)."""
    payment = Payment.objects.select_related("order__organizer").get(pk=payment_id)
    provider = provider_get(payment.provider)
    if provider is None or not (provider.capabilities.status_query or provider.capabilities.return_query):
        return 0
    config = provider_config(organizer_id=payment.order.organizer_id, provider_id=payment.provider)
    try:
        events = provider.status(payment_request(payment=payment), config)
    except (NotSupported, ProviderUnavailable) as exc:
        log.info("status of payment %s not available: %s", payment.pk, exc)
        return 0
    with audit.acting_as(audit.notice(payment.provider)):  # the payment service's answer changes it
        for event in events:
            if event.payment_reference != payment.reference:
                continue
            notice_apply(provider_id=payment.provider, organizer_id=payment.order.organizer_id, event=event,
                         from_status=True)
    return len(events)


def payment_client_step(*, provider_id: str, reference: str, data: dict[str, str]) -> dict[str, object]:
    """A step our own payment page takes with the PSP through us (e.g. confirming a Stripe
    PaymentIntent with the payment method the PSP's script tokenised). Never marks anything paid
    by itself: what the PSP answers is applied like a notice."""
    payment = Payment.objects.select_related("order").filter(reference=reference, provider=provider_id).first()
    provider = provider_get(provider_id)
    if payment is None or not isinstance(provider, ClientStep):
        raise InvalidInput(_("This payment is not known."), code="payment_unknown")
    if payment.state not in (PaymentState.CREATED, PaymentState.PENDING):
        raise InvalidInput(_("This payment is already finished."), code="payment_finished")
    config = provider_config(organizer_id=payment.order.organizer_id, provider_id=provider_id)
    try:
        answer, events = provider.client_step(payment_request(payment=payment), data, config)
    except ProviderUnavailable:
        raise InvalidInput(_("The payment service cannot be reached; try again in a moment."),
                           code="psp_unavailable") from None
    for event in events:
        if event.payment_reference == payment.reference:
            notice_apply(provider_id=provider_id, organizer_id=payment.order.organizer_id, event=event,
                         from_status=True)
    return dict(answer)


def _method_recorded(method: str) -> bool:
    """Whether staff record money with this method: the box office's (cash, cheque, card
    terminal: Settlement.AT_ONCE) and a transfer's (Settlement.PENDING_INSTRUCTIONS)."""
    settlement = settlement_of(method)
    return settlement is not None and settlement.recorded


def _settled_by(method: str) -> list[str]:
    """The methods whose pending attempt money recorded with `method` settles: its own, and the
    ones any method settles (an awaited invoice)."""
    return [method, *(m for m in methods_settling(*ANY_METHOD_SETTLES) if m != method)]


def payment_record_external(*, order_id: int, method: str, amount_cents: int, reference: str = "",
                            notify: bool = True, new_order: Order | None = None,
                            idempotency_key: str | None = None) -> Payment:
    """Record money received outside any payment service (box office, bank transfer, invoice);
    the order is paid once what was received covers its total. A transfer awaiting this very
    amount is the payment confirmed, not a second one. `new_order`: the order this transaction
    just created (a box-office sale), which has no payment yet and needs no lock."""
    if not _method_recorded(method):
        raise InvalidInput(_("Unknown payment method."), code="method_unknown")
    with transaction.atomic():
        order = new_order if new_order is not None else Order.objects.select_for_update().get(pk=order_id)
        if idempotency_key:
            replayed = order.payments.filter(idempotency_key=idempotency_key).first()
            if replayed is not None:
                # an awaited invoice the first request settled keeps its method, "invoice" (any
                # method settles it): there the amount and the reference tell a retry apart
                same = replayed.provider in _settled_by(method) and replayed.amount_cents == amount_cents and (
                    replayed.psp_reference == reference[:200])
                if not same:
                    raise InvalidInput(_("This Idempotency-Key was already used with another request."),
                                       code="idempotency_key_reused")
                return replayed  # a retried request: the money was recorded once
        received = 0 if new_order is not None else _received_cents(order)
        if order.state not in (OrderState.PENDING, OrderState.EXPIRED, OrderState.AWAITING_INVOICE):
            raise InvalidInput(_("This order can no longer be paid."), code="order_not_payable")
        if not 0 < amount_cents <= order.total_cents - received:
            raise InvalidInput(_("The amount must be positive and at most what is still due."), code="amount_invalid")
        waiting = None if new_order is not None else order.payments.filter(
            state=PaymentState.PENDING, provider__in=_settled_by(method), amount_cents=amount_cents, fee_cents=0
        ).first()
        if waiting is not None:
            payment = waiting
            _row_set(payment, "payment.confirmed", state=PaymentState.CONFIRMED, confirmed_at=clock.now(),
                         psp_reference=reference[:200], idempotency_key=idempotency_key or None)
        else:
            payment = Payment.objects.create(
                order=order, provider=method, amount_cents=amount_cents, currency=order.currency,
                state=PaymentState.CONFIRMED, confirmed_at=clock.now(), psp_reference=reference[:200],
                idempotency_key=idempotency_key or None,
            )
            _audit_new(payment, "payment.recorded")
        if received + amount_cents >= order.total_cents and not order_mark_paid(
            order_id=order.pk, notify=notify, new_order=new_order
        ):
            raise SoldOut(_("This order expired and its places are no longer available."), code="sold_out")
    return payment


def notice_apply(*, provider_id: str, organizer_id: int, event: ProviderEvent, from_status: bool = False) -> None:
    """Apply one verified notice exactly once, whatever order and however often it arrives.

    The notice was verified with this organiser's credentials: it only reaches their payments.
    A notice that contradicts what we know (failed after confirmed, pending after an outcome) is
    settled by asking the PSP, where it can say."""
    notices = ProviderNotice.objects.filter(provider=provider_id, organizer_id=organizer_id)
    if notices.filter(notice_id=event.notice_id).exists():
        log.info("duplicate notice %s/%s ignored", provider_id, event.notice_id)
        return  # the common replay, answered without a lock; the unique key below settles races
    with transaction.atomic():
        payment = Payment.objects.select_for_update().filter(
            provider=provider_id, reference=event.payment_reference, order__organizer_id=organizer_id
        ).first()
        try:
            with transaction.atomic():
                ProviderNotice.objects.create(
                    provider=provider_id, organizer_id=organizer_id, notice_id=event.notice_id, payment=payment,
                    payload=event.payload,
                )
        except IntegrityError:
            log.info("duplicate notice %s/%s ignored", provider_id, event.notice_id)
            return
        if payment is None:
            log.warning("notice %s for unknown payment %s", event.notice_id, event.payment_reference)
            return
        conflict = False
        if event.kind == EventKind.CONFIRMED:
            _payment_confirm(payment, event)
        elif event.kind == EventKind.FAILED:
            conflict = payment.state == PaymentState.CONFIRMED
            _payment_fail(payment, event.reason)
        elif event.kind == EventKind.REFUNDED:
            _refund_noticed(payment, event)
        elif payment.state == PaymentState.CREATED:
            _row_set(payment, "payment.pending", state=PaymentState.PENDING)
        else:
            conflict = payment.state in (PaymentState.CONFIRMED, PaymentState.FAILED)
        provider = provider_get(provider_id)
        if conflict and not from_status and provider is not None and provider.capabilities.status_query:
            payment_pk = payment.pk
            transaction.on_commit(lambda: _queue_status_check(payment_pk))


def _queue_status_check(payment_id: int) -> None:
    from .tasks import payment_status_check_task

    payment_status_check_task(payment_id)


def _payment_confirm(payment: Payment, event: ProviderEvent) -> None:
    if payment.state == PaymentState.CONFIRMED:
        return
    if event.amount_cents != payment.amount_cents or event.currency != payment.currency:
        _row_set(payment, "payment.flagged", needs_attention=_(
            "The payment service reported %(amount)s instead of the %(due)s that was due."
        ) % {"amount": format_money(event.amount_cents, event.currency),
             "due": format_money(payment.amount_cents, payment.currency)})
        log.warning("payment %s: amount or currency mismatch, not confirmed", payment.pk)
        return
    # the order's lock before the confirmation is published, for the books' handlers to read the
    # order's state and refunds fresh (ledger.handlers.on_payment_state). notice_apply's lock of
    # the payment, joined to its order, takes it already on PostgreSQL: this says it, and keeps it
    order = Order.objects.select_for_update().get(pk=payment.order_id)
    # the id the PSP gave at start (Stripe's PaymentIntent, PayPal's order) stays: status and refunds use it
    _row_set(payment, "payment.confirmed", state=PaymentState.CONFIRMED, confirmed_at=clock.now(),
                 psp_reference=payment.psp_reference or event.psp_reference[:200])
    received = _received_cents(order)
    if order.state in (OrderState.PAID, OrderState.PAID_UNFULFILLED, OrderState.CANCELLED, OrderState.REFUNDED) or (
        received - (payment.amount_cents - payment.fee_cents) >= order.total_cents
    ):
        _refund_automatically(payment, _("The order was already paid or cancelled: this payment is refunded."))
        return
    if payment.testmode:
        # test money counts towards this order: a test order for good, before its tickets are
        # issued (their signed payload carries the flag), whatever pays the rest (decision 0010)
        order_mark_test(order_id=order.pk)
    if received < order.total_cents:
        return  # a part payment: the order waits for the rest
    if not order_mark_paid(order_id=order.pk):
        order_mark_unfulfillable(order_id=order.pk)
        _refund_automatically(payment, _("Paid after the order expired and its places were sold."))
        return
    if received > order.total_cents:
        # this payment was started for the whole amount due, and a part payment (box office, bank
        # transfer) was recorded before it was confirmed: the order is paid, the rest goes back
        surplus = received - order.total_cents
        why = _("Received %(amount)s beyond the order's total.") % {"amount": format_money(surplus, payment.currency)}
        _refund_automatically(payment, why, amount_cents=surplus)


def _refund_automatically(payment: Payment, why: str, amount_cents: int | None = None) -> None:
    """Give back `amount_cents` of the payment (all of it by default) where the provider can,
    after the commit; tell staff how otherwise."""
    amount = payment.amount_cents if amount_cents is None else amount_cents
    partial = amount < payment.amount_cents
    provider = provider_get(payment.provider)
    if provider is None or not provider.capabilities.refund or (partial and not provider.capabilities.partial_refund):
        todo = (_("Give it back to the buyer: this payment method cannot refund part of a payment automatically.")
                if partial else _("Refund it in the payment service's back office."))
        _row_set(payment, "payment.flagged", needs_attention=f"{why} {todo}"[:300])
        return
    started = _("An automatic refund of it was started.") if partial else _("An automatic refund was started.")
    _row_set(payment, "payment.flagged", needs_attention=f"{why} {started}"[:300])
    refund = Refund.objects.create(payment=payment, amount_cents=amount, currency=payment.currency, reason=why[:300])
    _audit_new(refund, "refund.created")
    _refund_started(refund)
    refund_pk = refund.pk
    transaction.on_commit(lambda: _queue_refund(refund_pk))


def _queue_refund(refund_id: int) -> None:
    from .tasks import refund_execute_task

    refund_execute_task(refund_id)


def _payment_fail(payment: Payment, reason: str) -> None:
    if payment.state in (PaymentState.CONFIRMED, PaymentState.FAILED):
        return
    _row_set(payment, "payment.failed", state=PaymentState.FAILED, failure_reason=reason[:300])


def _refund_noticed(payment: Payment, event: ProviderEvent) -> None:
    """The PSP says money went back: close the refund of ours it is about, or tell staff.

    A PSP sends several notices about one refund (Stripe: refund.created, then refund.updated),
    so a notice must never close another refund than its own: one left open is sent again later
    (with the same idempotency key), one closed wrongly is never sent at all."""
    refund = _refund_of_notice(payment, event)
    if refund is None:
        _row_set(payment, "payment.flagged",
                     needs_attention=_("The payment service reports a refund made outside billetterie."))
        return
    if refund.state == RefundState.DONE:
        return  # another notice about a refund already closed
    if refund.state == RefundState.FAILED:
        _row_set(payment, "payment.flagged", needs_attention=_(
            "The payment service reports as made a refund recorded here as failed: "
            "check it in the payment service's back office."))
        return
    _refund_row_set(refund, "refund.done", state=RefundState.DONE, done_at=clock.now(),
                    psp_reference=event.psp_reference[:200] or refund.psp_reference)


def _refund_of_notice(payment: Payment, event: ProviderEvent) -> Refund | None:
    """Which of the payment's refunds a refund notice is about, if any (the payment row is locked).

    By our reference where the PSP echoes it (Stripe's metadata, PayPal's invoice_id): exact,
    even for a refund whose PSP call succeeded but whose answer was never saved. Then by the
    PSP's refund id. Failing both, by amount, but only a refund that may have reached the PSP
    without our learning its id, and never one the PSP named otherwise."""
    refunds = payment.refunds.order_by("id")
    if event.refund_reference:
        return refunds.filter(reference=event.refund_reference).first()
    psp_reference = event.psp_reference[:200]
    if psp_reference:
        named = refunds.filter(psp_reference=psp_reference).first()
        if named is not None:
            return named
    candidates = refunds.filter(amount_cents=event.amount_cents)
    if psp_reference:
        candidates = candidates.filter(psp_reference="")
    # one known to have reached the PSP first: a notice taken for an unsent refund closes it for good
    preference = (RefundState.DONE, RefundState.PENDING, RefundState.CREATED)
    found = candidates.filter(state__in=preference)
    return min(found, key=lambda r: (preference.index(r.state), r.pk), default=None)


# --- settings -----------------------------------------------------------------------------------


def payment_method_credentials_set(*, config: PaymentMethodConfig, mode: str, values: dict[str, str]) -> None:
    """Store one mode's credentials, encrypted. A blank value keeps what was stored (staff never
    see secrets again, so they cannot retype them); `None`-like removal is done by a single space."""
    if mode not in (Mode.SANDBOX, Mode.LIVE):
        raise InvalidInput(_("Unknown mode."), code="mode_unknown")
    field = "live_credentials" if mode == Mode.LIVE else "sandbox_credentials"
    stored = credentials_decrypt(getattr(config, field))
    for name, value in values.items():
        if value == "":
            continue
        if value.strip() == "":
            stored.pop(name, None)
        else:
            stored[name] = value.strip()
    names_before = sorted(credentials_decrypt(getattr(config, field)))
    setattr(config, field, credentials_encrypt(stored))
    if config.pk:
        config.save(update_fields=[field])
        # which credentials were set, never their values
        audit_record(action=f"payment_method.{mode}_credentials_set", subject=config,
                     organizer_id=config.organizer_id, changes={"credentials": [names_before, sorted(stored)]})


# --- refunds ------------------------------------------------------------------------------------


def refund_create(*, payment: Payment, amount_cents: int, reason: str = "",
                  expected_refunded_cents: int | None = None, line_id: int | None = None,
                  release_places: bool = True) -> Refund:
    """Refund part or all of a confirmed payment, never more than was paid and not yet refunded.

    `expected_refunded_cents`: what the caller showed as already refunded (a form's hidden
    field). If it changed meanwhile (the same page submitted twice, a colleague's refund), the
    caller decided on stale figures: Conflict, nothing is created.

    `line_id`: the line of the paid order this refund is for (at most its amount, once): its
    ticket is revoked. A refund that leaves the order nothing refunds the order: its tickets no
    longer admit. `release_places` (staff's choice, yes by default): the places of what the refund
    covers, the line or the whole order, go back on sale.

    The refund row and its reference (the PSP call's idempotency key) are committed before the
    PSP is called; the call happens after, outside the transaction."""
    refund = refund_row_create(payment=payment, amount_cents=amount_cents, reason=reason,
                               expected_refunded_cents=expected_refunded_cents, line_id=line_id,
                               release_places=release_places)
    return refund_execute(refund_id=refund.pk)


def refund_row_create(*, payment: Payment, amount_cents: int, reason: str = "",
                      expected_refunded_cents: int | None = None, line_id: int | None = None,
                      release_places: bool = True) -> Refund:
    """`refund_create` without the PSP call: the refund row, its checks and what it does to the
    order, in one transaction (the caller's, when there is one). The caller then calls
    `refund_execute` once that transaction has committed (an order's refund spread over several
    payments stores them all, or none, before any PSP is called)."""
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        if locked.state != PaymentState.CONFIRMED:
            raise InvalidInput(_("Only a confirmed payment can be refunded."), code="payment_not_confirmed")
        refunded = payment_refunded_cents(payment=locked)
        if expected_refunded_cents is not None and refunded != expected_refunded_cents:
            raise Conflict(_("A refund was made meanwhile: nothing was changed, check the payment before trying "
                             "again."), code="refunded_meanwhile")
        refundable = locked.amount_cents - refunded
        if not 0 < amount_cents <= refundable:
            raise InvalidInput(_("The amount must be positive and at most what is left to refund (%(left)s).")
                               % {"left": format_money(refundable, locked.currency)}, code="amount_invalid")
        provider = provider_get(locked.provider)
        if provider is not None and amount_cents < locked.amount_cents and provider.capabilities.refund and (
            not provider.capabilities.partial_refund
        ):
            raise InvalidInput(_("This payment method cannot refund part of a payment."), code="partial_refused")
        line = _refund_line(locked, line_id, amount_cents) if line_id is not None else None
        refund = Refund.objects.create(
            payment=locked, amount_cents=amount_cents, currency=locked.currency, reason=reason[:300], line=line,
            release_places=release_places,
        )
        _audit_new(refund, "refund.created")
        _refund_started(refund)
    return refund


def _refund_line(payment: Payment, line_id: int, amount_cents: int) -> OrderLine:
    """The line of the payment's order a refund is for, refused (InvalidInput) when it cannot be:
    not a line of this order, the order not paid, the line already refunded, more than its amount."""
    line = OrderLine.objects.select_related("order").filter(pk=line_id, order_id=payment.order_id).first()
    if line is None:
        raise InvalidInput(_("Choose a line of this order."), code="line_unknown")
    if line.order.state != OrderState.PAID:
        raise InvalidInput(_("Only a line of a paid order can be refunded on its own."), code="line_not_refundable")
    if Refund.objects.filter(line=line, state__in=REFUND_COUNTING_STATES).exists():
        raise InvalidInput(_("This line has already been refunded."), code="line_refunded")
    if amount_cents > line.amount_cents:
        raise InvalidInput(_("The refund of a line is at most its amount (%(amount)s).")
                           % {"amount": format_money(line.amount_cents, line.order.currency)}, code="amount_invalid")
    return line


def _refund_started(refund: Refund) -> None:
    """What a refund just started (and counted from now on) does to its order, in its transaction:
    the line it names loses its ticket, and its places by staff's choice; an order left with
    nothing (every payment given back, fees included or not) is refunded, its places released by
    the same choice."""
    if refund.line_id is not None:
        order_line_mark_refunded(line_id=refund.line_id, release_places=refund.release_places)
    order = Order.objects.get(pk=refund.payment.order_id)
    if order.state in REFUNDABLE_STATES and order_balance(order=order).kept_cents <= 0:
        order_mark_refunded(order_id=order.pk, release_places=refund.release_places)


# a refund in these states is on its way to the buyer (accepted by the payment service, or made):
# the buyer is told (RefundIssued: the refund email). A refund to make by hand is told once staff
# mark it done, so that the email never announces money that was not sent
REFUND_ISSUED_STATES = (RefundState.PENDING, RefundState.DONE)


def _refund_row_set(refund: Refund, action: str, **values: object) -> None:
    """`_row_set` for a refund, which publishes RefundIssued when the refund leaves for the buyer."""
    was = refund.state
    _row_set(refund, action, **values)
    if refund.state in REFUND_ISSUED_STATES and was not in REFUND_ISSUED_STATES:
        events.publish(RefundIssued(refund_id=refund.pk, order_id=refund.payment.order_id))
    if refund.state == RefundState.FAILED and was != RefundState.FAILED:
        _refund_failed(refund)


def _refund_failed(refund: Refund) -> None:
    """A refund the payment service refused no longer counts: when it had refunded the order, or
    the line it names, their tickets were revoked already (and maybe their places sold): staff
    must refund again or give the money back another way."""
    order_state = Order.objects.filter(pk=refund.payment.order_id).values_list("state", flat=True).first()
    if order_state != OrderState.REFUNDED and refund.line_id is None:
        return
    payment = Payment.objects.select_for_update().get(pk=refund.payment_id)
    _row_set(payment, "payment.flagged", needs_attention=_(
        "A refund failed after its tickets were taken back: refund it again, or give the money back another way."
    ))


def refund_execute(*, refund_id: int) -> Refund:
    """Call the PSP for a refund that is stored and not sent yet (safe to repeat: same idempotency key)."""
    refund = Refund.objects.select_related("payment__order").get(pk=refund_id)
    if refund.state != RefundState.CREATED:
        return refund
    payment = refund.payment
    provider = provider_get(payment.provider)
    if provider is None or not provider.capabilities.refund:
        return _refund_set(refund, RefundState.MANUAL, message=_("Refund it by hand, then mark it done."))
    config = provider_config(organizer_id=payment.order.organizer_id, provider_id=payment.provider)
    request = RefundRequest(reference=refund.reference, payment=payment_request(payment=payment),
                            amount_cents=refund.amount_cents, currency=refund.currency)
    try:
        result = provider.refund(request, config)
    except (ProviderUnavailable, NotSupported) as exc:
        log.warning("refund %s not sent: %s", refund.pk, exc)
        return _refund_set(refund, RefundState.CREATED, message=_("The payment service could not be reached."))
    state = {
        RefundOutcome.DONE: RefundState.DONE, RefundOutcome.PENDING: RefundState.PENDING,
        RefundOutcome.FAILED: RefundState.FAILED, RefundOutcome.MANUAL: RefundState.MANUAL,
    }[result.outcome]
    return _refund_set(refund, state, message=result.message, psp_reference=result.psp_reference)


# a refund is sent right after its commit; one still unsent after this was lost by a crash (or
# its task gave up while the PSP was down): the sweep sends it again, under the same idempotency key
REFUND_RESEND_AFTER = timedelta(minutes=5)


def refunds_send_due(*, now: datetime | None = None, limit: int = 200) -> int:
    """Periodic job: send the refunds that were stored but never reached the PSP. Returns how many
    left the "started" state."""
    cutoff = (now or clock.now()) - REFUND_RESEND_AFTER
    ids = list(Refund.objects.filter(state=RefundState.CREATED, created_at__lt=cutoff).order_by("pk")
               .values_list("pk", flat=True)[:limit])
    return sum(1 for refund_id in ids if refund_execute(refund_id=refund_id).state != RefundState.CREATED)


def _refund_set(refund: Refund, state: str, *, message: str = "", psp_reference: str = "") -> Refund:
    with transaction.atomic():
        locked = Refund.objects.select_for_update().get(pk=refund.pk)
        if locked.state not in (RefundState.CREATED, RefundState.PENDING):
            return locked
        done_at = clock.now() if state == RefundState.DONE else locked.done_at
        _refund_row_set(locked, f"refund.{state}", state=state, message=str(message)[:300],
                        psp_reference=psp_reference[:200] or locked.psp_reference, done_at=done_at)
    return locked


def refund_mark_done(*, refund_id: int) -> Refund:
    """Staff made a manual refund in the PSP's back office (or by transfer): close it."""
    with transaction.atomic():
        refund = Refund.objects.select_for_update().get(pk=refund_id)
        if refund.state not in (RefundState.MANUAL, RefundState.PENDING, RefundState.CREATED):
            raise InvalidInput(_("This refund is already closed."), code="refund_closed")
        _refund_row_set(refund, "refund.done", state=RefundState.DONE, done_at=clock.now())
    return refund


# --- bank statements --------------------------------------------------------------------------


@dataclass(frozen=True)
class StatementResult:
    recorded: int
    already_imported: int
    unmatched: int
    problems: int


# a bank statement's credits are bank transfers: recorded with that method
STATEMENT_METHOD = TransferProvider.identifier
# a chunk of lines is one transaction: short enough not to hold the database (SQLite's one writer)
# against the shop for long, long enough that commits do not dominate (decision 0011)
STATEMENT_CHUNK_LINES = 500
STATEMENT_CHUNK_SECONDS = 0.25
# an import whose progress stopped that long ago lost its worker (a crash, a restart): it is resumed
STATEMENT_STALLED_AFTER = timedelta(minutes=5)


@dataclass(frozen=True)
class _Statement:
    rows: list[list[str]]  # the data rows, blank ones left out
    columns: dict[str, int]
    hashes: list[str]  # one per row: its text and its rank among the identical rows before it


def _statement_parse(content: str) -> _Statement:
    """The statement's rows, or InvalidInput when the file is not one (told at upload, in the form)."""
    if "\x00" in content:  # a spreadsheet or a PDF, not CSV text (and PostgreSQL cannot store NUL)
        raise InvalidInput(
            _("This file is not a CSV text file: export the statement from your bank as CSV."),
            code="statement_not_csv",
        )
    rows = list(csv.reader(io.StringIO(content.lstrip("\ufeff")), delimiter=";"))
    if not rows:
        raise InvalidInput(_("The file is empty."), code="statement_empty")
    columns = _statement_columns(rows[0])
    data = [row for row in rows[1:] if any(cell.strip() for cell in row)]
    seen: dict[str, int] = {}
    hashes = []
    for row in data:
        text = ";".join(c.strip() for c in row)
        seen[text] = seen.get(text, 0) + 1
        hashes.append(_line_hash(text, seen[text]))
    return _Statement(data, columns, hashes)


def statement_import(*, organizer_id: int, content: str) -> StatementResult:
    """Import a bank statement CSV (`;`-separated, French decimal comma) at once: each credit whose
    label names one of the organiser's order codes records a bank transfer for that order, once.

    A line is known by a hash of its text and its rank among the identical lines of the file (an
    order paid in two equal transfers the same day gives two identical lines, two payments), so
    importing the same statement again, or a later one that overlaps it, records nothing twice.
    A line that cannot be read is kept as a problem to check, and the lines after it are still
    imported. Staff's uploads go through `statement_import_start` (a background job) instead."""
    statement = _statement_parse(content)
    counts = {"recorded": 0, "already_imported": 0, "unmatched": 0, "problems": 0}
    codes = _order_codes(organizer_id)
    done = 0
    while done < len(statement.rows):
        with transaction.atomic():
            done = _statement_chunk(organizer_id, statement, codes, done, counts)
    return StatementResult(**counts)


def statement_import_start(*, organizer_id: int, content: str, filename: str = "", user_id: int | None = None,
                           queue: bool = True) -> StatementImport:
    """Keep an uploaded statement and queue its import on the mail (slow work) queue. A file that
    is not a statement is refused here (InvalidInput), before anything is kept. Called outside a
    transaction (the admin's upload): the job must be committed before a worker looks for it."""
    statement = _statement_parse(content)
    job = StatementImport.objects.create(organizer_id=organizer_id, created_by_id=user_id, filename=filename[:255],
                                         content=content, total_lines=len(statement.rows))
    if queue:
        from .tasks import statement_import_task

        statement_import_task(job.pk)
    return job


def statement_import_run(*, import_id: int) -> StatementImport:
    """Import a kept statement from where it stands, chunk by chunk. Each chunk is one transaction
    that locks the job, reads its progress, imports the next lines and writes the progress and the
    counts: a crash or a restart anywhere loses at most the chunk under way (rolled back whole), and
    running it again goes on from there; two runs at once take turns. Lines are also known by their
    hash (StatementLine is unique per organiser and hash), so no transfer is recorded twice.
    A database error stops the run (the job says so) and is raised again for the queue's retry."""
    job = StatementImport.objects.get(pk=import_id)
    if job.state == StatementImportState.DONE:
        return job
    statement = _statement_parse(job.content)
    codes = _order_codes(job.organizer_id)
    if job.created_by is not None:  # the payments it records, the staff member who uploaded it did
        audit.bind(audit.staff(job.created_by))
    try:
        while True:
            with transaction.atomic():
                job = StatementImport.objects.select_for_update().get(pk=import_id)
                if job.lines_done >= len(statement.rows) or job.state == StatementImportState.DONE:
                    _statement_import_finish(job)
                    return job
                counts = {"recorded": job.recorded, "already_imported": job.already_imported,
                          "unmatched": job.unmatched, "problems": job.problems}
                job.lines_done = _statement_chunk(job.organizer_id, statement, codes, job.lines_done, counts)
                job.recorded, job.already_imported = counts["recorded"], counts["already_imported"]
                job.unmatched, job.problems = counts["unmatched"], counts["problems"]
                job.state, job.updated_at, job.error = StatementImportState.RUNNING, clock.now(), ""
                job.save(update_fields=["lines_done", "recorded", "already_imported", "unmatched", "problems",
                                        "state", "updated_at", "error"])
    except DatabaseError as exc:
        log.exception("bank statement import %s stopped", import_id)
        _statement_import_stopped(import_id, exc)
        raise


def _statement_import_finish(job: StatementImport) -> None:
    job.state, job.finished_at, job.updated_at, job.error = StatementImportState.DONE, clock.now(), clock.now(), ""
    job.content = ""  # bank lines of people who are not buyers: kept no longer than needed
    job.save(update_fields=["state", "finished_at", "updated_at", "error", "content"])


def _statement_import_stopped(import_id: int, exc: Exception) -> None:
    try:
        StatementImport.objects.filter(pk=import_id).exclude(state=StatementImportState.DONE).update(
            state=StatementImportState.FAILED, updated_at=clock.now(), error=str(exc)[:300])
    except DatabaseError:  # the database is still away: the job stays as it was, resumed later
        log.warning("could not mark bank statement import %s as stopped", import_id)


def statement_import_resume(*, import_id: int) -> None:
    """Staff resume a stopped import: it goes on from its progress."""
    StatementImport.objects.filter(pk=import_id, state=StatementImportState.FAILED).update(
        state=StatementImportState.QUEUED, updated_at=clock.now(), error="")
    from .tasks import statement_import_task

    statement_import_task(import_id)


def statement_imports_stalled(*, now: datetime | None = None) -> list[int]:
    """Imports whose worker stopped without a word (a crash, a restart): waiting or running, with
    no progress for STATEMENT_STALLED_AFTER. The periodic job queues them again."""
    before = (now or clock.now()) - STATEMENT_STALLED_AFTER
    return list(StatementImport.objects.filter(
        state__in=[StatementImportState.QUEUED, StatementImportState.RUNNING], updated_at__lt=before,
    ).values_list("pk", flat=True))


def _statement_chunk(organizer_id: int, statement: _Statement, codes: dict[str, int], start: int,
                     counts: dict[str, int]) -> int:
    """Import the rows from `start`, inside the caller's transaction, until STATEMENT_CHUNK_LINES or
    STATEMENT_CHUNK_SECONDS; count each line's outcome in `counts`; the index of the next row.
    A database error on a line (its savepoint rolled back) ends the chunk after the lines before it
    and is raised once they are committed, so what was imported stays imported."""
    end = min(start + STATEMENT_CHUNK_LINES, len(statement.rows))
    known = set(StatementLine.objects.filter(organizer_id=organizer_id, line_hash__in=statement.hashes[start:end])
                .values_list("line_hash", flat=True))
    deadline = time.monotonic() + STATEMENT_CHUNK_SECONDS
    index = start
    while index < end and (index == start or time.monotonic() < deadline):
        line_hash = statement.hashes[index]
        if line_hash in known:
            outcome = "already_imported"
        else:
            try:
                outcome = _statement_line(organizer_id, statement.rows[index], statement.columns, codes, line_hash)
            except DatabaseError:
                if index == start:
                    raise
                break  # the lines before it are committed with the chunk; the next chunk starts on it
        counts[outcome] += 1
        index += 1
    return index


def _line_hash(text: str, occurrence: int) -> str:
    """The first occurrence keeps the hash lines had before occurrences counted (the text alone),
    so lines imported then are still recognised."""
    key = text if occurrence == 1 else f"{text}\n#{occurrence}"
    return hashlib.sha256(key.encode()).hexdigest()


def _statement_columns(header: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, name in enumerate(h.strip().lower() for h in header):
        if "date" in name and "date" not in found:
            found["date"] = index
        elif ("libell" in name or "label" in name or "description" in name) and "label" not in found:
            found["label"] = index
        elif ("crédit" in name or "credit" in name) and "credit" not in found:
            found["credit"] = index
        elif ("montant" in name or "amount" in name) and "amount" not in found:
            found["amount"] = index
    if "label" not in found or not ("credit" in found or "amount" in found):
        raise InvalidInput(_("The file needs a header line with a label column and an amount or credit column "
                             "(Date;Libellé;Montant)."), code="statement_columns")
    return found


def _order_codes(organizer_id: int) -> dict[str, int]:
    return dict(Order.objects.filter(organizer_id=organizer_id).values_list("code", "pk"))


def _statement_line(organizer_id: int, row: list[str], columns: dict[str, int], codes: dict[str, int],
                    line_hash: str) -> str:
    def cell(name: str) -> str:
        index = columns.get(name)
        return row[index].strip() if index is not None and index < len(row) else ""

    label = cell("label")
    raw_amount = cell("credit") or cell("amount")
    unreadable = ""
    try:
        cents = decimal_to_cents(raw_amount.replace("€", "").replace("+", "")) if raw_amount else 0
    except InvalidAmount:
        cents, unreadable = 0, raw_amount
    with transaction.atomic():
        try:
            with transaction.atomic():
                line = StatementLine.objects.create(
                    organizer_id=organizer_id, line_hash=line_hash, booked_on=cell("date")[:20],
                    label=label[:500], amount_cents=cents,
                )
        except IntegrityError:
            return "already_imported"
        if unreadable:
            line.outcome = (_("Amount not understood: %(amount)s") % {"amount": unreadable})[:300]
            line.save(update_fields=["outcome"])
            return "problems"
        matches = [code for code in re.findall(r"[A-Z0-9]+", label.upper()) if code in codes]
        if cents <= 0 or not matches:
            line.outcome = _("No order code found in the label, or not a credit.")
            line.save(update_fields=["outcome"])
            return "unmatched"
        try:
            payment = payment_record_external(
                order_id=codes[matches[0]], method=STATEMENT_METHOD, amount_cents=cents, reference=label[:200]
            )
        except DomainError as exc:
            line.outcome = str(exc.message)[:300]
            line.save(update_fields=["outcome"])
            return "problems"
        line.payment = payment
        line.outcome = _("Recorded for order %(code)s.") % {"code": matches[0]}
        line.save(update_fields=["payment", "outcome"])
    return "recorded"
