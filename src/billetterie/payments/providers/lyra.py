"""The Lyra "vads" form family through eopayment: SystemPay (Banque Populaire, Caisse d'Épargne),
PayZen, and by service URL Sogecommerce (Société Générale), Scellius (La Banque Postale) and
Clic&Pay (Crédit du Nord).

One shop id, one key per mode (the "clé de test" in sandbox, the "clé de production" live) and
the signature algorithm chosen in the back office. The notice (IPN) is a form post signed over
every `vads_*` field: an unsigned, tampered or otherwise-keyed notice is refused, and so is a
TEST notice reaching a live configuration or a PRODUCTION notice reaching a sandbox one."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from eopayment import common as eo_common
from eopayment import systempayv2

from .bank_common import (
    BankProvider,
    StandIn,
    bank_credentials,
    browser_return_url,
    cents_from_digits,
    credential,
    currency_alpha,
    decimal_from_cents,
    form_action,
    notice_text,
    our_ref,
    psp_ref,
    stand_in_url,
    start_error,
)
from .base import (
    Capabilities,
    CredentialField,
    EventKind,
    NextAction,
    NoticeRejected,
    PaymentRequest,
    PaymentUrls,
    ProviderConfig,
    ProviderEvent,
)

FAMILY = "lyra"  # the name of its stand-in, when one is registered (bank_common.STAND_INS)
SIGNATURE_ALGORITHMS = ("hmac_sha256", "sha1")

_RESULTS = {
    eo_common.PAID: EventKind.CONFIRMED,
    eo_common.DENIED: EventKind.FAILED,
    eo_common.CANCELLED: EventKind.FAILED,
    eo_common.ERROR: EventKind.FAILED,
    eo_common.EXPIRED: EventKind.FAILED,
    eo_common.WAITING: EventKind.PENDING,
    eo_common.ACCEPTED: EventKind.PENDING,
}


def ctx_mode(config: ProviderConfig) -> str:
    return "TEST" if config.sandbox else "PRODUCTION"


def eopayment_backend(creds: Mapping[str, str], mode: str, service_url: str) -> systempayv2.Payment:
    """eopayment's SystemPay backend holding only the key of `mode` (TEST or PRODUCTION)."""
    algorithm = str(creds.get("signature_algorithm") or "hmac_sha256")
    if algorithm not in SIGNATURE_ALGORITHMS:
        raise NoticeRejected(f"unknown signature algorithm {algorithm!r}")
    key = credential(creds, "key")
    options: dict[str, Any] = {
        "vads_site_id": credential(creds, "site_id"),
        "vads_ctx_mode": mode,
        "service_url": service_url,
        "signature_algo": algorithm,
        # eopayment picks the key by the notice's own vads_ctx_mode: the other one is a
        # throwaway, and the mode is checked before anything is verified anyway
        "secret_test": key if mode == "TEST" else None,
        "secret_production": key if mode == "PRODUCTION" else None,
    }
    return systempayv2.Payment(options)


class LyraProvider(BankProvider):
    identifier = "systempay"
    name: str | Promise = _("Bank card (SystemPay)")
    service_url = "https://paiement.systempay.fr/vads-payment/"
    refund_where = _("the Lyra back office (Gestion › Transactions › Rembourser)")
    capabilities = Capabilities(min_amount_cents=100, max_amount_cents=999_999_999_99)
    credential_fields: tuple[CredentialField, ...] = (
        CredentialField("site_id", _("Shop id (vads_site_id, 8 digits)")),
        CredentialField("key", _("Key of this mode (test key in sandbox, production key live)"), secret=True),
        CredentialField("signature_algorithm", _("Signature algorithm (hmac_sha256 or sha1)"), required=False,
                        help_text=_("As set in the back office; HMAC-SHA-256 unless the bank says otherwise.")),
        CredentialField("service_url", _("Payment page URL"), required=False,
                        help_text=_("Leave empty unless the bank gives another one.")),
    )

    def _url(self, creds: Mapping[str, str], stand_in: StandIn | None, urls: PaymentUrls) -> str:
        return stand_in_url(urls, stand_in) if stand_in else self._service_url(creds)

    def _service_url(self, creds: Mapping[str, str]) -> str:
        return str(creds.get("service_url") or "").strip() or self.service_url

    def page_url(self, config: ProviderConfig) -> str:
        creds, stand_in = bank_credentials(config, FAMILY)
        return "" if stand_in else self._service_url(creds)

    def start(self, payment: PaymentRequest, urls: PaymentUrls, config: ProviderConfig) -> NextAction:
        try:
            creds, stand_in = bank_credentials(config, FAMILY)
            url = self._url(creds, stand_in, urls)
            backend = eopayment_backend(creds, ctx_mode(config), url)
            backend.normal_return_url = browser_return_url(urls)
            backend.automatic_return_url = urls.notify_url
            if payment.currency != "EUR":
                raise ValueError("this service takes euros only")
            _id, _kind, form = backend.request(
                decimal_from_cents(payment.amount_cents),
                email=payment.buyer_email or None,
                name=payment.buyer_name[:127] or None,
                orderid=psp_ref(payment.reference),
                info1=f"{payment.merchant_name} {payment.order_code}"[:255],
                vads_language="en" if payment.locale.startswith("en") else "fr",
            )
        except (NoticeRejected, ValueError) as exc:
            raise start_error(exc) from exc
        action = form_action(form, url)
        if action.fields.get("vads_amount") != str(payment.amount_cents):  # pragma: no cover  (defensive)
            raise start_error(ValueError("eopayment changed the amount"))
        return action

    def parse_notification(self, request: Any, config: ProviderConfig) -> list[ProviderEvent]:
        text = notice_text(request)
        fields = {k: v[0] for k, v in parse_qs(text, keep_blank_values=True).items()}
        if not fields.get("signature"):
            raise NoticeRejected("unsigned notice")
        creds, _stand_in = bank_credentials(config, FAMILY)
        expected_mode = ctx_mode(config)
        if fields.get("vads_ctx_mode") != expected_mode:
            raise NoticeRejected(f"{fields.get('vads_ctx_mode')!r} notice for a {expected_mode} configuration")
        if fields.get("vads_site_id") != credential(creds, "site_id"):
            raise NoticeRejected("notice for another shop id")
        if fields.get("vads_result") not in systempayv2.Payment.RESULT_MAP:
            raise NoticeRejected("unknown vads_result")
        backend = eopayment_backend(creds, expected_mode, self.service_url)
        try:
            response = backend.response(text)
        except eo_common.ResponseError as exc:
            raise NoticeRejected(f"malformed notice: {exc}") from exc
        if response.signed is not True:  # eopayment says "paid" for a tampered notice: never trust that
            raise NoticeRejected("bad signature")
        kind = _RESULTS.get(response.result)
        if kind is None:
            raise NoticeRejected(f"unknown result {response.result!r}")
        try:
            amount = cents_from_digits(fields.get("vads_amount", ""))
            reference = our_ref(fields.get("vads_order_id", ""))
        except ValueError as exc:
            raise NoticeRejected(str(exc)) from exc
        if fields.get("vads_operation_type") == "CREDIT":
            kind = EventKind.REFUNDED
        transaction = fields.get("vads_trans_uuid") or f"{fields.get('vads_trans_date')}_{fields.get('vads_trans_id')}"
        state = fields.get("vads_trans_status") or f"result{fields.get('vads_result')}"
        return [
            ProviderEvent(
                notice_id=f"{transaction}:{state}",
                payment_reference=reference,
                kind=kind,
                amount_cents=amount,
                currency=currency_alpha(fields.get("vads_currency", "")),
                psp_reference=transaction,
                reason=str(response.bank_status or "")[:300] if kind == EventKind.FAILED else "",
                payload={k: v for k, v in fields.items() if k != "signature"},
            )
        ]


class PayZenProvider(LyraProvider):
    identifier = "payzen"
    name: str | Promise = _("Bank card (PayZen)")
    service_url = "https://secure.payzen.eu/vads-payment/"


class SogecommerceProvider(LyraProvider):
    identifier = "sogecommerce"
    name: str | Promise = _("Bank card (Sogecommerce)")
    service_url = "https://sogecommerce.societegenerale.eu/vads-payment/"


class ScelliusProvider(LyraProvider):
    identifier = "scellius"
    name: str | Promise = _("Bank card (Scellius)")
    service_url = "https://scelliuspaiement.labanquepostale.fr/vads-payment/"


class ClicAndPayProvider(LyraProvider):
    identifier = "clicandpay"
    name: str | Promise = _("Bank card (Clic&Pay)")
    service_url = "https://clicandpay.groupecdn.fr/vads-payment/"
