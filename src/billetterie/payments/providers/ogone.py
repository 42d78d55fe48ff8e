"""The Ogone (Ingenico, now Worldline) e-Commerce hosted payment page through eopayment.

A PSPID per account (the test account has its own), SHA-IN to sign the form, SHA-OUT for the
post-payment feedback, which Ogone sends to the URL set in its back office (Configuration ›
Technical information › Transaction feedback). An unsigned, tampered or otherwise-keyed
feedback is refused; the mode of the payment travels in ORDERID (`mode_ref`)."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from eopayment import common as eo_common
from eopayment import ogone as eo_ogone

from .bank_common import (
    BankProvider,
    bank_credentials,
    browser_return_url,
    cents_from_decimal,
    credential,
    decimal_from_cents,
    form_action,
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
    PaymentRequest,
    PaymentUrls,
    ProviderConfig,
    ProviderEvent,
)

HASH_ALGORITHMS = ("sha1", "sha256", "sha512")
# Ogone's documented STATUS values (0 incomplete, 1 cancelled, 2 refused, 5 authorised,
# 9 and 95 paid, 41/46/51/91/92… waiting or uncertain, 93 refused, 6x/7x/8x maintenance)
KNOWN_STATUSES = {"0", "1", "2", "4", "5", "9", "41", "46", "50", "51", "52", "55", "56", "57", "59", "6", "61",
                  "62", "63", "64", "7", "71", "72", "73", "74", "75", "8", "81", "82", "83", "84", "85", "91",
                  "92", "93", "94", "95", "96", "99"}
REFUND_STATUSES = {"8", "81", "84", "85"}
_RESULTS = {
    eo_common.PAID: EventKind.CONFIRMED,
    eo_common.DENIED: EventKind.FAILED,
    eo_common.CANCELLED: EventKind.FAILED,
    eo_common.ERROR: EventKind.FAILED,
    eo_common.WAITING: EventKind.PENDING,
    eo_common.ACCEPTED: EventKind.PENDING,
}


def ascii_fold(text: str) -> str:
    """eopayment signs in ISO-8859-1 what the buyer's browser posts in UTF-8: keep to ASCII."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def eopayment_backend(creds: Mapping[str, str], sandbox: bool) -> eo_ogone.Payment:
    algorithm = str(creds.get("hash_algorithm") or "sha512").lower()
    if algorithm not in HASH_ALGORITHMS:
        raise NoticeRejected(f"unknown hash algorithm {algorithm!r}")
    options: dict[str, Any] = {
        "environment": eo_ogone.ENVIRONMENT_TEST if sandbox else eo_ogone.ENVIRONMENT_PROD,
        "pspid": credential(creds, "pspid"),
        "sha_in": credential(creds, "sha_in"),
        "sha_out": credential(creds, "sha_out"),
        "hash_algorithm": algorithm,
        "encoding": "utf-8",
        "currency": "EUR",
    }
    return eo_ogone.Payment(options)


class OgoneProvider(BankProvider):
    identifier = "ogone"
    name: str | Promise = _("Bank card (Ogone)")
    refund_where = _("the Ogone back office (Operations › Financial history › Refund)")
    capabilities = Capabilities(min_amount_cents=100)
    credential_fields: tuple[CredentialField, ...] = (
        CredentialField("pspid", _("PSPID (account name)")),
        CredentialField("sha_in", _("SHA-IN passphrase"), secret=True),
        CredentialField("sha_out", _("SHA-OUT passphrase"), secret=True),
        CredentialField("hash_algorithm", _("Hash algorithm (sha1, sha256 or sha512)"), required=False),
        CredentialField("service_url", _("Payment page URL"), required=False,
                        help_text=_("Leave empty unless the bank gives another one.")),
    )

    def page_url(self, config: ProviderConfig) -> str:
        creds, _stand_in = bank_credentials(config)
        default = eo_ogone.ENVIRONMENT_TEST_URL if config.sandbox else eo_ogone.ENVIRONMENT_PROD_URL
        return str(creds.get("service_url") or "").strip() or default

    def start(self, payment: PaymentRequest, urls: PaymentUrls, config: ProviderConfig) -> NextAction:
        try:
            creds, _stand_in = bank_credentials(config)
            if payment.currency != "EUR":
                raise ValueError("this account takes euros only")
            backend = eopayment_backend(creds, config.sandbox)
            backend.normal_return_url = browser_return_url(urls)
            ref = mode_ref(payment.reference, config.sandbox)
            _id, _kind, form = backend.request(
                decimal_from_cents(payment.amount_cents), orderid=ref, transaction_id=ref,
                email=payment.buyer_email or None, name=ascii_fold(payment.buyer_name)[:35] or None,
                language="en_US" if payment.locale.startswith("en") else "fr_FR",
                description=ascii_fold(f"{payment.merchant_name} {payment.order_code}")[:100],
            )
        except (NoticeRejected, ValueError) as exc:
            raise start_error(exc) from exc
        return form_action(form, str(creds.get("service_url") or "").strip() or None)

    def parse_notification(self, request: Any, config: ProviderConfig) -> list[ProviderEvent]:
        raw = notice_text(request)
        fields = {k.upper(): v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()}
        if not fields.get("SHASIGN"):
            raise NoticeRejected("unsigned notice")
        creds, _stand_in = bank_credentials(config)
        status = fields.get("STATUS", "")
        if status not in KNOWN_STATUSES:
            raise NoticeRejected(f"unknown STATUS {status!r}")
        try:
            response = eopayment_backend(creds, config.sandbox).response(raw)
        except eo_common.ResponseError as exc:
            raise NoticeRejected(f"malformed notice: {exc}") from exc
        if response.signed is not True:  # eopayment says "paid" for a tampered notice: never trust that
            raise NoticeRejected("bad signature")
        if fields.get("ORDERID") != fields.get("COMPLUS", fields.get("ORDERID")):
            raise NoticeRejected("ORDERID and COMPLUS disagree")
        reference = ref_of_mode(fields.get("ORDERID", ""), config.sandbox)
        kind = _RESULTS.get(response.result)
        if kind is None:
            raise NoticeRejected(f"unknown result {response.result!r}")
        if status in REFUND_STATUSES:
            kind = EventKind.REFUNDED
        try:
            amount = cents_from_decimal(fields.get("AMOUNT", ""))
        except ValueError as exc:
            raise NoticeRejected(str(exc)) from exc
        payid = fields.get("PAYID", "")
        sub = fields.get("PAYIDSUB", "")
        return [
            ProviderEvent(
                notice_id=f"{payid}.{sub}:{status}",
                payment_reference=reference,
                kind=kind,
                amount_cents=amount,
                currency=fields.get("CURRENCY", ""),
                psp_reference=payid,
                reason=f"STATUS {status} NCERROR {fields.get('NCERROR', '')}" if kind == EventKind.FAILED else "",
                payload={k: v for k, v in fields.items() if k != "SHASIGN"},
            )
        ]
