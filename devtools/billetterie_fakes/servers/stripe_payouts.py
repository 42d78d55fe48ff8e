"""A small fake of Stripe's payouts reporting API, on 127.0.0.1 only (localstripe has no
balance transactions per payout, nor the list filters): for the tests of `billetterie.payouts`.

    python -m billetterie_fakes.servers.stripe_payouts --port 8422

It speaks the documented endpoints the payouts import uses, with Stripe's list envelope
(`object: list`, `data`, `has_more`), its pagination (`limit` 1–100, `starting_after`, newest
first) and its bearer secret key:

  GET  /v1/payouts                 arrival_date[gte|lte|gt|lt], created[gte|lte|gt|lt]
  GET  /v1/payouts/{id}
  GET  /v1/balance_transactions    payout=po_…, type=…, expand[]=data.source
  POST /v1/refunds                 payment_intent, amount, metadata[…] (Idempotency-Key replayed),
                                   so that refunds made through the Stripe provider get an re_ id

Its content is set by the tests in the same process (`State.charge_add`, `State.payout_add`);
`State.delay` makes every answer that late (a Stripe that does not answer in time), and
`State.requests` lists the paths asked, to count the pages."""

from __future__ import annotations

import argparse
import itertools
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

MAX_LIMIT = 100


@dataclass
class State:
    lock: threading.Lock = field(default_factory=threading.Lock)
    payouts: dict[str, dict[str, Any]] = field(default_factory=dict)
    transactions: list[dict[str, Any]] = field(default_factory=list)
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)  # ch_/re_/py_ id → object
    replies: dict[str, dict[str, Any]] = field(default_factory=dict)  # idempotency key → refund
    requests: list[str] = field(default_factory=list)
    delay: float = 0.0
    _clock: itertools.count[int] = field(default_factory=lambda: itertools.count(1_700_000_000))

    def _id(self, prefix: str) -> str:
        return f"{prefix}_{uuid.uuid4().hex[:24]}"

    def charge_add(self, *, payment_intent: str, amount: int, currency: str = "eur") -> str:
        """A charge of a PaymentIntent (what Stripe makes when the card is confirmed); its id."""
        charge_id = self._id("ch")
        self.sources[charge_id] = {"id": charge_id, "object": "charge", "amount": amount, "currency": currency,
                                   "payment_intent": payment_intent, "metadata": {}, "status": "succeeded"}
        return charge_id

    def payout_add(self, *, arrival_date: int, transactions: list[dict[str, Any]], status: str = "paid",
                   currency: str = "eur", created: int | None = None, amount: int | None = None) -> str:
        """A payout of these balance transactions, each {"source": id, "amount": …, "fee": …,
        "type": "charge" | "refund" | "adjustment" | "stripe_fee"}; its amount is their net sum
        unless given. Its own "payout" transaction is added, as Stripe lists it."""
        payout_id = self._id("po")
        created = created if created is not None else arrival_date - 2 * 86_400
        total = 0
        for spec in transactions:
            fee = int(spec.get("fee", 0))
            net = int(spec["amount"]) - fee
            total += net
            self.transactions.append({
                "id": self._id("txn"), "object": "balance_transaction", "amount": int(spec["amount"]), "fee": fee,
                "net": net, "currency": currency, "type": spec.get("type", "charge"),
                "source": spec.get("source"), "created": next(self._clock), "payout": payout_id,
                "description": spec.get("description"), "status": "available", "reporting_category":
                spec.get("type", "charge"),
            })
        amount = total if amount is None else amount
        self.transactions.append({
            "id": self._id("txn"), "object": "balance_transaction", "amount": -amount, "fee": 0, "net": -amount,
            "currency": currency, "type": "payout", "source": payout_id, "created": next(self._clock),
            "payout": payout_id, "description": "STRIPE PAYOUT", "status": "available",
            "reporting_category": "payout",
        })
        self.payouts[payout_id] = {
            "id": payout_id, "object": "payout", "amount": amount, "currency": currency, "arrival_date": arrival_date,
            "created": created, "status": status, "automatic": True, "method": "standard", "type": "bank_account",
            "balance_transaction": self.transactions[-1]["id"], "livemode": False, "_order": next(self._clock),
        }
        return payout_id


def _range(query: dict[str, list[str]], name: str) -> tuple[int | None, int | None]:
    """created[gte]=… → the inclusive bounds (gt/lt made inclusive)."""
    low = high = None
    for op, shift in (("gte", 0), ("gt", 1)):
        if f"{name}[{op}]" in query:
            low = int(query[f"{name}[{op}]"][0]) + shift
    for op, shift in (("lte", 0), ("lt", -1)):
        if f"{name}[{op}]" in query:
            high = int(query[f"{name}[{op}]"][0]) + shift
    return low, high


def _page(items: list[dict[str, Any]], query: dict[str, list[str]], url: str) -> tuple[int, dict[str, Any]]:
    try:
        limit = int(query.get("limit", ["10"])[0])
    except ValueError:
        limit = 0
    if not 1 <= limit <= MAX_LIMIT:
        return 400, _error("limit must be between 1 and 100")
    start = 0
    after = query.get("starting_after", [""])[0]
    if after:
        ids = [item["id"] for item in items]
        if after not in ids:
            return 400, _error(f"No such object: '{after}'")
        start = ids.index(after) + 1
    data = items[start:start + limit]
    return 200, {"object": "list", "url": url, "has_more": start + limit < len(items), "data": data}


def _error(message: str, kind: str = "invalid_request_error") -> dict[str, Any]:
    return {"error": {"type": kind, "message": message}}


def _public(obj: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if not k.startswith("_")}


def make_handler(state: State) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _send(self, status: int, body: dict[str, Any]) -> None:
            if state.delay:
                time.sleep(state.delay)
            raw = json.dumps(body).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.send_header("Request-Id", "req_" + uuid.uuid4().hex[:14])
                self.end_headers()
                self.wfile.write(raw)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up waiting
                pass

        def _authorised(self) -> bool:
            return self.headers.get("Authorization", "").startswith("Bearer sk_test_")

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = parse_qs(parts.query)
            state.requests.append(self.path)
            if not self._authorised():
                return self._send(401, _error("Invalid API Key provided", "invalid_request_error"))
            segments = parts.path.strip("/").split("/")
            with state.lock:
                if parts.path == "/v1/payouts":
                    status, body = self._payouts(query)
                elif segments[:2] == ["v1", "payouts"] and len(segments) == 3:
                    payout = state.payouts.get(segments[2])
                    status, body = (200, _public(payout)) if payout else (404, _error("No such payout"))
                elif parts.path == "/v1/balance_transactions":
                    status, body = self._transactions(query)
                else:
                    status, body = 404, _error(f"Unrecognized request URL (GET: {parts.path})")
            self._send(status, body)

        def _payouts(self, query: dict[str, list[str]]) -> tuple[int, dict[str, Any]]:
            try:
                arrival = _range(query, "arrival_date")
                created = _range(query, "created")
            except ValueError:
                return 400, _error("Invalid integer")
            found = [p for p in state.payouts.values()
                     if (arrival[0] is None or p["arrival_date"] >= arrival[0])
                     and (arrival[1] is None or p["arrival_date"] <= arrival[1])
                     and (created[0] is None or p["created"] >= created[0])
                     and (created[1] is None or p["created"] <= created[1])]
            found.sort(key=lambda p: (p["created"], p["_order"]), reverse=True)
            return _page([_public(p) for p in found], query, "/v1/payouts")

        def _transactions(self, query: dict[str, list[str]]) -> tuple[int, dict[str, Any]]:
            payout = query.get("payout", [""])[0]
            kind = query.get("type", [""])[0]
            if payout and payout not in state.payouts:
                return 404, _error(f"No such payout: '{payout}'")
            expand = "data.source" in query.get("expand[]", []) + query.get("expand[0]", [])
            found = [t for t in state.transactions
                     if (not payout or t["payout"] == payout) and (not kind or t["type"] == kind)]
            found = sorted(found, key=lambda t: t["created"], reverse=True)
            status, body = _page(found, query, "/v1/balance_transactions")
            if status == 200:
                body["data"] = [self._expanded(t) if expand else dict(t) for t in body["data"]]
            return status, body

        @staticmethod
        def _expanded(txn: dict[str, Any]) -> dict[str, Any]:
            out = dict(txn)
            source = out.get("source")
            if isinstance(source, str) and source in state.sources:
                out["source"] = dict(state.sources[source])
            elif isinstance(source, str) and source in state.payouts:
                out["source"] = _public(state.payouts[source])
            return out

        def do_POST(self) -> None:
            parts = urlsplit(self.path)
            state.requests.append(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            form = parse_qs(self.rfile.read(length).decode())
            if not self._authorised():
                return self._send(401, _error("Invalid API Key provided"))
            if parts.path != "/v1/refunds":
                return self._send(404, _error(f"Unrecognized request URL (POST: {parts.path})"))
            key = self.headers.get("Idempotency-Key", "")
            with state.lock:
                if key and key in state.replies:
                    return self._send(200, state.replies[key])
                refund_id = state._id("re")
                metadata = {k[9:-1]: v[0] for k, v in form.items() if k.startswith("metadata[")}
                refund = {"id": refund_id, "object": "refund", "status": "succeeded",
                          "amount": int(form.get("amount", ["0"])[0]), "currency": "eur",
                          "payment_intent": form.get("payment_intent", [""])[0], "metadata": metadata}
                state.sources[refund_id] = refund
                if key:
                    state.replies[key] = refund
            self._send(200, refund)

    return Handler


def serve(port: int = 0, state: State | None = None) -> tuple[ThreadingHTTPServer, State]:
    """Serve in a thread of this process (tests); the server (its port: server.server_port) and
    the state the test fills."""
    state = state or State()
    server = ThreadingHTTPServer(("127.0.0.1", port), make_handler(state))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, state


def main(port: int) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", port), make_handler(State()))
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8422)
    main(parser.parse_args().port)
