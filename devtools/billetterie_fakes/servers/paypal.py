"""A small fake of PayPal's REST API (sandbox), for the demo and the tests, on 127.0.0.1 only.

    python -m billetterie_fakes.servers.paypal --port 8421

It speaks the documented endpoints the PayPal provider uses, with their idempotency header
(`PayPal-Request-Id`: a replay returns the first answer):

  POST /v1/oauth2/token                         client credentials → bearer token
  POST /v2/checkout/orders                      create (intent CAPTURE) → links[rel=approve]
  GET  /v2/checkout/orders/{id}                 read
  POST /v2/checkout/orders/{id}/capture         capture an approved order
  POST /v2/payments/captures/{id}/refund        full or partial refund
  POST /v1/notifications/webhooks               register a webhook (url) → id
  POST /v1/notifications/verify-webhook-signature
  GET  /checkoutnow?token={id}                  the buyer's approval page (Approve / Cancel)

Webhooks it sends (PAYMENT.CAPTURE.COMPLETED, PAYMENT.CAPTURE.REFUNDED) are "signed" with a
key only this fake knows; `sign_event` makes such a signature for tests, and the verify
endpoint is the only way to check one, as with PayPal."""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import html
import json
import threading
import uuid
import zlib
from datetime import UTC, datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

SIGNING_KEY = b"fake-paypal-signing-key"
CERT_URL = "https://api.sandbox.paypal.com/v1/notifications/certs/CERT-fake"
SANDBOX_LINK = "https://api.sandbox.paypal.com"


def _canonical(event: dict[str, Any]) -> bytes:
    return json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sign_event(event: dict[str, Any], *, webhook_id: str, transmission_id: str = "",
               transmission_time: str = "", key: bytes = SIGNING_KEY) -> dict[str, str]:
    """The headers PayPal would send with this event for this webhook."""
    transmission_id = transmission_id or str(uuid.uuid4())
    transmission_time = transmission_time or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    message = f"{transmission_id}|{transmission_time}|{webhook_id}|{zlib.crc32(_canonical(event))}"
    signature = base64.b64encode(hmac.new(key, message.encode(), hashlib.sha256).digest()).decode()
    return {
        "PAYPAL-TRANSMISSION-ID": transmission_id, "PAYPAL-TRANSMISSION-TIME": transmission_time,
        "PAYPAL-TRANSMISSION-SIG": signature, "PAYPAL-CERT-URL": CERT_URL, "PAYPAL-AUTH-ALGO": "SHA256withRSA",
    }


def _value(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def _cents(value: str) -> int:
    return int(Decimal(value) * 100)


class State:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.orders: dict[str, dict[str, Any]] = {}
        self.captures: dict[str, dict[str, Any]] = {}
        self.replies: dict[tuple[str, str], tuple[int, dict[str, Any]]] = {}
        self.webhooks: dict[str, str] = {}  # id → url
        self.tokens: set[str] = set()


def make_handler(state: State) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        # --- plumbing ---
        def _send(self, status: int, body: dict[str, Any] | str, content_type: str = "application/json") -> None:
            raw = (json.dumps(body) if isinstance(body, dict) else body).encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def _body(self) -> bytes:
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def _json(self) -> dict[str, Any]:
            try:
                data = json.loads(self._body() or b"{}")
            except ValueError:
                return {}
            return data if isinstance(data, dict) else {}

        def _authorised(self) -> bool:
            header = self.headers.get("Authorization", "")
            return header.startswith("Bearer ") and header[7:] in state.tokens

        def _base(self) -> str:
            return f"http://{self.headers.get('Host')}"

        def _error(self, status: int, name: str, issue: str) -> None:
            self._send(status, {"name": name, "details": [{"issue": issue}], "debug_id": uuid.uuid4().hex[:12]})

        # --- routes ---
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            if parts.path == "/checkoutnow":
                return self._approval_page(parse_qs(parts.query).get("token", [""])[0])
            if not self._authorised():
                return self._error(401, "AUTHENTICATION_FAILURE", "INVALID_TOKEN")
            segments = parts.path.strip("/").split("/")
            if segments[:3] == ["v2", "checkout", "orders"] and len(segments) == 4:
                order = state.orders.get(segments[3])
                if order is None:
                    return self._error(404, "RESOURCE_NOT_FOUND", "INVALID_RESOURCE_ID")
                return self._send(200, self._public(order))
            return self._error(404, "NOT_FOUND", "NOT_FOUND")

        def do_POST(self) -> None:
            parts = urlsplit(self.path)
            path = parts.path.rstrip("/")
            if path == "/v1/oauth2/token":
                return self._token()
            if path == "/checkoutnow/decide":
                return self._decide()
            if not self._authorised():
                return self._error(401, "AUTHENTICATION_FAILURE", "INVALID_TOKEN")
            segments = path.strip("/").split("/")
            request_id = self.headers.get("PayPal-Request-Id", "")
            if request_id and (path, request_id) in state.replies:
                self._body()
                status, reply = state.replies[(path, request_id)]
                return self._send(status, reply)
            with state.lock:
                if path == "/v2/checkout/orders":
                    status, reply = self._create_order(self._json())
                elif segments[:3] == ["v2", "checkout", "orders"] and segments[-1] == "capture":
                    self._body()
                    status, reply = self._capture(segments[3])
                elif segments[:3] == ["v2", "payments", "captures"] and segments[-1] == "refund":
                    status, reply = self._refund(segments[3], self._json())
                elif path == "/v1/notifications/webhooks":
                    data = self._json()
                    webhook_id = "WH-" + uuid.uuid4().hex[:16].upper()
                    state.webhooks[webhook_id] = str(data.get("url", ""))
                    status, reply = 201, {"id": webhook_id, "url": data.get("url")}
                elif path == "/v1/notifications/verify-webhook-signature":
                    status, reply = 200, self._verify(self._json())
                else:
                    status, reply = 404, {"name": "NOT_FOUND"}
                if request_id and status < 500:
                    state.replies[(path, request_id)] = (status, reply)
            self._send(status, reply)

        def _token(self) -> None:
            self._body()
            header = self.headers.get("Authorization", "")
            try:
                client_id, _sep, secret = base64.b64decode(header[6:]).decode().partition(":")
            except ValueError:
                client_id, secret = "", ""
            if not header.startswith("Basic ") or not client_id or not secret:
                return self._send(401, {"error": "invalid_client"})
            token = "A21AA" + uuid.uuid4().hex
            state.tokens.add(token)
            self._send(200, {"access_token": token, "token_type": "Bearer", "expires_in": 32400})

        def _create_order(self, data: dict[str, Any]) -> tuple[int, dict[str, Any]]:
            try:
                unit = data["purchase_units"][0]
                amount = unit["amount"]
                _cents(amount["value"])
                context = data.get("application_context") or {}
            except (KeyError, IndexError, TypeError, ArithmeticError, ValueError):
                return 400, {"name": "INVALID_REQUEST", "details": [{"issue": "MISSING_REQUIRED_PARAMETER"}]}
            order_id = uuid.uuid4().hex[:17].upper()
            order = {
                "id": order_id, "intent": data.get("intent", "CAPTURE"), "status": "CREATED",
                "purchase_units": [{"reference_id": unit.get("reference_id", "default"),
                                    "custom_id": unit.get("custom_id", ""), "invoice_id": unit.get("invoice_id", ""),
                                    "amount": amount}],
                "links": [
                    {"href": f"{self._base()}/checkoutnow?token={order_id}", "rel": "approve", "method": "GET"},
                    {"href": f"{SANDBOX_LINK}/v2/checkout/orders/{order_id}", "rel": "self", "method": "GET"},
                ],
                "_return_url": context.get("return_url", ""), "_cancel_url": context.get("cancel_url", ""),
            }
            state.orders[order_id] = order
            return 201, self._public(order)

        @staticmethod
        def _public(order: dict[str, Any]) -> dict[str, Any]:
            return {k: v for k, v in order.items() if not k.startswith("_")}

        def _capture(self, order_id: str) -> tuple[int, dict[str, Any]]:
            order = state.orders.get(order_id)
            if order is None:
                return 404, {"name": "RESOURCE_NOT_FOUND", "details": [{"issue": "INVALID_RESOURCE_ID"}]}
            if order["status"] == "COMPLETED":
                return 422, {"name": "UNPROCESSABLE_ENTITY", "details": [{"issue": "ORDER_ALREADY_CAPTURED"}]}
            if order["status"] != "APPROVED":
                return 422, {"name": "UNPROCESSABLE_ENTITY", "details": [{"issue": "ORDER_NOT_APPROVED"}]}
            unit = order["purchase_units"][0]
            capture = {
                "id": uuid.uuid4().hex[:17].upper(), "status": "COMPLETED", "amount": unit["amount"],
                "custom_id": unit["custom_id"], "invoice_id": unit["invoice_id"], "final_capture": True,
                "supplementary_data": {"related_ids": {"order_id": order_id}},
                "links": [{"href": f"{SANDBOX_LINK}/v2/payments/captures/x", "rel": "self", "method": "GET"}],
                "_refunded": 0,
            }
            state.captures[capture["id"]] = capture
            unit["payments"] = {"captures": [self._public(capture)]}
            order["status"] = "COMPLETED"
            self._webhook("PAYMENT.CAPTURE.COMPLETED", self._public(capture))
            return 201, self._public(order)

        def _refund(self, capture_id: str, data: dict[str, Any]) -> tuple[int, dict[str, Any]]:
            capture = state.captures.get(capture_id)
            if capture is None:
                return 404, {"name": "RESOURCE_NOT_FOUND", "details": [{"issue": "INVALID_RESOURCE_ID"}]}
            total = _cents(capture["amount"]["value"])
            amount = data.get("amount") or capture["amount"]
            try:
                cents = _cents(amount["value"])
            except (KeyError, TypeError, ArithmeticError, ValueError):
                return 400, {"name": "INVALID_REQUEST", "details": [{"issue": "INVALID_PARAMETER_VALUE"}]}
            if cents <= 0 or capture["_refunded"] + cents > total:
                return 422, {"name": "UNPROCESSABLE_ENTITY", "details": [{"issue": "REFUND_AMOUNT_EXCEEDED"}]}
            capture["_refunded"] += cents
            refund = {"id": uuid.uuid4().hex[:17].upper(), "status": "COMPLETED",
                      "amount": {"currency_code": capture["amount"]["currency_code"], "value": _value(cents)},
                      "custom_id": data.get("custom_id", capture["custom_id"]),
                      "invoice_id": data.get("invoice_id", ""),  # PayPal's refund echoes both, as in its API
                      "links": [{"href": f"{SANDBOX_LINK}/v2/payments/refunds/x", "rel": "self", "method": "GET"}]}
            self._webhook("PAYMENT.CAPTURE.REFUNDED", refund)
            return 201, refund

        def _verify(self, data: dict[str, Any]) -> dict[str, Any]:
            try:
                event = data["webhook_event"]
                expected = sign_event(event, webhook_id=str(data["webhook_id"]),
                                      transmission_id=str(data["transmission_id"]),
                                      transmission_time=str(data["transmission_time"]))["PAYPAL-TRANSMISSION-SIG"]
                ok = isinstance(event, dict) and hmac.compare_digest(expected, str(data["transmission_sig"]))
            except (KeyError, TypeError):
                ok = False
            return {"verification_status": "SUCCESS" if ok else "FAILURE"}

        def _webhook(self, kind: str, resource: dict[str, Any]) -> None:
            for webhook_id, url in list(state.webhooks.items()):
                event = {"id": "WH-EVT-" + uuid.uuid4().hex[:16].upper(), "event_type": kind,
                         "resource_type": "capture" if "CAPTURE.COMPLETED" in kind else "refund",
                         "create_time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), "resource": resource,
                         "links": [{"href": f"{SANDBOX_LINK}/v1/notifications/webhooks-events/x", "rel": "self"}]}
                headers = {"Content-Type": "application/json", **sign_event(event, webhook_id=webhook_id)}
                threading.Thread(target=_deliver, args=(url, event, headers), daemon=True).start()

        # --- the buyer's pages ---
        def _approval_page(self, order_id: str) -> None:
            order = state.orders.get(order_id)
            if order is None:
                return self._send(404, "<p>Unknown order</p>", "text/html; charset=utf-8")
            amount = order["purchase_units"][0]["amount"]
            page = f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>PayPal (fake)</title></head>
<body><h1>PayPal sandbox (local fake)</h1>
<p>Pay <strong>{html.escape(amount['value'])} {html.escape(amount['currency_code'])}</strong> with PayPal.</p>
<form method="post" action="/checkoutnow/decide"><input type="hidden" name="token" value="{html.escape(order_id)}">
<button type="submit" name="decision" value="approve">Approve the payment</button>
<button type="submit" name="decision" value="cancel">Cancel and return</button></form></body></html>"""
            self._send(200, page, "text/html; charset=utf-8")

        def _decide(self) -> None:
            form = parse_qs(self._body().decode())
            order_id = form.get("token", [""])[0]
            with state.lock:
                order = state.orders.get(order_id)
                if order is None:
                    return self._send(404, "<p>Unknown order</p>", "text/html; charset=utf-8")
                approve = form.get("decision", [""])[0] == "approve"
                if approve and order["status"] == "CREATED":
                    order["status"] = "APPROVED"
                target = order["_return_url"] if approve else (order["_cancel_url"] or order["_return_url"])
            separator = "&" if "?" in target else "?"
            query = urlencode({"token": order_id, **({"PayerID": "FAKEPAYER1"} if approve else {})})
            self.send_response(303)
            self.send_header("Location", f"{target}{separator}{query}")
            self.send_header("Content-Length", "0")
            self.end_headers()

    return Handler


def _deliver(url: str, event: dict[str, Any], headers: dict[str, str]) -> None:
    for _attempt in range(5):
        try:
            if httpx.post(url, content=json.dumps(event).encode(), headers=headers, timeout=10).status_code < 300:
                return
        except httpx.HTTPError:
            pass
        threading.Event().wait(2)


def serve(port: int = 0) -> tuple[ThreadingHTTPServer, threading.Thread]:
    """Serve in a thread of this process (tests); returns the server (its port: server.server_port)."""
    server = ThreadingHTTPServer(("127.0.0.1", port), make_handler(State()))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, thread


def main(port: int) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", port), make_handler(State()))
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8421)
    main(parser.parse_args().port)
