"""A fake Lyra "vads" payment page (SystemPay, PayZen, Sogecommerce, Scellius, Clic&Pay)."""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

from billetterie.payments.providers import lyra
from billetterie.payments.providers.bank_common import currency_alpha

from .common import Decision, Exchange, FakeRefused, Purchase

# the test credentials the shop signs with when it posts here (registered in billetterie_fakes.apps)
CREDENTIALS = {"site_id": "12345678", "key": "FakeLyraTestKey2024", "signature_algorithm": "hmac_sha256"}
# the notice echoes what the shop sent, as the real service does (not the URLs)
ECHOED_PREFIXES = ("vads_url_", "vads_theme_config", "vads_return_mode")


def _backend(mode: str) -> lyra.systempayv2.Payment:
    return lyra.eopayment_backend(CREDENTIALS, mode, "http://fake")


def read(fields: dict[str, str]) -> Purchase:
    mode = fields.get("vads_ctx_mode", "")
    if mode not in ("TEST", "PRODUCTION"):
        raise FakeRefused("vads_ctx_mode must be TEST or PRODUCTION")
    if mode != "TEST":
        raise FakeRefused("this fake only takes TEST payments")
    if fields.get("vads_site_id") != CREDENTIALS["site_id"]:
        raise FakeRefused("unknown vads_site_id")
    if fields.get("signature") != _backend(mode).signature(fields):
        raise FakeRefused("bad signature")
    return Purchase(
        amount_cents=int(fields["vads_amount"]),
        currency=currency_alpha(fields.get("vads_currency", "")),
        label=fields.get("vads_order_info", ""),
        notify_url=fields.get("vads_url_check", ""),
        return_url=fields.get("vads_url_return", ""),
        fields=fields,
    )


def decide(purchase: Purchase, decision: Decision) -> Exchange:
    sent = purchase.fields
    notice = {k: v for k, v in sent.items() if k.startswith("vads_") and not k.startswith(ECHOED_PREFIXES)}
    paid = decision == Decision.PAY
    notice.update({
        "vads_result": "00" if paid else "05",
        "vads_auth_result": "00" if paid else "05",
        "vads_extra_result": "",
        "vads_trans_status": "AUTHORISED" if paid else "REFUSED",
        "vads_trans_uuid": uuid.uuid4().hex,
        "vads_operation_type": "DEBIT",
        "vads_url_check_src": "PAY",
        "vads_auth_number": "3fe4d1" if paid else "",
        "vads_card_brand": "CB",
        "vads_card_number": "497010XXXXXX0007",
        "vads_effective_amount": sent.get("vads_amount", ""),
        "vads_effective_currency": sent.get("vads_currency", ""),
    })
    notice["signature"] = _backend(sent["vads_ctx_mode"]).signature(notice)
    body = urlencode(notice)
    # vads_return_mode GET: the buyer comes back with the same fields in the query string
    return Exchange(notice_body=body, back_url=purchase.return_url + "?" + body, back_fields=None)
