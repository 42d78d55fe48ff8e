"""Sales at the box office, at the door or by phone: the order is placed directly (the API's
`orders.order_create`: every place taken with the same rules as online, all or none, never
oversold) and paid in the same transaction with money staff take in hand — cash, cheque or card
terminal, the methods that settle at once (decision 0017). The order's channel is "box office";
the audit trail names the staff member who sold it (the request's actor, decision 0015)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from billetterie.catalog.selectors import Visibility
from billetterie.core.errors import InvalidInput
from billetterie.orders.models import Order
from billetterie.orders.services import Checkout, LineSpec, order_create
from billetterie.organizers.models import Organizer

from .models import Channel
from .providers.base import Settlement
from .providers.registry import settlement_of
from .selectors import OfferedMethod, methods_offered
from .services import payment_record_external

# staff sell what is published or in preview (a rehearsal before the opening)
BOX_OFFICE_VISIBILITY = Visibility(staff=True)
CASH = "cash"


def box_office_methods(*, organizer: Organizer, amount_cents: int = 0) -> list[OfferedMethod]:
    """The methods the organiser offers at the box office that staff record on the spot."""
    offered = methods_offered(organizer=organizer, channel=Channel.BOX_OFFICE, amount_cents=amount_cents)
    return [m for m in offered if settlement_of(m.provider_id) == Settlement.AT_ONCE]


@dataclass(frozen=True)
class BoxOfficeSale:
    order: Order
    created: bool  # False: a replay of the same sale (a double click) returned the first order
    change_cents: int | None  # cash: what to give back


def change_due(*, total_cents: int, tendered_cents: int | None) -> int | None:
    """What to give back from the cash handed over (None: not said)."""
    if tendered_cents is None:
        return None
    if tendered_cents < total_cents:
        raise InvalidInput(_("The cash handed over is less than the total."), code="tendered_too_low")
    return tendered_cents - total_cents


def box_office_sell(
    *, organizer: Organizer, lines: list[LineSpec], checkout: Checkout, method: str, sale_key: str,
    request_hash: str, reference: str = "", tendered_cents: int | None = None, send_email: bool = True,
) -> BoxOfficeSale:
    """Sell `lines` and record the payment with `method`, in one transaction: a refusal (sold out,
    sales closed, a method the box office does not take, too little cash) leaves nothing behind.

    `sale_key` (one per sale form shown) makes a second submit return the first order. The
    confirmation with the tickets is emailed when `send_email` and the buyer gave an address."""
    if not sale_key:
        raise InvalidInput(_("This sale form is incomplete: open it again."), code="sale_key_required")

    def record_payment(order: Order) -> None:
        if method not in {m.provider_id for m in box_office_methods(organizer=organizer,
                                                                     amount_cents=order.total_cents)}:
            raise InvalidInput(_("The box office does not take this payment method."), code="method_not_offered")
        if method == CASH:
            change_due(total_cents=order.total_cents, tendered_cents=tendered_cents)
        payment_record_external(order_id=order.pk, method=method, amount_cents=order.total_cents,
                                reference=reference, notify=send_email and bool(order.email), new_order=order)

    checkout = Checkout(
        email=checkout.email, name=checkout.name, locale=checkout.locale, phone=checkout.phone,
        terms_accepted=True, at_box_office=True,
    )
    order, created = order_create(
        organizer=organizer, lines=lines, checkout=checkout, visibility=BOX_OFFICE_VISIBILITY,
        channel=Channel.BOX_OFFICE, idempotency_key=f"box-office:{sale_key}"[:200], request_hash=request_hash,
        then=record_payment,
    )
    change = change_due(total_cents=order.total_cents, tendered_cents=tendered_cents) if method == CASH else None
    return BoxOfficeSale(order=order, created=created, change_cents=change)
