"""PayFiP (DGFiP, the public-sector payment service) through eopayment's `payfip_ws` SOAP client.

A payment starts with a SOAP call (`creerPaiementSecurise`) that returns an `idOp`; the buyer is
sent to PayFiP's page with it. PayFiP's notice is a bare `idop=…` post with no signature, so its
content is never trusted: the provider asks PayFiP (`recupererDetailPaiementSecurise`) what
happened to that idOp and reads the outcome, the amount, the client number and our reference
(`refdet`) from PayFiP's answer. An idOp PayFiP does not know, or one of another client number
or of the other mode, is refused.

Modes ("saisie"): T in sandbox; live is W (production), or X during the activation the DGFiP
runs before opening production. Our reference travels in `refdet` with the mode (`mode_ref`),
so a test payment never confirms under a live configuration. Refunds are made by the public
accountant, never through the API."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, urlencode

import zeep
from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from eopayment import common as eo_common
from eopayment import payfip_ws as eo_payfip

from billetterie.core import clock

from .bank_common import (
    BankProvider,
    cents_from_digits,
    credential,
    decimal_from_cents,
    mode_ref,
    notice_text,
    ref_of_mode,
    start_error,
)
from .base import (
    Capabilities,
    CredentialField,
    EventKind,
    NextAction,
    NoticeRejected,
    NotSupported,
    PaymentRequest,
    PaymentUrls,
    ProviderConfig,
    ProviderEvent,
    ProviderUnavailable,
    Redirect,
)

log = logging.getLogger(__name__)
SERVICE_URL = "https://www.payfip.gouv.fr/tpa/services/securite"
PAYMENT_URL = eo_payfip.PAYMENT_URL
BINDING = ("{http://securite.service.tpa.cp.finances.gouv.fr/services/mas_securite/contrat_paiement_securise/"
           "PaiementSecuriseService}PaiementSecuriseServicePortBinding")
LIVE_MODES = ("W", "X")
NOT_FINISHED, UNKNOWN = "P5", "P1"  # PayFiP's codes: payment under way; idOp unknown (or purged)
_IDOP = re.compile(r"^[A-Za-z0-9-]{1,64}$")
_RESULTS = {
    eo_common.PAID: EventKind.CONFIRMED,
    eo_common.DENIED: EventKind.FAILED,
    eo_common.CANCELLED: EventKind.FAILED,
}
# PayFiPError codes that mean the service could not answer (as opposed to a functional refusal)
_TECHNICAL = {"HTTP error", "SOAP error", "Unexpected error", "unknown", "Cound not initialize the SOAP client"}


class _Bound:
    """The zeep client as eopayment uses it, its service bound to `address` (the WSDL eopayment
    ships names the production endpoint only)."""

    def __init__(self, client: zeep.Client, address: str) -> None:
        self.get_type = client.get_type
        self.transport = client.transport
        self.service = client.create_service(BINDING, address)


class PayFiPClient(eo_payfip.PayFiP):
    """eopayment's SOAP client, talking to `service_url` (a local stand-in, or an address the DGFiP gives)."""

    def __init__(self, service_url: str) -> None:
        super().__init__(service_url=service_url)

    @property
    def client(self) -> Any:
        if not hasattr(self, "_bound"):
            self._bound = _Bound(super().client, self.service_url)
        return self._bound


def _endpoints(creds: Mapping[str, str], config: ProviderConfig) -> tuple[str, str]:
    """(SOAP service URL, payment page URL): the organiser's override, else the local stand-in in
    sandbox mode when settings.PAYFIP_API_BASE is set, else PayFiP's."""
    base = str(getattr(settings, "PAYFIP_API_BASE", "") or "").rstrip("/") if config.sandbox else ""
    service = str(creds.get("service_url") or "").strip() or (base + "/tpa/services/securite" if base else "")
    page = str(creds.get("payment_url") or "").strip() or (base + "/tpa/paiementws.web" if base else "")
    return service or SERVICE_URL, page or PAYMENT_URL


def _credentials(config: ProviderConfig) -> Mapping[str, str]:
    if config.credentials:
        return config.credentials
    raise NoticeRejected("this payment method is not configured")


def _numcli(creds: Mapping[str, str]) -> str:
    numcli = credential(creds, "numcli")
    if not (numcli.isascii() and numcli.isdigit() and len(numcli) == 6):
        raise NoticeRejected("the client number (numcli) has 6 digits")
    return numcli


def _saisie(creds: Mapping[str, str], config: ProviderConfig) -> str:
    if config.sandbox:
        return "T"
    saisie = str(creds.get("saisie") or "W").strip().upper()
    if saisie not in LIVE_MODES:
        raise NoticeRejected("live mode takes saisie W (production) or X (activation)")
    return saisie


def _technical(exc: eo_payfip.PayFiPError) -> bool:
    return str(exc.code) in _TECHNICAL


class PayFiPProvider(BankProvider):
    identifier = "payfip"
    name: str | Promise = _("Bank card or direct debit (PayFiP)")
    refund_where = _("your public accountant's office (PayFiP has no refund API)")
    capabilities = Capabilities(status_query=True, return_query=True, min_amount_cents=100,
                                max_amount_cents=100_000_00)
    credential_fields: tuple[CredentialField, ...] = (
        CredentialField("numcli", _("Client number (numcli, 6 digits, given by the DGFiP)")),
        CredentialField("saisie", _("Live mode: W (production) or X (activation)"), required=False,
                        help_text=_("Live only; leave empty for W. The sandbox always uses T (test).")),
        CredentialField("service_url", _("Web service URL"), required=False,
                        help_text=_("Leave empty unless the DGFiP gives another one.")),
        CredentialField("payment_url", _("Payment page URL"), required=False,
                        help_text=_("Leave empty unless the DGFiP gives another one.")),
    )

    def page_url(self, config: ProviderConfig) -> str:
        """The buyer is redirected there from our page (a Redirect, not a posted form)."""
        return _endpoints(_credentials(config), config)[1]

    def start(self, payment: PaymentRequest, urls: PaymentUrls, config: ProviderConfig) -> NextAction:
        try:
            creds = _credentials(config)
            service_url, page_url = _endpoints(creds, config)
            if payment.currency != "EUR":
                raise ValueError("this service takes euros only")
            backend = eo_payfip.Payment({
                "numcli": _numcli(creds), "saisie": _saisie(creds, config),
                # the return goes through payment_return (return_query): PayFiP is asked there
                "normal_return_url": urls.return_url, "automatic_return_url": urls.notify_url,
            })
            backend.payfip = PayFiPClient(service_url)
            idop, _kind, _url = backend.request(
                decimal_from_cents(payment.amount_cents),
                email=payment.buyer_email,
                exer=str(clock.now().year),
                transaction_id=mode_ref(payment.reference, config.sandbox),
                subject=f"{payment.order_code} {payment.merchant_name}",
            )
        except eo_payfip.PayFiPError as exc:
            if _technical(exc):
                raise ProviderUnavailable(f"PayFiP: {exc.code} {exc.message}") from exc
            raise start_error(exc) from exc
        except (NoticeRejected, ValueError) as exc:
            raise start_error(exc) from exc
        idop = str(idop)
        return Redirect(url=f"{page_url}?{urlencode({'idop': idop})}", psp_reference=idop)

    def parse_notification(self, request: Any, config: ProviderConfig) -> list[ProviderEvent]:
        """The notice names an idOp, nothing else we trust: PayFiP is asked what became of it."""
        fields = {k.lower(): v[0] for k, v in parse_qs(notice_text(request), keep_blank_values=True).items()}
        idop = fields.get("idop", "")
        if not _IDOP.match(idop):
            raise NoticeRejected("notice without a valid idop")
        events = self._detail(idop, config, notice=True)
        if not events:  # PayFiP says the payment is still under way: let it post again later
            raise ProviderUnavailable("PayFiP reports this payment as not finished yet")
        return events

    def status(self, payment: PaymentRequest, config: ProviderConfig) -> list[ProviderEvent]:
        if not payment.psp_reference:
            raise NotSupported("this payment never got an idOp")
        try:
            return self._detail(payment.psp_reference, config, notice=False)
        except NoticeRejected as exc:
            log.warning("PayFiP status of %s refused: %s", payment.reference, exc)
            return []

    def _detail(self, idop: str, config: ProviderConfig, *, notice: bool) -> list[ProviderEvent]:
        creds = _credentials(config)
        numcli, saisie = _numcli(creds), _saisie(creds, config)
        service_url, _page = _endpoints(creds, config)
        try:
            detail = PayFiPClient(service_url).get_info_paiement(idop)
        except eo_payfip.PayFiPError as exc:
            if exc.code == NOT_FINISHED:
                return []
            if exc.code == UNKNOWN and notice:
                raise NoticeRejected("PayFiP does not know this idop") from exc
            if exc.code == UNKNOWN:  # our own idOp, purged: it was never paid
                return []
            if _technical(exc):
                raise ProviderUnavailable(f"PayFiP: {exc.code} {exc.message}") from exc
            raise NoticeRejected(f"PayFiP refused: {exc.code} {exc.message}") from exc
        data: dict[str, str] = {str(k): str(detail[k] or "") for k in detail}
        if data.get("idOp") != idop:
            raise NoticeRejected("PayFiP answered about another idop")
        if data.get("numcli") != numcli:
            raise NoticeRejected("payment of another client number")
        if data.get("saisie") != saisie:
            raise NoticeRejected(f"payment made in mode {data.get('saisie')!r}, configuration in {saisie!r}")
        reference = ref_of_mode(data.get("refdet", ""), config.sandbox)
        response = eo_payfip.Payment.payfip_response_to_eopayment_response(idop, detail)
        kind = _RESULTS.get(response.result)
        if kind is None:
            raise NoticeRejected(f"unknown result {data.get('resultrans')!r}")
        try:
            amount = cents_from_digits(data.get("montant", ""))
        except ValueError as exc:
            raise NoticeRejected(str(exc)) from exc
        return [
            ProviderEvent(
                notice_id=f"{idop}:{data.get('resultrans')}",
                payment_reference=reference,
                kind=kind,
                amount_cents=amount,
                currency="EUR",
                psp_reference=idop,
                reason=str(response.bank_status or "")[:300] if kind == EventKind.FAILED else "",
                payload=dict[str, object](data),
            )
        ]
