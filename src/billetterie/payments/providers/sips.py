"""Worldline SIPS 2 (Paypage POST) through eopayment: Mercanet (BNP Paribas), Sogenactif
(Société Générale), Sherlocks (LCL).

A merchant id, a secret key and its version per mode. The automatic response is a form post of
`Data` sealed with the secret key: an unsealed, tampered or otherwise-keyed notice is refused,
and so is any notice for another merchant id — the public simulation merchant
(002001000000001, whose key is published) never reaches a live configuration."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from eopayment import common as eo_common
from eopayment import sips2

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

FAMILY = "sips"  # the name of its stand-in, when one is registered (bank_common.STAND_INS)
TEST_MERCHANT_ID = sips2.Payment.TEST_MERCHANT_ID
TEST_SECRET_KEY = "002001000000001_KEY1"  # published by Worldline for its simulation platform
PENDING_CODES = {"60"}  # "transaction pending"


def eopayment_backend(creds: Mapping[str, str], sandbox: bool) -> sips2.Payment:
    options: dict[str, Any] = {
        "platform": "test" if sandbox else "prod",
        "merchant_id": credential(creds, "merchant_id"),
        "secret_key": credential(creds, "secret_key"),
        "key_version": str(creds.get("key_version") or "1").strip(),
        "currency_code": "978",
        "capture_mode": "AUTHOR_CAPTURE",
    }
    return sips2.Payment(options)


class SipsProvider(BankProvider):
    identifier = "mercanet"
    name: str | Promise = _("Bank card (Mercanet)")
    urls = {
        "test": "https://payment-webinit-mercanet.test.sips-services.com/paymentInit",
        "prod": "https://payment-webinit.mercanet.bnpparibas.net/paymentInit",
    }
    refund_where = _("the SIPS back office (Mercanet, Sogenactif or Sherlocks: Transactions › Rembourser)")
    capabilities = Capabilities(min_amount_cents=100, max_amount_cents=99_999_999_99)
    credential_fields: tuple[CredentialField, ...] = (
        CredentialField("merchant_id", _("Merchant id (merchantId, 15 digits)")),
        CredentialField("secret_key", _("Secret key of this mode"), secret=True),
        CredentialField("key_version", _("Key version"), required=False,
                        help_text=_("1 unless the bank says otherwise.")),
        CredentialField("service_url", _("Payment page URL"), required=False,
                        help_text=_("Leave empty unless the bank gives another one.")),
    )

    # Sips 2.0: the form posts to paymentInit, which redirects the browser to the card page
    redirect_sources: tuple[str, ...] = ("https://*.sips-services.com", "https://*.mercanet.bnpparibas.net")

    def _url(self, creds: Mapping[str, str], stand_in: StandIn | None, urls: PaymentUrls, sandbox: bool) -> str:
        return stand_in_url(urls, stand_in) if stand_in else self._service_url(creds, sandbox)

    def _service_url(self, creds: Mapping[str, str], sandbox: bool) -> str:
        return str(creds.get("service_url") or "").strip() or self.urls["test" if sandbox else "prod"]

    def page_url(self, config: ProviderConfig) -> str:
        creds, stand_in = bank_credentials(config, FAMILY)
        return "" if stand_in else self._service_url(creds, config.sandbox)

    def start(self, payment: PaymentRequest, urls: PaymentUrls, config: ProviderConfig) -> NextAction:
        try:
            creds, stand_in = bank_credentials(config, FAMILY)
            if not config.sandbox and creds.get("merchant_id") == TEST_MERCHANT_ID:
                raise ValueError("the simulation merchant id cannot take real payments")
            if payment.currency != "EUR":
                raise ValueError("this service takes euros only")
            backend = eopayment_backend(creds, config.sandbox)
            backend.normal_return_url = browser_return_url(urls)
            backend.automatic_return_url = urls.notify_url
            email = payment.buyer_email if "|" not in payment.buyer_email else None  # "|" separates Data fields
            _id, _kind, form = backend.request(
                decimal_from_cents(payment.amount_cents),
                email=email or None,
                orderid=payment.order_code[:32],
                transaction_id=psp_ref(payment.reference),
            )
        except (NoticeRejected, ValueError) as exc:
            raise start_error(exc) from exc
        return form_action(form, self._url(creds, stand_in, urls, config.sandbox))

    def parse_notification(self, request: Any, config: ProviderConfig) -> list[ProviderEvent]:
        text = notice_text(request)
        form = parse_qs(text, keep_blank_values=True)
        if not form.get("Seal", [""])[0] or not form.get("Data", [""])[0]:
            raise NoticeRejected("unsealed notice")
        creds, _stand_in = bank_credentials(config, FAMILY)
        try:  # anyone can post here: "key=value|…" or refused (eopayment raises ValueError on less)
            data = sips2.Payment.decode_data(form["Data"][0])
        except ValueError as exc:
            raise NoticeRejected("malformed Data") from exc
        merchant = credential(creds, "merchant_id")
        if data.get("merchantId") != merchant:
            raise NoticeRejected("notice for another merchant id")
        if not config.sandbox and (merchant == TEST_MERCHANT_ID or creds.get("secret_key") == TEST_SECRET_KEY):
            raise NoticeRejected("simulation notice for a live configuration")
        if data.get("keyVersion", "1") != str(creds.get("key_version") or "1").strip():
            raise NoticeRejected("notice sealed with another key version")
        code = data.get("responseCode", "")
        if code not in sips2.Payment.RESPONSE_CODES:
            raise NoticeRejected(f"unknown responseCode {code!r}")
        try:
            response = eopayment_backend(creds, config.sandbox).response(text)
        except (eo_common.ResponseError, KeyError, ValueError) as exc:
            raise NoticeRejected(f"malformed notice: {exc}") from exc
        if response.signed is not True:  # eopayment says "paid" for a tampered notice: never trust that
            raise NoticeRejected("bad seal")
        if code == "00" and response.result == eo_common.PAID:
            kind = EventKind.CONFIRMED
        elif code in PENDING_CODES:
            kind = EventKind.PENDING
        else:
            kind = EventKind.FAILED
        try:
            amount = cents_from_digits(data.get("amount", ""))
            reference = our_ref(data.get("transactionReference", ""))
        except ValueError as exc:
            raise NoticeRejected(str(exc)) from exc
        transaction = data.get("transactionReference", "")
        return [
            ProviderEvent(
                notice_id=f"{transaction}:{code}",
                payment_reference=reference,
                kind=kind,
                amount_cents=amount,
                currency=currency_alpha(data.get("currencyCode", "")),
                psp_reference=data.get("authorisationId") or transaction,
                reason=str(response.bank_status or "")[:300] if kind == EventKind.FAILED else "",
                payload=dict(data),
            )
        ]


class SogenactifProvider(SipsProvider):
    identifier = "sogenactif"
    name: str | Promise = _("Bank card (Sogenactif)")
    urls = {
        "test": "https://payment-webinit-sogenactif.test.sips-services.com/paymentInit",
        "prod": "https://payment-webinit.sogenactif.com/paymentInit",
    }
    redirect_sources: tuple[str, ...] = ("https://*.sips-services.com", "https://*.sogenactif.com")


class SherlocksProvider(SipsProvider):
    identifier = "sherlocks"
    name: str | Promise = _("Bank card (Sherlocks)")
    urls = {
        "test": "https://sherlocks-payment-webinit-simu.secure.lcl.fr/paymentInit",
        "prod": "https://sherlocks-payment-webinit.secure.lcl.fr/paymentInit",
    }
    redirect_sources: tuple[str, ...] = ("https://*.secure.lcl.fr",)
