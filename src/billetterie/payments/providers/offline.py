"""Payment methods without a payment service: bank transfer and pay by invoice.

They open a payment attempt that waits for the money; staff record it (admin, bank statement
import) through `payment_record_external`. `payments/services.py` gives the order its due time
(transfer) or its "awaiting invoice" state (invoice)."""

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
    Redirect,
    RefundOutcome,
    RefundRequest,
    RefundResult,
)


class _Offline:
    identifier = ""
    name: str | Promise = ""
    offline = True  # no payment service: no notice, no sandbox, refunds by hand
    capabilities = Capabilities()
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
    credential_fields: tuple[CredentialField, ...] = (
        CredentialField("holder", _("Account holder")),
        CredentialField("iban", _("IBAN")),
        CredentialField("bic", _("BIC")),
    )


class InvoiceProvider(_Offline):
    identifier = "invoice"
    name: str | Promise = _("Pay by invoice")
