"""Paybox System / Up2Pay e-Transactions (Verifone, Crédit Agricole) through eopayment.

The shop posts a form signed with the HMAC key of the site; the IPN (sent by POST, PBX_RUF1) is
signed by Paybox with its RSA key over the variables as they were sent. eopayment pins that
public key inside its `response()`, so the signature is checked here, with the same key
(`PAYBOX_PUBLIC_KEY`), over the raw notice, and eopayment only reads the result code. Paybox
signs its test and production notices alike: the mode the payment was started in travels in
PBX_CMD (`mode_ref`), so a test payment never confirms under a live configuration."""

from __future__ import annotations

import base64
import binascii
import codecs
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, unquote_to_bytes

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from eopayment import common as eo_common
from eopayment import paybox as eo_paybox

from .bank_common import (
    BankProvider,
    bank_credentials,
    browser_return_url,
    cents_from_digits,
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

PAYBOX_PUBLIC_KEY = eo_paybox.PAYBOX_KEY  # Paybox's published key (pubkey.pem), for both platforms
TEST_SITE = "1999888"  # Paybox's published test site: never live
URLS = {"test": "https://preprod-tpeweb.paybox.com/php/", "prod": "https://tpeweb.paybox.com/php/"}
_RESULTS = {
    eo_common.PAID: EventKind.CONFIRMED,
    eo_common.DENIED: EventKind.FAILED,
    eo_common.CANCELLED: EventKind.FAILED,
    eo_common.ERROR: EventKind.FAILED,
    eo_common.WAITING: EventKind.PENDING,
    eo_common.ACCEPTED: EventKind.PENDING,
}


def eopayment_backend(creds: Mapping[str, str], sandbox: bool) -> eo_paybox.Payment:
    options: dict[str, Any] = {
        "platform": "test" if sandbox else "prod",
        "site": credential(creds, "site"),
        "rang": credential(creds, "rang"),
        "identifiant": credential(creds, "identifiant"),
        "shared_secret": credential(creds, "hmac_key"),
        "capture_mode": "IMMEDIATE",
    }
    return eo_paybox.Payment(options)


def notice_signed(raw: str, public_key: str) -> bool:
    """Paybox signs the notice's variables as sent, up to `&signature=` (RSA, SHA-1)."""
    signed_part, sep, signature = raw.rpartition("&signature=")
    if not sep or "&" in signature:
        return False
    try:
        sig = base64.b64decode(unquote_to_bytes(signature), validate=True)
        return bool(eo_paybox.verify(signed_part, sig, key=public_key))
    except (binascii.Error, ValueError, TypeError):
        return False


class PayboxProvider(BankProvider):
    identifier = "paybox"
    name: str | Promise = _("Bank card (Paybox / Up2Pay)")
    refund_where = _("the Paybox / Up2Pay back office (Transactions › Remboursement)")
    capabilities = Capabilities(min_amount_cents=100, max_amount_cents=99_999_999_99)
    credential_fields: tuple[CredentialField, ...] = (
        CredentialField("site", _("Site number (7 digits)")),
        CredentialField("rang", _("Rank (2 or 3 digits)")),
        CredentialField("identifiant", _("Paybox identifier")),
        CredentialField("hmac_key", _("HMAC key (hexadecimal, from the back office)"), secret=True),
        CredentialField("service_url", _("Payment page URL"), required=False,
                        help_text=_("Leave empty unless the bank gives another one.")),
    )

    def _service_url(self, creds: Mapping[str, str], config: ProviderConfig) -> str:
        return str(creds.get("service_url") or "").strip() or URLS["test" if config.sandbox else "prod"]

    def page_url(self, config: ProviderConfig) -> str:
        creds, _stand_in = bank_credentials(config)
        return self._service_url(creds, config)

    def start(self, payment: PaymentRequest, urls: PaymentUrls, config: ProviderConfig) -> NextAction:
        try:
            creds, _stand_in = bank_credentials(config)
            if not config.sandbox and creds.get("site") == TEST_SITE:
                raise ValueError("the test site cannot take real payments")
            if payment.currency != "EUR":
                raise ValueError("this service takes euros only")
            backend = eopayment_backend(creds, config.sandbox)
            backend.normal_return_url = browser_return_url(urls)
            backend.automatic_return_url = urls.notify_url
            _id, _kind, form = backend.request(
                decimal_from_cents(payment.amount_cents), email=payment.buyer_email,
                transaction_id=mode_ref(payment.reference, config.sandbox),
            )
            # the IPN by POST (PBX_RUF1), so re-sign eopayment's fields with it
            items = [(f["name"], f["value"]) for f in form.fields if f["name"] != "PBX_HMAC"]
            items.append(("PBX_RUF1", "POST"))
            key = codecs.decode(credential(creds, "hmac_key").encode("ascii"), "hex")
            signed = eo_paybox.sign(items, key)
        except (NoticeRejected, ValueError, binascii.Error) as exc:
            raise start_error(exc) from exc
        url = self._service_url(creds, config)
        action = form_action(form, url)
        return type(action)(url=url, fields={str(k): str(v) for k, v in signed})

    def parse_notification(self, request: Any, config: ProviderConfig) -> list[ProviderEvent]:
        raw = notice_text(request)
        fields = {k: v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()}
        if "signature" not in fields:
            raise NoticeRejected("unsigned notice")
        bank_credentials(config)
        if not notice_signed(raw, PAYBOX_PUBLIC_KEY):
            raise NoticeRejected("bad signature")
        error = fields.get("erreur", "")
        if error not in eo_paybox.PAYBOX_ERROR_CODES and not re.fullmatch(r"001[0-9]{2}", error):
            raise NoticeRejected(f"unknown error code {error!r}")
        reference = ref_of_mode(fields.get("reference", ""), config.sandbox)
        try:
            response = self._reader().response(raw, callback=True)
            amount = cents_from_digits(fields.get("montant", ""))
        except (eo_common.ResponseError, KeyError, ValueError) as exc:
            raise NoticeRejected(f"malformed notice: {exc}") from exc
        kind = _RESULTS.get(response.result)
        if kind is None:
            raise NoticeRejected(f"unknown result {response.result!r}")
        transaction = fields.get("numero_transaction") or fields.get("reference", "")
        return [
            ProviderEvent(
                notice_id=f"{transaction}:{error}",
                payment_reference=reference,
                kind=kind,
                amount_cents=amount,
                currency="EUR",  # PBX_DEVISE 978, the only currency eopayment sends
                psp_reference=transaction,
                reason=str(response.bank_status or "")[:300] if kind == EventKind.FAILED else "",
                payload={k: v for k, v in fields.items() if k != "signature"},
            )
        ]

    @staticmethod
    def _reader() -> eo_paybox.Payment:
        """An eopayment backend that only reads result codes (its own signature check is ignored:
        it is pinned to Paybox's key and already done above)."""
        return eo_paybox.Payment({"site": "0", "rang": "0", "identifiant": "0", "shared_secret": "00"})
