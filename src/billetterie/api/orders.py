from __future__ import annotations

import hashlib
import json

from django.db.models import prefetch_related_objects
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Header, Router, Status

from billetterie.cart.services import CartAdd
from billetterie.catalog.selectors import CatalogRefs, Visibility, catalog_refs
from billetterie.core.errors import InvalidInput
from billetterie.memberships.prices import MemberProof, member_prove
from billetterie.orders.models import Order
from billetterie.orders.services import Checkout, LineSpec, Person, order_cancel, order_create
from billetterie.payments.balance import order_balance_prefetched
from billetterie.payments.services import online_payment_check, payment_record_external

from .auth import TokenAuth, request_token
from .errors import ERRORS, RATE_LIMITED, WRITE_ERRORS
from .models import ApiPermission, ApiToken
from .schemas import ExternalPaymentIn, MemberIn, OrderIn, OrderLineIn, OrderLineOut, OrderOut, PaymentOut
from .selectors import order_of_organizer

router = Router(tags=["orders"], auth=TokenAuth(ApiPermission.ORDERS))
# an API client speaks for the organiser: it may sell what is published or in preview
API_VISIBILITY = Visibility(staff=True)


@router.get("/orders/{code}", response={200: OrderOut, **ERRORS, **RATE_LIMITED},
            summary="One order, its lines and payments")
def order_detail(request: HttpRequest, code: str) -> OrderOut:
    """An order of the token's organiser, by its code; another organiser's order is not found."""
    token = request_token(request)
    return _order_out(order_of_organizer(organizer_id=token.organizer_id, code=code, guesser=_guesser(token)))


def _guesser(token: ApiToken) -> str:
    """Who is counted when an order code is unknown (api/selectors.ORDER_CODE_GUESSES)."""
    return f"token:{token.pk}"


@router.post("/orders", response={201: OrderOut, **WRITE_ERRORS, **RATE_LIMITED}, summary="Place an order")
def order_create_endpoint(
    request: HttpRequest, payload: OrderIn, idempotency_key: str | None = Header(None, alias="Idempotency-Key")
) -> Status:
    """Place an order: every line gets its places or none does (409 `sold_out`, with
    `details.lines` saying which lines cannot be served). With `payment`, the order is paid at
    once (box office). Without it, an order with something to pay needs a payment method the
    organiser offers on the API channel: none (a new organiser) is 422 `payments_not_enabled`,
    nothing is created; free orders always pass. Send an `Idempotency-Key` header to retry
    safely: a replay returns the first order; the same key with another body is refused with 422."""
    token = request_token(request)
    _check_key(idempotency_key)
    refs = catalog_refs(
        organizer_id=token.organizer_id,
        product_ids={line.product_id for line in payload.lines},
        price_ids={line.price_id for line in payload.lines if line.price_id},
        date_ids={line.date_id for line in payload.lines if line.date_id},
    )
    checkout = Checkout(email=payload.email, name=payload.name, phone=payload.phone, locale=payload.locale,
                        terms_accepted=True, member_proof=_member_proof(token, payload.members))
    body_hash = hashlib.sha256(json.dumps(payload.dict(), sort_keys=True, default=str).encode()).hexdigest()
    payment = payload.payment

    def record_payment(order: Order) -> None:
        assert payment is not None
        payment_record_external(order_id=order.pk, method=payment.method, amount_cents=order.total_cents,
                                reference=payment.reference, notify=payload.send_email, new_order=order)

    def check_payable(order: Order) -> None:  # in the order's transaction: a refusal leaves nothing behind
        online_payment_check(organizer=token.organizer, channel="api", amount_cents=order.total_cents)

    order, created = order_create(
        organizer=token.organizer, lines=[_line_spec(line, refs) for line in payload.lines], checkout=checkout,
        visibility=API_VISIBILITY, channel="api", idempotency_key=idempotency_key, request_hash=body_hash,
        then=record_payment if payment is not None else check_payable,
    )
    return Status(201, _order_out(order, new=created))


def _member_proof(token: ApiToken, members: list[MemberIn]) -> MemberProof | None:
    """The members the call names, each proved by number and last name as in the shop, their
    wrong tries counted against the number and the token (decision 0024)."""
    if not members:
        return None
    return MemberProof(member_ids=frozenset(
        member_prove(organizer_id=token.organizer_id, number=m.number, last_name=m.last_name,
                     client=_guesser(token)).pk
        for m in members
    ))


def _check_key(idempotency_key: str | None) -> None:
    if idempotency_key is not None and not 0 < len(idempotency_key) <= 200:
        raise InvalidInput(_("The Idempotency-Key must have 1 to 200 characters."), code="idempotency_key_invalid")


def _line_spec(line: OrderLineIn, refs: CatalogRefs) -> LineSpec:
    product = refs.products.get(line.product_id)
    if product is None:
        raise InvalidInput(_("Unknown product %(id)s.") % {"id": line.product_id}, code="product_unknown")
    price = refs.prices.get(line.price_id) if line.price_id else None
    date = refs.dates.get(line.date_id) if line.date_id else None
    if (line.price_id and price is None) or (line.date_id and date is None):
        raise InvalidInput(_("Unknown price or date."), code="reference_unknown")
    item = CartAdd(product=product, price=price, date=date, donation_cents=line.amount_cents)
    attendee = line.attendee
    person = Person(name=attendee.name, email=attendee.email, answers=attendee.answers) if attendee else Person()
    return LineSpec(item=item, person=person)


@router.post("/orders/{code}/payments", response={201: PaymentOut, **WRITE_ERRORS, **RATE_LIMITED},
             summary="Record money received outside a payment service")
def order_payment_record(
    request: HttpRequest, code: str, payload: ExternalPaymentIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
) -> Status:
    """Box office cash, cheque or card terminal, or a bank transfer seen on the statement. The
    order is paid once what was received covers its total. Send an `Idempotency-Key` header to
    retry safely: a replay returns the payment recorded the first time."""
    token = request_token(request)
    _check_key(idempotency_key)
    order = order_of_organizer(organizer_id=token.organizer_id, code=code, guesser=_guesser(token))
    payment = payment_record_external(
        order_id=order.pk, method=payload.method, amount_cents=payload.amount_cents, reference=payload.reference,
        idempotency_key=idempotency_key,
    )
    return Status(201, PaymentOut.from_orm(payment))


@router.post("/orders/{code}/cancel", response={200: OrderOut, **WRITE_ERRORS, **RATE_LIMITED},
             summary="Cancel an unpaid order and release its places")
def order_cancel_endpoint(request: HttpRequest, code: str) -> OrderOut:
    token = request_token(request)
    order = order_of_organizer(organizer_id=token.organizer_id, code=code, guesser=_guesser(token))
    order_cancel(order_id=order.pk)
    return _order_out(order_of_organizer(organizer_id=token.organizer_id, code=code))


def _order_out(order: Order, *, new: bool = False) -> OrderOut:
    """`new`: created by this very request, so nothing can have refunded it yet: its payments'
    refunds are known to be none without asking (one statement less on the rush path)."""
    if new:
        prefetch_related_objects([order], "lines", "payments")
        for payment in order.payments.all():
            payment.__dict__.setdefault("_prefetched_objects_cache", {})["refunds"] = payment.refunds.none()
    else:
        prefetch_related_objects([order], "lines", "payments__refunds")  # what it shows, and its balance
    balance = order_balance_prefetched(order=order)
    return OrderOut(
        code=order.code, state=order.state, status=balance.status, testmode=order.testmode,
        received_cents=balance.received_cents, refunded_cents=balance.refunded_cents,
        email=order.email, name=order.name, phone=order.phone,
        locale=order.locale, total_cents=order.total_cents, currency=order.currency,
        created_at=order.created_at, expires_at=order.expires_at, paid_at=order.paid_at,
        cancelled_at=order.cancelled_at,
        lines=[
            OrderLineOut(
                id=line.pk, kind=line.kind, label=line.label, product_id=line.product_id,
                price_id=line.price_id, date_id=line.date_id, amount_cents=line.amount_cents,
                attendee_name=line.attendee_name, attendee_email=line.attendee_email,
                answers=line.answers or {},
            )
            for line in order.lines.all()
        ],
        payments=[
            PaymentOut(
                id=p.pk, provider=p.provider, state=p.state, amount_cents=p.amount_cents, currency=p.currency,
                created_at=p.created_at, confirmed_at=p.confirmed_at, testmode=p.testmode,
            )
            for p in order.payments.all()
        ],
    )
