"""The built-in sandbox payment service, merchant side.

It speaks to the sandbox payment service of `payments/sandbox_psp.py` exactly as a real adapter
speaks to a real one: it sends the buyer to a hosted page with a signed session, and it trusts
nothing but server-to-server notices whose HMAC signature it verifies."""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from billetterie.core.csp import Sources

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
    Redirect,
    RefundOutcome,
    RefundRequest,
    RefundResult,
)
from .notice_body import json_object

SESSION_SALT = "billetterie.sandbox.session"
SIGNATURE_HEADER = "X-Sandbox-Signature"


def notice_key() -> bytes:
    if settings.SANDBOX_NOTICE_KEY:
        return settings.SANDBOX_NOTICE_KEY.encode()
    return hmac.new(settings.SECRET_KEY.encode(), b"sandbox-notice-key", hashlib.sha256).digest()


def notice_sign(body: bytes, key: bytes | None = None) -> str:
    return "v1=" + hmac.new(key or notice_key(), body, hashlib.sha256).hexdigest()


class SandboxProvider:
    identifier = "sandbox"
    name: str | Promise = _("Bank card (sandbox)")
    capabilities = Capabilities(refund=True, partial_refund=True, min_amount_cents=100)
    credential_fields: tuple[CredentialField, ...] = ()

    def start(self, payment: PaymentRequest, urls: PaymentUrls, config: ProviderConfig) -> NextAction:
        session = signing.dumps(
            {
                "ref": payment.reference,
                "amount": payment.amount_cents,
                "currency": payment.currency,
                "merchant": payment.merchant_name,
                "order": payment.order_code,
                "return_url": urls.return_url,
                "notify_url": urls.notify_url,
            },
            salt=SESSION_SALT,
        )
        return Redirect(reverse("sandbox_psp:pay", kwargs={"session": session}))

    def page_sources(self, config: ProviderConfig) -> Sources:
        return Sources()  # its payment page is served by this very site

    def parse_notification(self, request: HttpRequest, config: ProviderConfig) -> list[ProviderEvent]:
        body = request.body
        given = request.headers.get(SIGNATURE_HEADER, "")
        if not given or not hmac.compare_digest(given, notice_sign(body)):
            raise NoticeRejected("bad or missing signature")
        data = json_object(body)
        try:
            kind = EventKind(data["status"])
            return [
                ProviderEvent(
                    notice_id=str(data["notice_id"]),
                    payment_reference=str(data["payment"]),
                    kind=kind,
                    amount_cents=int(data["amount_cents"]),
                    currency=str(data["currency"]),
                    psp_reference=str(data.get("transaction", "")),
                    reason=str(data.get("reason", "")),
                    payload=data,
                )
            ]
        except (ValueError, KeyError, TypeError, OverflowError) as exc:
            raise NoticeRejected("malformed notice") from exc

    def acknowledge(self, events: list[ProviderEvent], config: ProviderConfig) -> HttpResponse:
        return HttpResponse("OK", content_type="text/plain")

    def refund(self, refund: RefundRequest, config: ProviderConfig) -> RefundResult:
        """The sandbox refunds at once: any captured sandbox payment can be refunded, in part or whole."""
        return RefundResult(RefundOutcome.DONE, psp_reference="SBXR" + refund.reference[:12].upper())

    def status(self, payment: PaymentRequest, config: ProviderConfig) -> list[ProviderEvent]:
        raise NotSupported("the sandbox only speaks through notices")
