"""PayPal: Orders v2 (create → the buyer approves on PayPal → we capture), verified webhooks, refunds.

- The browser return never marks anything paid: coming back only makes us ask PayPal, server
  to server, for the order, and capture it when it is approved; the capture's answer (or the
  PAYMENT.CAPTURE.COMPLETED webhook, verified by PayPal's verify-webhook-signature API) is what
  confirms the payment.
- Every call that creates or moves money carries `PayPal-Request-Id` derived from our stored
  reference: a replay gets PayPal's first answer.
- Amounts are strings at PayPal ("15.00"); they are converted to and from integer cents exactly,
  anything that is not a whole number of cents is refused.
- In sandbox mode `settings.PAYPAL_API_BASE` (a local stand-in: the demo's and the tests')
  replaces PayPal's sandbox; live mode always speaks to PayPal."""

from __future__ import annotations

import hashlib
from typing import Any

import httpx
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from billetterie.core.csp import Sources, origin
from billetterie.core.money import InvalidAmount, decimal_to_cents

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
    RefundOutcome,
    RefundRequest,
    RefundResult,
)
from .notice_body import json_object

SANDBOX_API = "https://api-m.sandbox.paypal.com"
LIVE_API = "https://api-m.paypal.com"
SANDBOX_PAGES = "https://www.sandbox.paypal.com"
LIVE_PAGES = "https://www.paypal.com"
TIMEOUT_SECONDS = 20
# a webhook event is a few kilobytes; a larger body is refused before it is sent to PayPal
MAX_EVENT_BYTES = 256 * 1024


def cents_to_value(cents: int) -> str:
    if cents < 0:
        raise InvalidAmount(str(cents))
    return f"{cents // 100}.{cents % 100:02d}"


def value_to_cents(value: object) -> int:
    """PayPal's "15.00" → 1500; "15.001", "1e3" or a number that is not a string are refused."""
    if not isinstance(value, str) or not value or not all(c.isdigit() or c == "." for c in value):
        raise InvalidAmount(str(value))
    return decimal_to_cents(value)


def _api_base(config: ProviderConfig) -> str:
    if config.sandbox:
        return (settings.PAYPAL_API_BASE or SANDBOX_API).rstrip("/")
    return LIVE_API


def _approval_origin(config: ProviderConfig) -> str:
    """Where PayPal's approval page lives (the `approve` link of an order): a local stand-in serves its own."""
    if config.sandbox:
        return origin(settings.PAYPAL_API_BASE) or SANDBOX_PAGES
    return LIVE_PAGES


class PayPalProvider:
    identifier = "paypal"
    name: str | Promise = _("PayPal")
    capabilities = Capabilities(refund=True, partial_refund=True, status_query=True, return_query=True,
                                min_amount_cents=1, max_amount_cents=1_000_000)
    credential_fields: tuple[CredentialField, ...] = (
        CredentialField("client_id", _("Client ID")),
        CredentialField("client_secret", _("Secret"), secret=True),
        CredentialField("webhook_id", _("Webhook ID"), help_text=_("Shown by PayPal when you add the webhook.")),
    )

    # --- HTTP ---
    def _token(self, config: ProviderConfig, client: httpx.Client) -> str:
        client_id = config.credentials.get("client_id", "")
        secret = config.credentials.get("client_secret", "")
        if not client_id or not secret:
            raise ProviderUnavailable("PayPal credentials are missing")
        key = "paypal-token:" + hashlib.sha256(f"{_api_base(config)}|{client_id}|{secret}".encode()).hexdigest()
        token = cache.get(key)
        if token:
            return str(token)
        response = client.post(f"{_api_base(config)}/v1/oauth2/token", data={"grant_type": "client_credentials"},
                               auth=(client_id, secret))
        if response.status_code != 200:
            raise ProviderUnavailable(f"PayPal refused the credentials ({response.status_code})")
        data = response.json()
        cache.set(key, data["access_token"], max(60, int(data.get("expires_in", 3600)) - 300))
        return str(data["access_token"])

    def _call(self, config: ProviderConfig, method: str, path: str, *, body: dict[str, Any] | None = None,
              request_id: str = "") -> tuple[int, dict[str, Any]]:
        try:
            with httpx.Client(timeout=TIMEOUT_SECONDS) as client:
                headers = {"Authorization": f"Bearer {self._token(config, client)}", "Prefer": "return=representation"}
                if request_id:
                    headers["PayPal-Request-Id"] = request_id
                response = client.request(method, f"{_api_base(config)}{path}", json=body, headers=headers)
        except httpx.HTTPError as exc:
            raise ProviderUnavailable(f"PayPal could not be reached: {exc.__class__.__name__}") from exc
        if response.status_code >= 500 or response.status_code in (401, 429):
            raise ProviderUnavailable(f"PayPal answered {response.status_code}")
        try:
            data = response.json()
        except ValueError:
            data = {}
        return response.status_code, data if isinstance(data, dict) else {}

    # --- payment ---
    def start(self, payment: PaymentRequest, urls: PaymentUrls, config: ProviderConfig) -> NextAction:
        body = {
            "intent": "CAPTURE",
            "purchase_units": [{
                "reference_id": payment.order_code, "custom_id": payment.reference, "invoice_id": payment.reference,
                "description": f"{payment.merchant_name} — {payment.order_code}"[:127],
                "amount": {"currency_code": payment.currency, "value": cents_to_value(payment.amount_cents)},
            }],
            "application_context": {
                "return_url": urls.return_url, "cancel_url": urls.cancel_url or urls.return_url,
                "brand_name": payment.merchant_name[:127], "user_action": "PAY_NOW",
                "shipping_preference": "NO_SHIPPING",
                "locale": "fr-FR" if payment.locale.startswith("fr") else "en-GB",
            },
        }
        status, data = self._call(config, "POST", "/v2/checkout/orders", body=body,
                                  request_id=f"order-{payment.reference}")
        links = data.get("links", [])
        approve = next((link["href"] for link in links if link.get("rel") in ("approve", "payer-action")), "")
        if status not in (200, 201) or not approve:
            raise ProviderUnavailable(f"PayPal did not create the order ({status})")
        return Redirect(approve, psp_reference=str(data["id"]))

    def page_sources(self, config: ProviderConfig) -> Sources:
        # our page's form is answered with a redirect to the approval page (PayPal's own CSP then
        # governs its buttons and card fields)
        return Sources(form_action=(_approval_origin(config),))

    def status(self, payment: PaymentRequest, config: ProviderConfig) -> list[ProviderEvent]:
        """Where the PayPal order stands; an approved order is captured now (idempotently), as
        PayPal expects of the merchant once the buyer approved."""
        if not payment.psp_reference:
            raise NotSupported("no PayPal order yet")
        status, order = self._call(config, "GET", f"/v2/checkout/orders/{payment.psp_reference}")
        if status != 200:
            return []
        if order.get("status") == "APPROVED":
            status, order = self._call(config, "POST", f"/v2/checkout/orders/{payment.psp_reference}/capture",
                                       body={}, request_id=f"capture-{payment.reference}")
            if status not in (200, 201):
                issue = ((order.get("details") or [{}])[0]).get("issue", "")
                if issue == "ORDER_ALREADY_CAPTURED":
                    status, order = self._call(config, "GET", f"/v2/checkout/orders/{payment.psp_reference}")
                else:
                    return []
        if order.get("status") == "VOIDED":
            return [ProviderEvent(f"order-voided:{order.get('id')}", payment.reference, EventKind.FAILED,
                                  payment.amount_cents, payment.currency, psp_reference=str(order.get("id")),
                                  reason="voided")]
        events = []
        for unit in order.get("purchase_units", []):
            for capture in (unit.get("payments") or {}).get("captures", []):
                event = self._capture_event(f"capture:{capture.get('id')}", capture, payment.reference)
                if event is not None:
                    events.append(event)
        return events

    def _capture_event(self, notice_id: str, capture: dict[str, Any], reference: str) -> ProviderEvent | None:
        if str(capture.get("custom_id", "")) != reference:
            return None
        amount = capture.get("amount") or {}
        try:
            cents = value_to_cents(amount.get("value"))
        except InvalidAmount:
            return None
        currency = str(amount.get("currency_code", ""))
        kind = {"COMPLETED": EventKind.CONFIRMED, "DECLINED": EventKind.FAILED, "FAILED": EventKind.FAILED,
                "PENDING": EventKind.PENDING}.get(str(capture.get("status")))
        if kind is None:
            return None
        return ProviderEvent(notice_id, reference, kind, cents, currency, psp_reference=str(capture.get("id", "")),
                             reason=str(capture.get("status", "")).lower() if kind == EventKind.FAILED else "",
                             payload={"capture": capture.get("id"), "status": capture.get("status")})

    # --- webhooks ---
    def parse_notification(self, request: HttpRequest, config: ProviderConfig) -> list[ProviderEvent]:
        webhook_id = config.credentials.get("webhook_id", "")
        headers = {name: request.headers.get(f"PAYPAL-{name}", "") for name in
                   ("TRANSMISSION-ID", "TRANSMISSION-TIME", "TRANSMISSION-SIG", "CERT-URL", "AUTH-ALGO")}
        if not webhook_id or not all(headers.values()):
            raise NoticeRejected("unsigned or no webhook configured")
        # read before PayPal has verified anything (its verify API takes the event itself): bounded
        event = json_object(request.body, max_bytes=MAX_EVENT_BYTES)
        try:
            links = " ".join(str(link.get("href", "")) for link in event.get("links", []))
            resource = event["resource"]
            kind = str(event["event_type"])
            notice_id = str(event["id"])
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise NoticeRejected("malformed event") from exc
        if ("sandbox.paypal.com" in links) != config.sandbox:
            raise NoticeRejected("a sandbox event for a live configuration, or the reverse")
        try:
            status, answer = self._call(config, "POST", "/v1/notifications/verify-webhook-signature", body={
                "auth_algo": headers["AUTH-ALGO"], "cert_url": headers["CERT-URL"],
                "transmission_id": headers["TRANSMISSION-ID"], "transmission_sig": headers["TRANSMISSION-SIG"],
                "transmission_time": headers["TRANSMISSION-TIME"], "webhook_id": webhook_id, "webhook_event": event,
            })
        except ProviderUnavailable as exc:
            raise NoticeRejected("PayPal could not verify the signature now") from exc
        if status != 200 or answer.get("verification_status") != "SUCCESS":
            raise NoticeRejected("PayPal did not verify the signature")
        if not isinstance(resource, dict):
            raise NoticeRejected("malformed event")
        reference = str(resource.get("custom_id", ""))
        if kind in ("PAYMENT.CAPTURE.COMPLETED", "PAYMENT.CAPTURE.DENIED", "PAYMENT.CAPTURE.PENDING"):
            captured = self._capture_event(notice_id, resource, reference)
            return [captured] if captured else []
        if kind == "PAYMENT.CAPTURE.REFUNDED" and reference:
            try:
                cents = value_to_cents((resource.get("amount") or {}).get("value"))
            except InvalidAmount as exc:
                raise NoticeRejected("malformed amount") from exc
            currency = str((resource.get("amount") or {}).get("currency_code", ""))
            # refund() sends our refund reference as the invoice_id: the notice names its refund exactly
            return [ProviderEvent(notice_id, reference, EventKind.REFUNDED, cents, currency,
                                  psp_reference=str(resource.get("id", "")), payload={"refund": resource.get("id")},
                                  refund_reference=str(resource.get("invoice_id") or ""))]
        return []

    def acknowledge(self, events: list[ProviderEvent], config: ProviderConfig) -> HttpResponse:
        return HttpResponse("OK", content_type="text/plain")

    # --- refunds ---
    def refund(self, refund: RefundRequest, config: ProviderConfig) -> RefundResult:
        captures = [e for e in self.status(refund.payment, config) if e.kind == EventKind.CONFIRMED]
        if not captures:
            return RefundResult(RefundOutcome.MANUAL, message="no completed PayPal capture found")
        body = {"amount": {"currency_code": refund.currency, "value": cents_to_value(refund.amount_cents)},
                "custom_id": refund.payment.reference, "invoice_id": refund.reference}
        status, data = self._call(config, "POST", f"/v2/payments/captures/{captures[0].psp_reference}/refund",
                                  body=body, request_id=f"refund-{refund.reference}")
        if status not in (200, 201):
            issue = ((data.get("details") or [{}])[0]).get("issue", str(status))
            return RefundResult(RefundOutcome.FAILED, message=f"PayPal: {issue}"[:300])
        outcome = {"COMPLETED": RefundOutcome.DONE, "PENDING": RefundOutcome.PENDING}.get(
            str(data.get("status")), RefundOutcome.FAILED)
        return RefundResult(outcome, psp_reference=str(data.get("id", "")))
