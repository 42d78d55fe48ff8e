"""An order's history (core.audit's timeline) as staff read it: what happened in words, who did
it, and the changes with amounts in euros and states by their names."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from billetterie.core.models import ActorKind, AuditEntry
from billetterie.core.money import format_money
from billetterie.notifications.models import OutboxKind
from billetterie.orders.models import OrderState
from billetterie.payments.labels import refund_state_label
from billetterie.payments.models import PaymentState, Refund, RefundState
from billetterie.tickets.services import REISSUED_ATTENDEE_CHANGED, REVOKED_REFUNDED

ACTIONS = {
    "order.placed": pgettext_lazy("order history", "Order placed"),
    "order.paid": pgettext_lazy("order history", "Order paid"),
    "order.expired": pgettext_lazy("order history", "Order expired"),
    "order.cancelled": pgettext_lazy("order history", "Order cancelled"),
    "order.refunded": pgettext_lazy("order history", "Order refunded"),
    "order.due_extended": pgettext_lazy("order history", "Payment due date extended"),
    "order.awaiting_invoice": pgettext_lazy("order history", "Awaiting invoice payment"),
    "order.paid_unfulfilled": pgettext_lazy("order history", "Paid, cannot be fulfilled"),
    "order.kept_part_paid": pgettext_lazy("order history", "Part paid at its due date: places kept"),
    "order.marked_test": pgettext_lazy("order history", "Marked as a test order"),
    "order.confirmation_resent": pgettext_lazy("order history", "Confirmation sent again"),
    "order.tickets_resent": pgettext_lazy("order history", "Tickets sent again"),
    "order_line.refunded": pgettext_lazy("order history", "Line refunded"),
    "order_line.attendee_changed": pgettext_lazy("order history", "Person changed"),
    "payment.started": pgettext_lazy("order history", "Payment started"),
    "payment.pending": pgettext_lazy("order history", "Payment awaiting the payment service"),
    "payment.confirmed": pgettext_lazy("order history", "Payment confirmed"),
    "payment.recorded": pgettext_lazy("order history", "Payment recorded"),
    "payment.failed": pgettext_lazy("order history", "Payment failed"),
    "payment.cancelled": pgettext_lazy("order history", "Payment attempt cancelled"),
    "payment.flagged": pgettext_lazy("order history", "Payment to check"),
    "payment.checked": pgettext_lazy("order history", "Payment marked as checked"),
    "refund.created": pgettext_lazy("order history", "Refund started"),
    "refund.pending": pgettext_lazy("order history", "Refund awaiting the payment service"),
    "refund.done": pgettext_lazy("order history", "Refund done"),
    "refund.failed": pgettext_lazy("order history", "Refund failed"),
    "refund.manual": pgettext_lazy("order history", "Refund to make by hand"),
    "ticket.reissued": pgettext_lazy("order history", "Ticket reissued"),
    "ticket.revoked": pgettext_lazy("order history", "Ticket cancelled"),
    "billing_details.recorded": pgettext_lazy("order history", "Billing details given"),
    "billing_details.changed": pgettext_lazy("order history", "Billing details corrected"),
    "billing_details.removed": pgettext_lazy("order history", "Billing details removed"),
    "order.anonymised": pgettext_lazy("order history", "Buyer's details erased with their account"),
    "billing_details.erased": pgettext_lazy("order history", "Billing details erased with the buyer's account"),
    "taxreceipt_request.erased": pgettext_lazy("order history", "Tax receipt request erased with the buyer's account"),
}

# the reasons the code itself records (a reason staff typed is shown as typed)
REASONS = {REISSUED_ATTENDEE_CHANGED: _("the person changed"), REVOKED_REFUNDED: _("refunded")}

FIELDS = {
    "state": _("state"), "amount_cents": _("amount"), "provider": _("payment method"),
    "expires_at": _("payment due before"), "places_released": _("places released"),
    "release_places": _("places released"),
    "line_id": _("line"), "testmode": _("test order"), "reason": _("reason"), "to": _("to"),
    "attendee_name": _("name"), "attendee_email": _("email"), "needs_attention": _("to check"),
    "confirmed_at": _("confirmed at"), "done_at": _("done at"), "psp_reference": _("payment service reference"),
    "message": _("message"), "failure_reason": _("failure reason"), "idempotency_key": _("key"),
    "organization": _("organisation"), "address": _("address"), "postcode": _("postcode"), "city": _("city"),
    "country": _("country"), "country_code": _("country code"), "siren": _("SIREN"), "siret": _("SIRET"),
    "vat_number": _("VAT number"), "reference": _("reference"),
}



def _state_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for choices in (RefundState, PaymentState, OrderState, OutboxKind):
        names.update({value: str(label) for value, label in choices.choices})
    return names


@dataclass(frozen=True)
class TimelineRow:
    at: datetime
    who: str
    what: str
    changes: list[str]


def _refund_providers(entries: list[AuditEntry]) -> dict[int, str]:
    """The payment method of each refund the entries are about (one query): a refund's state is
    worded for its method (`payments.labels`)."""
    ids = {entry.subject_id for entry in entries
           if entry.subject_type == "refund" and entry.subject_id is not None and "state" in entry.changes}
    if not ids:
        return {}
    return dict(Refund.objects.filter(pk__in=ids).values_list("pk", "payment__provider"))


def _value(name: str, value: object, states: dict[str, str]) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if name.endswith("_cents") and isinstance(value, int):
        return format_money(value)
    if name == "reason" and value in REASONS:
        return str(REASONS[str(value)])
    if name in ("state",) and isinstance(value, str):
        return states.get(value, value)
    if name == "provider" and isinstance(value, str):
        from .forms import method_name

        return method_name(value)
    return str(value)


def timeline_rows(entries: list[AuditEntry]) -> list[TimelineRow]:
    base_states = _state_names()
    providers = _refund_providers(entries)
    kinds = dict(ActorKind.choices)
    rows = []
    for entry in entries:
        actor = kinds.get(entry.actor_kind, entry.actor_kind)
        who = f"{actor} — {entry.actor_label}" if entry.actor_label else str(actor)
        what = str(ACTIONS.get(entry.action, entry.action))
        states = base_states
        subject = entry.subject_id
        provider = providers.get(subject) if entry.subject_type == "refund" and subject is not None else None
        if provider is not None:
            manual = refund_state_label(state=RefundState.MANUAL, provider=provider)
            states = {**base_states, RefundState.MANUAL: manual}
        changes = []
        for name, pair in sorted(entry.changes.items()):
            if name in ("idempotency_key",) or not isinstance(pair, list | tuple) or len(pair) != 2:
                continue
            label = FIELDS.get(name, name.removesuffix("_cents"))
            changes.append(str(_("%(field)s: %(before)s → %(after)s") % {
                "field": label, "before": _value(name, pair[0], states), "after": _value(name, pair[1], states)}))
        rows.append(TimelineRow(entry.at, who, what, changes))
    return rows
