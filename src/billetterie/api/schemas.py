"""What the API returns. Amounts are integer cents; times are ISO 8601 with their offset."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from django.core.validators import EmailValidator
from ninja import Field, Schema
from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

from billetterie.core.money import MAX_CENTS
from billetterie.core.validation import email_is_valid

# what the API accepts as a row id or an amount: anything larger cannot be stored, and is refused
# with a 422 like any other invalid field rather than failing in the database driver
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]
Cents = Annotated[int, Field(ge=0, le=MAX_CENTS)]


def _email(value: str) -> str:
    """An address mail can reach, as the shop's form checks it (surrounding spaces dropped);
    refused with a 422 whose details name the field (`loc`), type `email_invalid`."""
    value = value.strip()
    if not email_is_valid(value):
        raise PydanticCustomError("email_invalid", str(EmailValidator.message))
    return value


def _email_or_empty(value: str) -> str:
    return _email(value) if value.strip() else ""


Email = Annotated[str, Field(max_length=254), AfterValidator(_email)]
# an attendee's address may be left out (the order's rules say where one is needed)
OptionalEmail = Annotated[str, Field(max_length=254), AfterValidator(_email_or_empty)]


class AvailabilityOut(Schema):
    date_id: int | None = None
    available: int | None = None  # None: no quota limits this product


class PriceOut(Schema):
    id: int
    name: str
    amount_cents: int
    eligibility: str
    active: bool
    publication: str


class DonationOut(Schema):
    min_cents: int
    max_cents: int
    suggested_cents: list[int]


class ProductOut(Schema):
    id: int
    kind: str
    name: str
    description: str
    active: bool
    on_sale: bool
    max_per_order: int
    addon_standalone: bool
    sales_start: datetime | None
    sales_end: datetime | None
    prices: list[PriceOut]
    availability: list[AvailabilityOut]
    donation: DonationOut | None = None


class DateOut(Schema):
    id: int
    start: datetime
    end: datetime | None
    capacity: int
    available: int


class EventOut(Schema):
    id: int
    slug: str
    title: str
    section: str
    theme: str
    venue: str
    description: str
    publication: str
    dates: list[DateOut]
    products: list[ProductOut]


class OrderLineOut(Schema):
    id: int
    kind: str
    label: str
    product_id: int
    price_id: int | None
    date_id: int | None
    amount_cents: int
    attendee_name: str
    attendee_email: str
    answers: dict[str, Any]


class PaymentOut(Schema):
    id: int
    provider: str
    state: str
    amount_cents: int
    currency: str
    created_at: datetime
    confirmed_at: datetime | None
    testmode: bool = Field(description="Started in a test mode (a sandbox): no real money moved")


class OrderOut(Schema):
    code: str
    state: str
    status: str = Field(description="What the buyer is shown: unpaid, part_paid, paid, partly_refunded, refunded…")
    testmode: bool = Field(description="A test order: paid in a test mode, its tickets do not admit")
    received_cents: int = Field(description="What confirmed payments brought, their fees aside")
    refunded_cents: int = Field(description="What was refunded or is being refunded")
    email: str
    name: str
    phone: str
    locale: str
    total_cents: int
    currency: str
    created_at: datetime
    expires_at: datetime | None
    paid_at: datetime | None
    cancelled_at: datetime | None
    lines: list[OrderLineOut]
    payments: list[PaymentOut]


class AttendeeIn(Schema):
    name: str = Field("", max_length=200)
    email: OptionalEmail = ""
    answers: dict[str, str] = Field(default_factory=dict, description="By question id")


class OrderLineIn(Schema):
    product_id: Id
    price_id: Id | None = Field(None, description="Required except for a donation")
    date_id: Id | None = Field(None, description="Required for a ticket")
    amount_cents: Cents | None = Field(None, description="A donation's amount")
    attendee: AttendeeIn | None = Field(None, description="Required for tickets and memberships")


class PaymentIn(Schema):
    method: str = Field(..., description="cash, cheque, transfer or card_terminal: the order is paid at once")
    reference: str = Field("", max_length=200)


class MemberIn(Schema):
    number: str = Field(..., max_length=40, description="The member number, as on the membership card")
    last_name: str = Field(..., max_length=100, description="The member's last name (case and accents aside)")


class OrderIn(Schema):
    email: Email
    name: str = Field(..., max_length=200)
    phone: str = Field("", max_length=40)
    locale: str = Field("fr", pattern="^(fr|en)$")
    lines: list[OrderLineIn] = Field(..., min_length=1, max_length=100)
    members: list[MemberIn] = Field(
        default_factory=list, max_length=10,
        description="The members a member price is sold to: each line at a member price needs one of them with "
                    "a membership of its types valid on the line's date (422 `member_price_refused`). A wrong "
                    "number or name is 422 `member_not_found`; too many wrong ones, 429.",
    )
    payment: PaymentIn | None = Field(None, description="Money already received; omit to leave the order pending")
    send_email: bool = Field(True, description="Send the confirmation email to the buyer once paid")


class ExternalPaymentIn(Schema):
    method: str = Field(..., description="cash, cheque, transfer or card_terminal")
    amount_cents: Cents = Field(..., gt=0)
    reference: str = Field("", max_length=200)
