"""Payment methods without a payment service: bank transfer, pay by invoice, and the box office's
cash, cheque and card terminal.

Each declares how it settles (`Settlement`, in its capabilities), and `payments/services.py` acts
on that alone: a transfer opens a payment attempt that waits for the money, sends the buyer the
instructions and gives the order the method's days to pay; an invoice opens one that waits, the
order awaiting the organiser's invoice; staff record the money (admin, API, bank statement
import) through `payment_record_external`. Cash, cheque and the card terminal have nothing to
start: staff record the money, confirmed at once."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from billetterie.core.csp import Sources

from .base import (
    Capabilities,
    CredentialField,
    NextAction,
    NoticeRejected,
    NotSupported,
    PaymentRequest,
    PaymentUrls,
    ProviderConfig,
    ProviderEvent,
    RecordedMethod,
    Redirect,
    RefundOutcome,
    RefundRequest,
    RefundResult,
    Settlement,
)


class _Offline:
    identifier = ""
    name: str | Promise = ""
    capabilities: Capabilities  # each method declares how it settles (offline: refunds by hand)
    credential_fields: tuple[CredentialField, ...] = ()

    def start(self, payment: PaymentRequest, urls: PaymentUrls, config: ProviderConfig) -> NextAction:
        return Redirect(urls.return_url)

    def parse_notification(self, request: HttpRequest, config: ProviderConfig) -> list[ProviderEvent]:
        raise NoticeRejected("this method has no payment service")

    def acknowledge(self, events: list[ProviderEvent], config: ProviderConfig) -> HttpResponse:
        return HttpResponse("OK", content_type="text/plain")

    def refund(self, refund: RefundRequest, config: ProviderConfig) -> RefundResult:
        return RefundResult(RefundOutcome.MANUAL, message="refund by bank transfer")

    def status(self, payment: PaymentRequest, config: ProviderConfig) -> list[ProviderEvent]:
        raise NotSupported("no payment service")

    def page_sources(self, config: ProviderConfig) -> Sources:
        return Sources()  # the buyer stays on our site


class TransferProvider(_Offline):
    identifier = "transfer"
    name: str | Promise = _("Bank transfer")
    capabilities = Capabilities(settlement=Settlement.PENDING_INSTRUCTIONS)
    credential_fields: tuple[CredentialField, ...] = (
        CredentialField("holder", _("Account holder")),
        CredentialField("iban", _("IBAN")),
        CredentialField("bic", _("BIC")),
    )


class InvoiceProvider(_Offline):
    identifier = "invoice"
    name: str | Promise = _("Pay by invoice")
    capabilities = Capabilities(settlement=Settlement.AWAITING_INVOICE)


# money staff take in hand at the box office: recorded, confirmed at once (Settlement.AT_ONCE)
CASH = RecordedMethod("cash", _("Cash"))
CHEQUE = RecordedMethod("cheque", _("Cheque"))
CARD_TERMINAL = RecordedMethod("card_terminal", _("Card terminal (box office)"))
