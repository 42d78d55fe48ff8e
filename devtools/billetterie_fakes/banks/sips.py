"""A fake Worldline SIPS 2 Paypage (Mercanet, Sogenactif, Sherlocks): the simulation merchant."""

from __future__ import annotations

import secrets
from collections import OrderedDict
from datetime import UTC, datetime
from urllib.parse import urlencode

from billetterie.payments.providers import sips
from billetterie.payments.providers.bank_common import currency_alpha

from .common import Decision, Exchange, FakeRefused, Purchase

# the simulation platform's published credentials, which the shop signs with when it posts here
CREDENTIALS = {"merchant_id": sips.TEST_MERCHANT_ID, "secret_key": sips.TEST_SECRET_KEY, "key_version": "1"}


def _backend() -> sips.sips2.Payment:
    return sips.eopayment_backend(CREDENTIALS, sandbox=True)


def read(fields: dict[str, str]) -> Purchase:
    raw, seal = fields.get("Data", ""), fields.get("Seal", "")
    if not raw or not seal or not fields.get("InterfaceVersion", "").startswith("HP_2."):
        raise FakeRefused("Data, Seal and InterfaceVersion are required")
    data = sips.sips2.Payment.decode_data(raw)
    backend = _backend()
    if data.get("merchantId") != backend.merchant_id or not backend.check_seal(data, seal):
        raise FakeRefused("bad seal or unknown merchant")
    return Purchase(
        amount_cents=int(data["amount"]),
        currency=currency_alpha(data.get("currencyCode", "")),
        label=data.get("orderId", ""),
        notify_url=data.get("automaticResponseUrl", ""),
        return_url=data.get("normalReturnUrl", ""),
        fields=dict(data),
    )


def decide(purchase: Purchase, decision: Decision) -> Exchange:
    sent = purchase.fields
    paid = decision == Decision.PAY
    data: OrderedDict[str, str] = OrderedDict()
    for key in ("amount", "captureDay", "captureMode", "currencyCode", "keyVersion", "merchantId", "orderId",
                "transactionReference", "customerEmail"):
        if sent.get(key):
            data[key] = sent[key]
    data.update({
        "orderChannel": "INTERNET",
        "responseCode": "00" if paid else "05",
        "acquirerResponseCode": "00" if paid else "05",
        "authorisationId": f"{secrets.randbelow(10**6):06d}" if paid else "",
        "paymentMeanBrand": "CB",
        "paymentMeanType": "CARD",
        "maskedPan": "4100##########00",
        "transactionDateTime": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00"),
        "s10TransactionId": f"{secrets.randbelow(10**6):06d}",
    })
    backend = _backend()
    body = {"Data": backend.encode_data(data), "Seal": backend.seal_data(data), "InterfaceVersion": "HP_2.3",
            "Encode": ""}
    # the buyer comes back by a form POST carrying the same sealed response
    return Exchange(notice_body=urlencode(body), back_url=purchase.return_url, back_fields=body)
