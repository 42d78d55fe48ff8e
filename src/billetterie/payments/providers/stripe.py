"""Stripe: PaymentIntents with the Payment Element on our own payment page, 3-D Secure, signed
webhooks, full and partial refunds.

- Amounts are integer cents on both sides; currencies are lower case at Stripe.
- Every call that moves money carries an idempotency key derived from our stored reference
  (`pi-<payment reference>`, `re-<refund reference>`).
- Webhooks are verified with `stripe.Webhook.construct_event` and the organiser's signing secret;
  a test-mode event reaching a live configuration (or the reverse) is refused.
- In sandbox mode, `settings.STRIPE_API_BASE` (localstripe in the demo and the tests) replaces
  Stripe's API, and its stand-in for stripe.js is served from the same address. Live mode always
  speaks to Stripe itself."""

from __future__ import annotations

from typing import Any

import stripe
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from billetterie.core.csp import Sources, origin

from .base import (
    Capabilities,
    ClientStep,
    ClientStepAnswer,
    CredentialField,
    EmbeddedForm,
    EventKind,
    NextAction,
    NoticeRejected,
    NotSupported,
    PaymentRequest,
    PaymentUrls,
    ProviderConfig,
    ProviderEvent,
    ProviderUnavailable,
    RefundOutcome,
    RefundRequest,
    RefundResult,
)
from .notice_body import json_object

STRIPE_JS = "https://js.stripe.com/v3/"
# what Stripe.js and its Payment Element need (Stripe's published CSP list; 3-D Secure runs in
# frames of hooks.stripe.com)
STRIPE_SOURCES = Sources(
    script_src=("https://js.stripe.com", "https://*.js.stripe.com"),
    frame_src=("https://js.stripe.com", "https://*.js.stripe.com", "https://hooks.stripe.com"),
    connect_src=("https://api.stripe.com",),
    img_src=("https://*.stripe.com",),
)
TIMEOUT_SECONDS = 20


def _api_base(config: ProviderConfig) -> str:
    return settings.STRIPE_API_BASE.rstrip("/") if config.sandbox and settings.STRIPE_API_BASE else ""


def _client(config: ProviderConfig) -> stripe.StripeClient:
    key = config.credentials.get("secret_key", "")
    expected = "_test_" if config.sandbox else "_live_"
    if not key or expected not in key[:8]:
        # a test key in live mode (or the reverse) never reaches Stripe
        raise ProviderUnavailable("the secret key is missing or does not match the mode")
    base = _api_base(config)
    return stripe.StripeClient(
        key,
        base_addresses={"api": base} if base else None,
        http_client=stripe.HTTPXClient(timeout=TIMEOUT_SECONDS, allow_sync_methods=True),
        max_network_retries=2,
    )


def _call(fn: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return fn(*args, **kwargs)
    except (stripe.APIConnectionError, stripe.RateLimitError, stripe.AuthenticationError) as exc:
        raise ProviderUnavailable(str(exc)) from exc
    except stripe.StripeError as exc:
        if (exc.http_status or 0) >= 500:
            raise ProviderUnavailable(str(exc)) from exc
        raise


class StripeProvider(ClientStep):  # its Payment Element confirms through us
    identifier = "stripe"
    name: str | Promise = _("Bank card (Stripe)")
    capabilities = Capabilities(refund=True, partial_refund=True, status_query=True, card=True, return_query=True,
                                max_amount_cents=99_999_999)
    credential_fields: tuple[CredentialField, ...] = (
        CredentialField("publishable_key", _("Publishable key"), help_text=_("pk_test_… or pk_live_…")),
        CredentialField("secret_key", _("Secret key"), secret=True, help_text=_("sk_test_… or sk_live_…")),
        CredentialField("webhook_secret", _("Webhook signing secret"), secret=True, help_text=_("whsec_…")),
    )

    def page_sources(self, config: ProviderConfig) -> Sources:
        base = origin(_api_base(config))
        if base:  # localstripe (demo, tests): its stand-in for stripe.js and its API, one address
            return Sources(script_src=(base,), connect_src=(base,))
        return STRIPE_SOURCES

    def start(self, payment: PaymentRequest, urls: PaymentUrls, config: ProviderConfig) -> NextAction:
        client = _client(config)
        try:
            intent = _call(
                client.v1.payment_intents.create,
                params={
                    "amount": payment.amount_cents,
                    "currency": payment.currency.lower(),
                    "payment_method_types": ["card"],
                    "metadata": {"payment_reference": payment.reference, "order": payment.order_code},
                },
                options={"idempotency_key": f"pi-{payment.reference}"},
            )
        except stripe.StripeError as exc:
            raise ProviderUnavailable(str(exc)) from exc
        base = _api_base(config)
        return EmbeddedForm(
            template="payments/stripe/pay.html",
            context={
                "publishable_key": config.credentials.get("publishable_key", ""),
                "client_secret": intent.client_secret,
                "stripe_js": f"{base}/js.stripe.com/v3/" if base else STRIPE_JS,
                "step_url": reverse("payment_client_step", args=[self.identifier, payment.reference]),
                "return_url": urls.return_url,
                "amount_cents": payment.amount_cents,
                "currency": payment.currency,
                "sandbox": config.sandbox,
            },
            psp_reference=intent.id,
        )

    def client_step(self, payment: PaymentRequest, data: dict[str, str], config: ProviderConfig) -> ClientStepAnswer:
        """Confirm the PaymentIntent with the payment method stripe.js tokenised in the browser
        (the card never passes through us). The answer says what the page does next."""
        method = data.get("payment_method", "")
        if not payment.psp_reference or not method.startswith(("pm_", "card_")):
            return {"status": "error", "message": str(_("The card could not be read; try again."))}, []
        client = _client(config)
        try:
            _call(client.v1.payment_intents.update, payment.psp_reference, params={"payment_method": method})
            intent = _call(client.v1.payment_intents.confirm, payment.psp_reference,
                           options={"idempotency_key": f"confirm-{payment.reference}-{method}"})
        except stripe.CardError as exc:
            return {"status": "declined", "message": str(_("The card was declined.")), "code": exc.code or ""}, []
        except stripe.StripeError:
            return {"status": "error", "message": str(_("The card could not be read; try again."))}, []
        answer: dict[str, object] = {"status": intent.status}
        if intent.status == "requires_action":
            answer["client_secret"] = intent.client_secret
        return answer, self._events_of_intent(intent, payment.reference)

    def parse_notification(self, request: HttpRequest, config: ProviderConfig) -> list[ProviderEvent]:
        secret = config.credentials.get("webhook_secret", "")
        if not secret:
            raise NoticeRejected("no webhook secret configured")
        # the signature first, over the body as received; only a signed body is parsed, by our
        # bounded reader (construct_event would parse it unbounded and build a StripeObject of it)
        try:
            stripe.WebhookSignature.verify_header(request.body, request.headers.get("Stripe-Signature", ""), secret,
                                                  tolerance=stripe.Webhook.DEFAULT_TOLERANCE)
        except (stripe.SignatureVerificationError, ValueError) as exc:  # ValueError: not UTF-8
            raise NoticeRejected("bad or missing signature") from exc
        data = json_object(request.body)
        try:
            if bool(data.get("livemode")) == config.sandbox:
                raise NoticeRejected("a test event for a live configuration, or the reverse")
            return self._events_of_webhook(data)
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
            raise NoticeRejected("malformed event") from exc

    def _events_of_webhook(self, data: dict[str, Any]) -> list[ProviderEvent]:
        kind = data["type"]
        obj = data["data"]["object"]
        notice_id = str(data["id"])
        reference = str((obj.get("metadata") or {}).get("payment_reference", ""))
        if not reference:
            return []
        payload = {"type": kind, "id": notice_id, "object": obj.get("id")}
        if kind == "payment_intent.succeeded":
            amount = int(obj.get("amount_received") or obj["amount"])
            return [ProviderEvent(notice_id, reference, EventKind.CONFIRMED, amount, str(obj["currency"]).upper(),
                                  psp_reference=str(obj["id"]), payload=payload)]
        if kind in ("payment_intent.payment_failed", "payment_intent.canceled"):
            error = obj.get("last_payment_error") or {}
            return [ProviderEvent(notice_id, reference, EventKind.FAILED, int(obj["amount"]),
                                  str(obj["currency"]).upper(), psp_reference=str(obj["id"]),
                                  reason=str(error.get("code") or kind), payload=payload)]
        if kind == "payment_intent.processing":
            return [ProviderEvent(notice_id, reference, EventKind.PENDING, int(obj["amount"]),
                                  str(obj["currency"]).upper(), psp_reference=str(obj["id"]), payload=payload)]
        if kind in ("refund.created", "refund.updated") and obj.get("status") == "succeeded":
            # refund() puts our refund reference in the metadata: the notice names its refund exactly
            ours = str((obj.get("metadata") or {}).get("refund_reference", ""))
            return [ProviderEvent(notice_id, reference, EventKind.REFUNDED, int(obj["amount"]),
                                  str(obj["currency"]).upper(), psp_reference=str(obj["id"]), payload=payload,
                                  refund_reference=ours)]
        return []

    def _events_of_intent(self, intent: Any, reference: str) -> list[ProviderEvent]:
        """What a PaymentIntent read from the API says (a status query: authenticated by our key)."""
        status = intent.status
        currency = str(intent.currency).upper()
        base = f"pi-status:{intent.id}:{status}"
        if status == "succeeded":
            amount = int(getattr(intent, "amount_received", None) or intent.amount)
            return [ProviderEvent(base, reference, EventKind.CONFIRMED, amount, currency, psp_reference=intent.id)]
        if status == "canceled":
            return [ProviderEvent(base, reference, EventKind.FAILED, int(intent.amount), currency,
                                  psp_reference=intent.id, reason="canceled")]
        if status == "processing":
            return [ProviderEvent(base, reference, EventKind.PENDING, int(intent.amount), currency,
                                  psp_reference=intent.id)]
        return []

    def acknowledge(self, events: list[ProviderEvent], config: ProviderConfig) -> HttpResponse:
        return HttpResponse("OK", content_type="text/plain")

    def refund(self, refund: RefundRequest, config: ProviderConfig) -> RefundResult:
        if not refund.payment.psp_reference:
            return RefundResult(RefundOutcome.MANUAL, message="no PaymentIntent id")
        client = _client(config)
        try:
            result = _call(
                client.v1.refunds.create,
                params={
                    "payment_intent": refund.payment.psp_reference,
                    "amount": refund.amount_cents,
                    "metadata": {"payment_reference": refund.payment.reference, "refund_reference": refund.reference},
                },
                options={"idempotency_key": f"re-{refund.reference}"},
            )
        except stripe.InvalidRequestError as exc:
            return RefundResult(RefundOutcome.FAILED, message=str(exc.user_message or exc)[:300])
        outcome = {"succeeded": RefundOutcome.DONE, "failed": RefundOutcome.FAILED,
                   "canceled": RefundOutcome.FAILED}.get(result.status, RefundOutcome.PENDING)
        return RefundResult(outcome, psp_reference=result.id)

    def status(self, payment: PaymentRequest, config: ProviderConfig) -> list[ProviderEvent]:
        if not payment.psp_reference:
            raise NotSupported("no PaymentIntent yet")
        client = _client(config)
        try:
            intent = _call(client.v1.payment_intents.retrieve, payment.psp_reference)
        except stripe.StripeError as exc:
            raise ProviderUnavailable(str(exc)) from exc
        return self._events_of_intent(intent, payment.reference)
