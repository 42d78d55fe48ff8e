"""Stripe's payouts, read through its API with the organiser's own secret key:

- `GET /v1/payouts?arrival_date[gte]=…&arrival_date[lte]=…` (what reached the bank in the
  period: the dates organisers see on their statement), newest first, 100 per page with
  `starting_after`;
- for each, `GET /v1/balance_transactions?payout=po_…&expand[]=data.source`: the charges,
  refunds, fees and adjustments it pays out, each with its source expanded so that a charge
  names its PaymentIntent (our Payment's psp_reference) and a refund its re_ id and our refund
  reference (its metadata).

Pages are bounded (MAX_PAYOUT_PAGES, MAX_TRANSACTION_PAGES): a period beyond them is refused
with a message rather than read for ever. Every call has TIMEOUT_SECONDS; in sandbox mode
`settings.STRIPE_API_BASE` (a local fake) replaces Stripe, as for the payment provider."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import stripe
from django.conf import settings

from billetterie.payments.providers.base import ProviderConfig

from .models import PayoutItemKind, PayoutState
from .parsed import ParsedItem, ParsedPayout

TIMEOUT_SECONDS = 20
PAGE = 100
MAX_PAYOUT_PAGES = 20  # 2,000 payouts in one fetch: years of daily payouts
MAX_TRANSACTION_PAGES = 100  # 10,000 lines in one payout

KINDS = {"charge": PayoutItemKind.PAYMENT, "payment": PayoutItemKind.PAYMENT,
         "refund": PayoutItemKind.REFUND, "payment_refund": PayoutItemKind.REFUND,
         "stripe_fee": PayoutItemKind.FEE, "application_fee": PayoutItemKind.FEE, "tax_fee": PayoutItemKind.FEE}
STATES = {s.value for s in PayoutState}


class StripeUnavailable(Exception):
    """Stripe could not be reached, did not answer in time, or refused the key."""


class TooMany(Exception):
    """More pages than the bounds: a shorter period is needed."""


def _client(config: ProviderConfig) -> stripe.StripeClient:
    key = config.credentials.get("secret_key", "")
    if not key or ("_test_" if config.sandbox else "_live_") not in key[:8]:
        raise StripeUnavailable("the secret key is missing or does not match the mode")
    base = settings.STRIPE_API_BASE.rstrip("/") if config.sandbox and settings.STRIPE_API_BASE else ""
    return stripe.StripeClient(
        key, base_addresses={"api": base} if base else None,
        http_client=stripe.HTTPXClient(timeout=TIMEOUT_SECONDS, allow_sync_methods=True),
        max_network_retries=1,
    )


def _pages(list_call: Any, params: dict[str, Any], max_pages: int) -> Iterator[Any]:
    """Every object of a Stripe list, page by page, at most `max_pages` pages."""
    after = ""
    for _page in range(max_pages):
        try:
            page = list_call(params={**params, "limit": PAGE, **({"starting_after": after} if after else {})})
        except stripe.StripeError as exc:  # connection, timeout, key, rate limit, a 4xx or 5xx
            raise StripeUnavailable(str(exc.user_message or exc.__class__.__name__)) from exc
        yield from page.data
        if not page.has_more or not page.data:
            return
        after = page.data[-1].id
    raise TooMany


def _day_bounds(start: date, end: date) -> tuple[int, int]:
    """The period's first and last second, as Stripe's UTC timestamps (a payout's arrival date
    is midnight UTC of that day)."""
    low = datetime.combine(start, time.min, tzinfo=UTC)
    high = datetime.combine(end + timedelta(days=1), time.min, tzinfo=UTC) - timedelta(seconds=1)
    return int(low.timestamp()), int(high.timestamp())


def payouts_fetch(*, config: ProviderConfig, start: date, end: date) -> Iterator[ParsedPayout]:
    """The payouts arriving from `start` to `end`, each with its lines, one at a time (each is
    stored before the next is read)."""
    client = _client(config)
    low, high = _day_bounds(start, end)
    for payout in _pages(client.v1.payouts.list, {"arrival_date": {"gte": low, "lte": high}}, MAX_PAYOUT_PAGES):
        items = [item for txn in _pages(client.v1.balance_transactions.list,
                                        {"payout": payout.id, "expand": ["data.source"]}, MAX_TRANSACTION_PAGES)
                 if (item := _item(txn)) is not None]
        yield ParsedPayout(
            psp_id=str(payout.id), amount_cents=int(payout.amount), currency=str(payout.currency).upper(),
            arrival_date=datetime.fromtimestamp(int(payout.arrival_date), tz=UTC).date(),
            state=str(payout.status) if str(payout.status) in STATES else PayoutState.PENDING, items=items,
        )


def _item(txn: Any) -> ParsedItem | None:
    """A balance transaction as a payout line; the payout's own transaction is not one."""
    data: dict[str, Any] = txn.to_dict()
    kind_raw = str(data.get("type", ""))
    if kind_raw in ("payout", "payout_cancel", "payout_failure"):
        return None
    source = data.get("source")
    source_id, keys = "", tuple[str, ...]()
    if isinstance(source, str):
        source_id, keys = source, (source,)
    elif isinstance(source, dict):
        source_id = str(source.get("id", ""))
        metadata = source.get("metadata") or {}
        keys = tuple(str(k) for k in (source.get("payment_intent"), source_id, metadata.get("refund_reference"),
                                      metadata.get("payment_reference")) if k)
    created = data.get("created")
    return ParsedItem(
        psp_id=str(data["id"]), kind=KINDS.get(kind_raw, PayoutItemKind.ADJUSTMENT), gross_cents=int(data["amount"]),
        fee_cents=int(data.get("fee") or 0), net_cents=int(data["net"]), psp_reference=source_id[:200], keys=keys,
        description=str(data.get("description") or kind_raw)[:300], currency=str(data.get("currency", "eur")).upper(),
        booked_on=datetime.fromtimestamp(int(created), tz=UTC).date() if created else None,
    )
