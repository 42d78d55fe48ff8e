"""Payments: start an attempt, apply a verified notice (idempotent), confirm, fail."""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from billetterie.core import clock
from billetterie.core.errors import InvalidInput, SoldOut
from billetterie.orders.models import Order, OrderState
from billetterie.orders.services import order_mark_paid

from .models import Payment, PaymentState, ProviderNotice
from .providers.base import EventKind, NextAction, PaymentUrls, ProviderEvent
from .providers.registry import provider_get
from .selectors import payment_request, provider_config

log = logging.getLogger(__name__)


def payment_start(*, order: Order, provider_id: str, urls: PaymentUrls) -> NextAction:
    """Open a new payment attempt for what the order still owes and hand over to the provider."""
    provider = provider_get(provider_id)
    if provider is None:
        raise InvalidInput(_("Choose a payment method."), code="provider_unknown")
    if order.state != OrderState.PENDING or (order.expires_at and order.expires_at <= clock.now()):
        raise InvalidInput(_("This order can no longer be paid."), code="order_not_payable")
    caps = provider.capabilities
    if order.total_cents < caps.min_amount_cents or (
        caps.max_amount_cents is not None and order.total_cents > caps.max_amount_cents
    ):
        raise InvalidInput(_("This payment method is not available for this amount."), code="amount_refused")
    with transaction.atomic():
        # an abandoned attempt must not be confirmed behind the buyer's back as well as this one
        order.payments.filter(state=PaymentState.CREATED).update(state=PaymentState.CANCELLED)
        payment = Payment.objects.create(
            order=order, provider=provider_id, amount_cents=order.total_cents, currency=order.currency
        )
    config = provider_config(organizer_id=order.organizer_id, provider_id=provider_id)
    return provider.start(payment_request(payment=payment), urls, config)


EXTERNAL_METHODS = {
    "cash": _lazy("Cash"),
    "cheque": _lazy("Cheque"),
    "transfer": _lazy("Bank transfer"),
    "card_terminal": _lazy("Card terminal (box office)"),
}


def payment_record_external(*, order_id: int, method: str, amount_cents: int, reference: str = "") -> Payment:
    """Record money received outside any payment service (box office, bank transfer); the order
    is paid once what was received covers its total."""
    if method not in EXTERNAL_METHODS:
        raise InvalidInput(_("Unknown payment method."), code="method_unknown")
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        received = sum(p.amount_cents for p in order.payments.filter(state=PaymentState.CONFIRMED))
        if order.state not in (OrderState.PENDING, OrderState.EXPIRED):
            raise InvalidInput(_("This order can no longer be paid."), code="order_not_payable")
        if not 0 < amount_cents <= order.total_cents - received:
            raise InvalidInput(_("The amount must be positive and at most what is still due."), code="amount_invalid")
        payment = Payment.objects.create(
            order=order, provider=method, amount_cents=amount_cents, currency=order.currency,
            state=PaymentState.CONFIRMED, confirmed_at=clock.now(), psp_reference=reference[:200],
        )
        if received + amount_cents >= order.total_cents and not order_mark_paid(order_id=order.pk):
            raise SoldOut(_("This order expired and its places are no longer available."), code="sold_out")
    return payment


def notice_apply(*, provider_id: str, organizer_id: int, event: ProviderEvent) -> None:
    """Apply one verified notice exactly once, whatever order and however often it arrives.

    The notice was verified with this organiser's credentials: it only reaches their payments."""
    with transaction.atomic():
        payment = Payment.objects.select_for_update().filter(
            provider=provider_id, reference=event.payment_reference, order__organizer_id=organizer_id
        ).first()
        try:
            with transaction.atomic():
                ProviderNotice.objects.create(
                    provider=provider_id, notice_id=event.notice_id, payment=payment, payload=event.payload
                )
        except IntegrityError:
            log.info("duplicate notice %s/%s ignored", provider_id, event.notice_id)
            return
        if payment is None:
            log.warning("notice %s for unknown payment %s", event.notice_id, event.payment_reference)
            return
        if event.kind == EventKind.CONFIRMED:
            _payment_confirm(payment, event)
        elif event.kind == EventKind.FAILED:
            _payment_fail(payment, event.reason)
        elif payment.state == PaymentState.CREATED:
            payment.state = PaymentState.PENDING
            payment.save(update_fields=["state"])


def _payment_confirm(payment: Payment, event: ProviderEvent) -> None:
    if payment.state == PaymentState.CONFIRMED:
        return
    if event.amount_cents != payment.amount_cents or event.currency != payment.currency:
        payment.needs_attention = _("The payment service reported %(amount)s %(cur)s instead of what was due.") % {
            "amount": event.amount_cents, "cur": event.currency
        }
        payment.save(update_fields=["needs_attention"])
        log.warning("payment %s: amount or currency mismatch, not confirmed", payment.pk)
        return
    payment.state = PaymentState.CONFIRMED
    payment.confirmed_at = clock.now()
    payment.psp_reference = event.psp_reference[:200]
    payment.save(update_fields=["state", "confirmed_at", "psp_reference"])
    order = payment.order
    if order.state == OrderState.PAID:
        payment.needs_attention = _("The order was already paid: refund this payment.")
        payment.save(update_fields=["needs_attention"])
        return
    if not order_mark_paid(order_id=order.pk):
        payment.needs_attention = _("Paid after the order expired and its places were sold: refund it.")
        payment.save(update_fields=["needs_attention"])


def _payment_fail(payment: Payment, reason: str) -> None:
    if payment.state in (PaymentState.CONFIRMED, PaymentState.FAILED):
        return
    payment.state = PaymentState.FAILED
    payment.failure_reason = reason[:300]
    payment.save(update_fields=["state", "failure_reason"])
