"""What a payment provider is: typed inputs and outputs, no access to orders (GUIDE.md §6)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from django.http import HttpRequest, HttpResponse
from django.utils.functional import Promise

if TYPE_CHECKING:
    from billetterie.payments.models import Payment


class NoticeRejected(Exception):
    """A notice that is not signed, or not signed by the key we expect: never applied."""


@dataclass(frozen=True)
class Redirect:
    url: str


@dataclass(frozen=True)
class AutoPostForm:
    url: str
    fields: dict[str, str]


NextAction = Redirect | AutoPostForm


@dataclass(frozen=True)
class PaymentUrls:
    """Where the payment service sends the buyer back, and where it posts its notices."""

    return_url: str
    notify_url: str


class EventKind(StrEnum):
    CONFIRMED = "confirmed"
    FAILED = "failed"
    PENDING = "pending"


@dataclass(frozen=True)
class ProviderEvent:
    notice_id: str
    payment_reference: str
    kind: EventKind
    amount_cents: int
    currency: str
    psp_reference: str = ""
    reason: str = ""
    payload: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Capabilities:
    refund: bool = False
    partial_refund: bool = False
    min_amount_cents: int = 0
    max_amount_cents: int | None = None


class Provider(Protocol):
    identifier: str
    name: str | Promise
    capabilities: Capabilities

    def start(self, payment: Payment, urls: PaymentUrls) -> NextAction: ...

    def parse_notification(self, request: HttpRequest) -> list[ProviderEvent]: ...

    def acknowledge(self, events: list[ProviderEvent]) -> HttpResponse: ...
