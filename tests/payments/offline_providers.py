"""Two offline methods this installation does not have, each declared as a provider file would
declare it: what they are, how they settle, nothing else. The tests put them in the registry
(`monkeypatch.setitem(registry.PROVIDERS, …)`): nothing in payments/services.py names them."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.functional import Promise

from billetterie.core.csp import Sources
from billetterie.payments.providers.base import (
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
    Settlement,
)


class _NoService:
    identifier = ""
    name: str | Promise = ""
    capabilities: Capabilities
    credential_fields: tuple[CredentialField, ...] = ()

    def start(self, payment: PaymentRequest, urls: PaymentUrls, config: ProviderConfig) -> NextAction:
        return Redirect(urls.return_url)

    def parse_notification(self, request: HttpRequest, config: ProviderConfig) -> list[ProviderEvent]:
        raise NoticeRejected("no payment service")

    def acknowledge(self, events: list[ProviderEvent], config: ProviderConfig) -> HttpResponse:
        return HttpResponse("OK")

    def refund(self, refund: RefundRequest, config: ProviderConfig) -> RefundResult:
        return RefundResult(RefundOutcome.MANUAL)

    def status(self, payment: PaymentRequest, config: ProviderConfig) -> list[ProviderEvent]:
        raise NotSupported("no payment service")

    def page_sources(self, config: ProviderConfig) -> Sources:
        return Sources()


class GiroProvider(_NoService):
    """A transfer to another account (a credit union's): the buyer is sent its instructions."""

    identifier = "giro"
    name: str | Promise = "Giro"
    capabilities = Capabilities(settlement=Settlement.PENDING_INSTRUCTIONS)
    credential_fields: tuple[CredentialField, ...] = (
        CredentialField("holder", "Account holder"),
        CredentialField("iban", "IBAN"),
    )


class MandateProvider(_NoService):
    """A public body's administrative mandate: it pays the organiser's invoice, by any means."""

    identifier = "mandate"
    name: str | Promise = "Mandat administratif"
    capabilities = Capabilities(settlement=Settlement.AWAITING_INVOICE)
