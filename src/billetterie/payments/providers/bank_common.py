"""What the French bank payment services have in common (Lyra, SIPS, Paybox, Ogone, PayFiP, Monetico).

- Money crosses the edge exactly: integer cents inside, `Decimal` euros for eopayment, the
  service's own string in its forms and notices; anything that is not a whole number of cents
  is refused, never rounded.
- Our payment reference (160 random bits, base64url) is written in the 27 letters and digits
  that every one of these services accepts in its order or transaction id (`psp_ref`), and read
  back from the notice (`our_ref`): no table to look up, nothing to truncate.
- The buyer comes back through `/payments/back/<signed>/` (GET or POST, as SIPS posts its
  browser return) which only redirects to the order page: the browser return never marks
  anything paid."""

from __future__ import annotations

import base64
import binascii
import logging
import re
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urljoin

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from billetterie.core.csp import Sources, origin
from billetterie.core.errors import InvalidInput
from billetterie.core.money import format_money

from .base import (
    AutoPostForm,
    NoticeRejected,
    NotSupported,
    PaymentRequest,
    PaymentUrls,
    ProviderConfig,
    ProviderEvent,
    RefundOutcome,
    RefundRequest,
    RefundResult,
)

log = logging.getLogger(__name__)
BACK_SALT = "billetterie.payments.back"
ALPHABET = string.digits + string.ascii_uppercase + string.ascii_lowercase  # base62
PSP_REF_LENGTH = 27  # 62**27 > 2**160
NUMERIC_CURRENCIES = {"978": "EUR"}
_DECIMAL_RE = re.compile(r"^[0-9]{1,15}(\.[0-9]{1,2})?$")


# --- money -------------------------------------------------------------------------------------

def decimal_from_cents(cents: int) -> Decimal:
    """1999 → Decimal('19.99'), exactly (never through a float)."""
    if isinstance(cents, bool) or not isinstance(cents, int) or cents < 0:
        raise ValueError(f"not an amount in cents: {cents!r}")
    return Decimal(cents).scaleb(-2)


def cents_from_decimal(value: Decimal | str) -> int:
    """Decimal('19.99') or '19.99' → 1999; more than two decimals, a sign or an exponent is refused."""
    text = str(value).strip()
    if not _DECIMAL_RE.match(text):
        raise ValueError(f"not an amount in euros: {value!r}")
    try:
        cents = Decimal(text).scaleb(2)
    except InvalidOperation as exc:  # pragma: no cover  (the pattern already refused it)
        raise ValueError(f"not an amount in euros: {value!r}") from exc
    return int(cents)


def cents_from_digits(value: str) -> int:
    """'001999' (a service's amount in cents) → 1999; anything but digits is refused."""
    if not value or not value.isascii() or not value.isdigit() or len(value) > 15:
        raise ValueError(f"not an amount in cents: {value!r}")
    return int(value)


def euros_text(cents: int) -> str:
    """1999 → '19.99', 100 → '1.00': the form of Ogone, Monetico and friends."""
    return f"{decimal_from_cents(cents):.2f}"


def currency_alpha(numeric: str) -> str:
    try:
        return NUMERIC_CURRENCIES[numeric]
    except KeyError:
        raise NoticeRejected(f"unknown currency code {numeric!r}") from None


# --- references --------------------------------------------------------------------------------

def psp_ref(reference: str) -> str:
    """Our reference (a 27-character base64url secret) as 27 letters and digits, reversibly."""
    try:
        raw = base64.urlsafe_b64decode(reference + "=" * (-len(reference) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ValueError("payment reference is not a base64url secret") from exc
    if len(raw) != 20 or base64.urlsafe_b64encode(raw).rstrip(b"=").decode() != reference:
        raise ValueError("payment reference is not a 160-bit base64url secret")
    number = int.from_bytes(raw, "big")
    digits = []
    for _i in range(PSP_REF_LENGTH):
        number, rest = divmod(number, 62)
        digits.append(ALPHABET[rest])
    return "".join(reversed(digits))


def our_ref(value: str) -> str:
    """The inverse of `psp_ref`; raises NoticeRejected on anything `psp_ref` cannot have written."""
    if len(value) != PSP_REF_LENGTH or any(c not in ALPHABET for c in value):
        raise NoticeRejected("not one of our payment references")
    number = 0
    for c in value:
        number = number * 62 + ALPHABET.index(c)
    if number >= 1 << 160:
        raise NoticeRejected("not one of our payment references")
    return base64.urlsafe_b64encode(number.to_bytes(20, "big")).rstrip(b"=").decode()


def mode_ref(reference: str, sandbox: bool) -> str:
    """`psp_ref` plus the mode the payment was started in (T or L): a payment opened on a test
    platform can never be confirmed by a notice reaching a live configuration, even where the
    service signs both platforms' notices alike (Paybox) or uses one key for both (Monetico)."""
    return psp_ref(reference) + ("T" if sandbox else "L")


def ref_of_mode(value: str, sandbox: bool) -> str:
    """The inverse of `mode_ref`, refusing a reference started in the other mode."""
    if not value or value[-1:] != ("T" if sandbox else "L"):
        raise NoticeRejected("notice of a payment started in the other mode")
    return our_ref(value[:-1])


# --- HTTP edges ---------------------------------------------------------------------------------

def browser_return_url(urls: PaymentUrls) -> str:
    """An absolute URL on our site that sends the buyer (GET or POST) to `urls.return_url`."""
    token = signing.dumps(urls.return_url, salt=BACK_SALT, compress=True)
    return urljoin(urls.notify_url, reverse("payment_back", args=[token]))


def back_target(token: str) -> str | None:
    try:
        target = signing.loads(token, salt=BACK_SALT)
    except signing.BadSignature:
        return None
    return target if isinstance(target, str) else None


def notice_text(request: HttpRequest, encoding: str = "utf-8") -> str:
    """The notice as a query string, whether it came as a form body or in the URL."""
    body = request.body
    if body:
        try:
            return body.decode(encoding)
        except UnicodeDecodeError as exc:
            raise NoticeRejected("notice is not text") from exc
    return request.META.get("QUERY_STRING", "")


def form_action(form: Any, url: str | None = None) -> AutoPostForm:
    """An eopayment `Form` as our auto-posted form, optionally sent elsewhere (a stand-in, a bank's own URL)."""
    fields = {str(f["name"]): str(f["value"]) for f in form.fields}
    return AutoPostForm(url=url or str(form.url), fields=fields)


@dataclass(frozen=True)
class StandIn:
    """A stand-in for a family's payment page, served by this site for the demo and the tests.

    Only a development package registers one (billetterie_fakes, installed next to the test
    tools, never in production: see devtools/); a method in sandbox mode given no credentials
    then posts to it, signed with the stand-in's own test credentials."""

    credentials: Mapping[str, str]
    page_path: Callable[[], str]  # the path on this site the payment form posts to


STAND_INS: dict[str, StandIn] = {}  # family ("lyra", "sips") → its stand-in, filled at start-up


def stand_in_url(urls: PaymentUrls, stand_in: StandIn) -> str:
    return urljoin(urls.notify_url, stand_in.page_path())


class NotConfigured(NoticeRejected):
    """The organiser has not given this service's credentials (a notice is refused; a payment
    cannot start)."""


def bank_credentials(config: ProviderConfig, family: str = "") -> tuple[Mapping[str, str], StandIn | None]:
    """The organiser's credentials, or else the stand-in's of `family` and the stand-in itself.

    The stand-in's are used only with none given, in sandbox mode, with settings.PAYMENT_FAKES on
    and a stand-in registered, so the demo runs before any bank is configured. Never in live mode."""
    if config.credentials:
        return config.credentials, None
    stand_in = STAND_INS.get(family) if config.sandbox and getattr(settings, "PAYMENT_FAKES", False) else None
    if stand_in is None:
        raise NotConfigured("this payment method is not configured")
    return stand_in.credentials, stand_in


def credential(creds: Mapping[str, str], name: str) -> str:
    value = str(creds.get(name) or "").strip()
    if not value:
        raise NotConfigured(f"missing credential {name}")
    return value


def start_error(exc: Exception) -> InvalidInput:
    """What the buyer sees when a bank payment cannot start (the details go to the log)."""
    log.warning("bank payment could not start: %s", exc)
    return InvalidInput(_("This payment method is not available at the moment."), code="provider_not_configured")


class BankProvider:
    """Defaults shared by the bank services: a plain-text acknowledgement, refunds made by staff
    in the service's back office, no status query."""

    refund_where: str | Promise = "the payment service's back office"
    # where the service's page sends the browser on at once after our form posts to it (Sips 2.0's
    # paymentInit redirects to its card page): the page's own host is not enough for form-action
    redirect_sources: tuple[str, ...] = ()

    def page_url(self, config: ProviderConfig) -> str:
        """The service's payment page for these settings; "" for a stand-in, on our own site."""
        return ""

    def page_sources(self, config: ProviderConfig) -> Sources:
        try:
            page = origin(self.page_url(config))
        except NoticeRejected:  # not configured: the method cannot start, nothing to allow
            return Sources()
        return Sources(form_action=(page, *self.redirect_sources)) if page else Sources()

    def acknowledge(self, events: list[ProviderEvent], config: ProviderConfig) -> HttpResponse:
        return HttpResponse("OK", content_type="text/plain")

    def refund(self, refund: RefundRequest, config: ProviderConfig) -> RefundResult:
        return RefundResult(
            RefundOutcome.MANUAL,
            message=_("Refund %(amount)s of payment %(psp)s in %(where)s, then mark this refund done "
                      "(our reference %(ref)s).") % {
                "amount": format_money(refund.amount_cents, refund.currency),
                "psp": refund.payment.psp_reference or "?", "where": self.refund_where, "ref": refund.reference,
            },
        )

    def status(self, payment: PaymentRequest, config: ProviderConfig) -> list[ProviderEvent]:
        raise NotSupported("this payment service only speaks through notices")
