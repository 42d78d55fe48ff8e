"""What a payment provider is: typed inputs and outputs, no access to orders (GUIDE.md §6).

A provider gets plain dataclasses (`PaymentRequest`, `RefundRequest`) and the organiser's
`ProviderConfig` (the credentials of the active mode only) and returns typed results;
`payments/services.py` applies every change to payments and orders."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol, runtime_checkable

from django.http import HttpRequest, HttpResponse
from django.utils.functional import Promise

from billetterie.core.csp import Sources


class NoticeRejected(Exception):
    """A notice that is not signed, or not signed by the key we expect: never applied."""


class NotSupported(Exception):
    """The payment service offers no API for this (e.g. status queries, refunds)."""


class ProviderUnavailable(Exception):
    """The payment service could not be reached or answered with an error: try again later."""


class Mode(StrEnum):
    SANDBOX = "sandbox"
    LIVE = "live"


@dataclass(frozen=True)
class CredentialField:
    """One setting the organiser gets from their bank or PSP (shown masked when `secret`)."""

    name: str
    label: str | Promise
    secret: bool = False
    required: bool = True
    help_text: str | Promise = ""


@dataclass(frozen=True)
class ProviderConfig:
    """An organiser's settings for one provider: the mode and that mode's credentials."""

    mode: Mode = Mode.SANDBOX
    credentials: Mapping[str, str] = field(default_factory=dict)

    @property
    def sandbox(self) -> bool:
        return self.mode == Mode.SANDBOX


@dataclass(frozen=True)
class PaymentRequest:
    """What a provider needs to know of one payment attempt."""

    reference: str  # ours, unique, also the idempotency key of the call that opens it
    amount_cents: int
    currency: str
    order_code: str
    buyer_email: str
    buyer_name: str
    merchant_name: str
    locale: str = "fr"
    psp_reference: str = ""  # once the PSP has given one


@dataclass(frozen=True)
class RefundRequest:
    reference: str  # ours, unique, the idempotency key of the refund call
    payment: PaymentRequest
    amount_cents: int
    currency: str


@dataclass(frozen=True)
class PaymentUrls:
    """Where the payment service sends the buyer back, and where it posts its notices."""

    return_url: str
    notify_url: str
    cancel_url: str = ""


@dataclass(frozen=True)
class Redirect:
    url: str
    psp_reference: str = ""  # the PSP's id of the payment, when it gave one at start


@dataclass(frozen=True)
class AutoPostForm:
    url: str
    fields: dict[str, str]
    psp_reference: str = ""  # the PSP's id of the payment, when it gave one at start


@dataclass(frozen=True)
class EmbeddedForm:
    """Our own payment page hosts the provider's element (e.g. Stripe's Payment Element)."""

    template: str
    context: dict[str, object]
    psp_reference: str = ""


NextAction = Redirect | AutoPostForm | EmbeddedForm


class EventKind(StrEnum):
    CONFIRMED = "confirmed"
    FAILED = "failed"
    PENDING = "pending"
    REFUNDED = "refunded"


@dataclass(frozen=True)
class ProviderEvent:
    notice_id: str  # the PSP's event or transaction id: notices are applied once per id
    payment_reference: str
    kind: EventKind
    amount_cents: int
    currency: str
    psp_reference: str = ""
    reason: str = ""
    payload: dict[str, object] = field(default_factory=dict)
    # a refund notice: our Refund.reference, where the PSP echoes what the refund call sent
    refund_reference: str = ""


class RefundOutcome(StrEnum):
    DONE = "done"
    PENDING = "pending"  # the PSP will confirm by a notice
    FAILED = "failed"
    MANUAL = "manual"  # no API: staff refund in the PSP's back office, then mark it done


@dataclass(frozen=True)
class RefundResult:
    outcome: RefundOutcome
    psp_reference: str = ""
    message: str = ""


class Settlement(StrEnum):
    """How a method's money reaches the organiser: what starting it does to the payment and the
    order, and how it is settled. Declared by each method in its `Capabilities`, so that no core
    module branches on a method's identifier (`payments/services.py` acts on the policy)."""

    # a payment service: the attempt is confirmed by its verified notice (or a status query)
    ONLINE = "online"
    # money in hand at the box office (cash, cheque, a card terminal): a payment confirmed when
    # staff record it; never started by the buyer
    AT_ONCE = "at_once"
    # a bank transfer: the attempt waits for the money, the buyer is sent the instructions
    # (`TransferRequested`) and the order's due time moves to the method's `days_to_pay`; staff
    # (or a bank statement) record the money with this method
    PENDING_INSTRUCTIONS = "pending_instructions"
    # pay on invoice: the attempt waits and the order waits with no due time for the organiser's
    # invoice (`InvoiceRequested`); money recorded with any method settles it
    AWAITING_INVOICE = "awaiting_invoice"

    @property
    def offline(self) -> bool:
        """No payment service: no notice, no sandbox mode, refunds by hand."""
        return self is not Settlement.ONLINE

    @property
    def starts_pending(self) -> bool:
        """Starting it opens an attempt that waits, pending, for money staff record."""
        return self in (Settlement.PENDING_INSTRUCTIONS, Settlement.AWAITING_INVOICE)

    @property
    def recorded(self) -> bool:
        """Staff record money received this way (`payment_record_external`)."""
        return self in (Settlement.AT_ONCE, Settlement.PENDING_INSTRUCTIONS)

    @property
    def settled_by_any_method(self) -> bool:
        """A pending attempt of it is confirmed by money recorded with any method."""
        return self is Settlement.AWAITING_INVOICE


@dataclass(frozen=True)
class Capabilities:
    # how it settles: a payment service unless it says otherwise
    settlement: Settlement = Settlement.ONLINE
    refund: bool = False
    partial_refund: bool = False
    status_query: bool = False
    min_amount_cents: int = 0
    max_amount_cents: int | None = None
    card: bool = False  # a card payment: amounts of 0.01 to 0.99 € are refused
    return_query: bool = False  # ask the PSP (status or capture) when the buyer comes back


class Method(Protocol):
    """What every payment method declares, a provider or a method staff record by hand."""

    @property
    def identifier(self) -> str: ...  # stable: stored on payments and settings rows

    @property
    def name(self) -> str | Promise: ...  # translatable, shown to buyers and staff

    @property
    def capabilities(self) -> Capabilities: ...  # its settlement among them


@dataclass(frozen=True)
class RecordedMethod:
    """A method with no payment service and nothing to start: money staff take in hand at the
    box office (cash, cheque, a card terminal), recorded by `payment_record_external`."""

    identifier: str
    name: str | Promise
    capabilities: Capabilities = Capabilities(settlement=Settlement.AT_ONCE)


class Provider(Method, Protocol):
    credential_fields: tuple[CredentialField, ...]

    def start(self, payment: PaymentRequest, urls: PaymentUrls, config: ProviderConfig) -> NextAction: ...

    def parse_notification(self, request: HttpRequest, config: ProviderConfig) -> list[ProviderEvent]:
        """Verify the notice's signature (raise NoticeRejected otherwise) and read its events."""
        ...

    def acknowledge(self, events: list[ProviderEvent], config: ProviderConfig) -> HttpResponse: ...

    def refund(self, refund: RefundRequest, config: ProviderConfig) -> RefundResult: ...

    def status(self, payment: PaymentRequest, config: ProviderConfig) -> list[ProviderEvent]:
        """Ask the PSP where a payment stands (raise NotSupported when it cannot say)."""
        ...

    def page_sources(self, config: ProviderConfig) -> Sources:
        """What the buyer's browser must reach to pay with this provider, beyond our own site: the
        Content-Security-Policy of the pages that lead to it (decision 0011). `form_action`: the
        payment page a form sends the buyer to, and every host that page redirects to at once (the
        browser checks each redirect of a form's submission); an embedded element's scripts,
        frames and API calls."""
        ...


# what a client step answers: the JSON the page acts on, and the PSP's events to apply like notices
ClientStepAnswer = tuple[dict[str, object], list[ProviderEvent]]


@runtime_checkable
class ClientStep(Protocol):
    """A provider whose payment page, embedded on our site (`EmbeddedForm`), takes a step with the
    PSP through us: Stripe confirms its PaymentIntent with the card stripe.js tokenised. The page
    POSTs to `payment_client_step`, which applies the events returned like notices."""

    def client_step(self, payment: PaymentRequest, data: dict[str, str],
                    config: ProviderConfig) -> ClientStepAnswer: ...
