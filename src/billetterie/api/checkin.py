"""Check-in API: lists with counts, redeem, search, undo, the offline bundle and the sync of
offline scans. Token permission `checkin`; every scan answer is a 200 with a `result`."""

from __future__ import annotations

import base64
import json
import time
from datetime import datetime
from typing import Literal

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema
from pydantic import AwareDatetime

from billetterie.checkin import ratelimit
from billetterie.checkin.messages import result_message
from billetterie.checkin.models import ScanResult
from billetterie.checkin.selectors import (
    ListScope,
    TicketRow,
    checkin_counts,
    checkin_counts_by_date,
    checkin_list_scope,
    lists_of_organizers,
    revoked_pairs,
    test_ticket_pairs,
    ticket_rows,
    ticket_search,
)
from billetterie.checkin.services import OfflineScan, ScanOutcome, scan_redeem, scan_undo, scans_sync
from billetterie.core import clock
from billetterie.core.errors import NotFound
from billetterie.organizers.models import Organizer
from billetterie.tickets.selectors import event_public_key_cached
from billetterie.tickets.signing import VERSION

from .auth import TokenAuth, request_token
from .errors import ERRORS, RATE_LIMITED
from .models import ApiPermission, ApiToken
from .schemas import Id
from .services import token_hash


class ScannerTokenAuth(TokenAuth):
    """TokenAuth, remembered for two seconds by each process: a door scanner sends many requests
    a second, and each would otherwise cost cache round trips. A revoked token stops working
    everywhere within those two seconds."""

    MEMO_SECONDS = 2.0
    _memo: dict[str, tuple[float, ApiToken]] = {}

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        row = self.remembered(token)
        if row is not None:
            return row
        row = super().authenticate(request, token)
        if row is not None:
            if len(self._memo) > 1000:
                self._memo.clear()
            self._memo[token_hash(token.strip())] = (time.monotonic() + self.MEMO_SECONDS, row)
        return row

    @classmethod
    def remembered(cls, token: str) -> ApiToken | None:
        """The token when this process authenticated it for check-in in the last two seconds."""
        memo = cls._memo.get(token_hash(token.strip()))
        return memo[1] if memo is not None and memo[0] > time.monotonic() else None


router = Router(tags=["check-in"], auth=ScannerTokenAuth(ApiPermission.CHECKIN))

READ_ERRORS = ERRORS
SCAN_ERRORS = {**ERRORS, **RATE_LIMITED}  # unknown tickets and searches are counted per token

Result = Literal[
    "ok", "already_redeemed", "unknown", "revoked", "wrong_event", "wrong_list_or_date", "unpaid", "test_ticket"
]
# a synced scan may also be refused alone because the device gave its id to another ticket (/redeem
# answers that with a 422 `scan_id_reused`)
SyncResult = Literal[
    "ok", "already_redeemed", "unknown", "revoked", "wrong_event", "wrong_list_or_date", "unpaid", "test_ticket",
    "scan_id_reused",
]


class ListOut(Schema):
    id: int
    name: str
    event_id: int
    event_title: str
    all_products: bool
    product_ids: list[int]
    date_ids: list[int]
    accept_test_tickets: bool = Field(
        False, description="Tickets of test orders (paid in a test mode) enter here; else their result is test_ticket"
    )
    checked_in: int = Field(description="Tickets scanned in (Contrôlés)")
    sold: int = Field(description="Paid tickets this list admits (Quantité)")


class DateCountOut(Schema):
    date_id: int | None
    start: datetime | None
    checked_in: int
    sold: int


class ListDetailOut(ListOut):
    dates: list[DateCountOut]


class TicketOut(Schema):
    line_id: int
    serial: str
    name: str
    label: str
    date_id: int | None
    checked_in_at: datetime | None = None
    checked_in_device: str = ""


class RedeemIn(Schema):
    text: str = Field(max_length=200, description="The QR code's text (signed payload) or the ticket's serial")
    device_id: str = Field(max_length=64)
    client_scan_id: str | None = Field(
        None, max_length=64,
        description="Made by the device, one per scan: a retried scan (or its offline copy) counts once; "
        "the same id for another ticket is refused (422 `scan_id_reused`)",
    )


class RedeemOut(Schema):
    result: Result
    ok: bool
    message: str
    ticket: TicketOut | None = None
    first_scanned_at: datetime | None = Field(None, description="already_redeemed: when it entered")
    first_device: str = Field("", description="already_redeemed: on which device")
    conflict: bool = Field(False, description="An offline scan met another device's entry at sync")


class UndoIn(Schema):
    line_id: Id
    device_id: str = Field(max_length=64)


class RevokedOut(Schema):
    line_id: int
    nonce: str


class BundleTicketOut(Schema):
    line_id: int
    nonce: str
    serial: str
    name: str
    label: str
    date_id: int | None
    checked_in_at: datetime | None
    checked_in_device: str


class TestTicketOut(Schema):
    line_id: int
    nonce: str
    serial: str


class BundleOut(Schema):
    checkin_list: ListOut
    generated_at: datetime
    public_key: str = Field(description="The event's Ed25519 public key, base64 (raw 32 bytes)")
    payload_version: int
    revoked: list[RevokedOut]
    tickets: list[BundleTicketOut]
    test_tickets: list[TestTicketOut] = Field(
        default_factory=list,
        description="Tickets of test orders, refused here with test_ticket (empty when the list accepts them); "
        "a payload with the test flag (the version byte's high bit) is refused too",
    )


class SyncScanIn(Schema):
    client_scan_id: str = Field(min_length=1, max_length=64)
    text: str = Field(max_length=200)
    # with its offset: a naive time is in no known zone (the scanner page sends toISOString()'s Z)
    scanned_at: AwareDatetime


class SyncIn(Schema):
    device_id: str = Field(max_length=64)
    scans: list[SyncScanIn] = Field(max_length=500)


class SyncOut(Schema):
    client_scan_id: str
    result: SyncResult
    ok: bool
    conflict: bool
    message: str
    ticket: TicketOut | None = None
    first_scanned_at: datetime | None = None
    first_device: str = ""


def _scope(request: HttpRequest, list_id: int) -> ListScope:
    return checkin_list_scope(list_id=list_id, organizer_id=request_token(request).organizer_id)


def _list_out(scope: ListScope) -> ListOut:
    counts = checkin_counts(scope=scope)
    return ListOut(
        id=scope.id, name=scope.name, event_id=scope.event_id, event_title=scope.event_title,
        all_products=scope.all_products, product_ids=sorted(scope.product_ids), date_ids=sorted(scope.date_ids),
        accept_test_tickets=scope.accept_test_tickets, checked_in=counts.checked_in, sold=counts.sold,
    )


def _ticket_out(row: TicketRow) -> TicketOut:
    return TicketOut(
        line_id=row.line_id, serial=row.serial, name=row.name, label=row.label, date_id=row.date_id,
        checked_in_at=row.checked_in_at, checked_in_device=row.checked_in_device,
    )


def _message(outcome: ScanOutcome) -> str:
    return outcome.message or result_message(outcome.result)


def _scanned_ticket_out(outcome: ScanOutcome) -> TicketOut | None:
    t = outcome.ticket
    if t is None:
        return None
    return TicketOut(line_id=t.line_id, serial=t.serial, name=t.name, label=t.label, date_id=t.date_id)


def _redeem_out(outcome: ScanOutcome) -> RedeemOut:
    return RedeemOut(
        result=outcome.result, ok=outcome.ok, message=_message(outcome),  # type: ignore[arg-type]
        ticket=_scanned_ticket_out(outcome), first_scanned_at=outcome.first_scanned_at,
        first_device=outcome.first_device, conflict=outcome.conflict,
    )


def _sync_out(client_scan_id: str, outcome: ScanOutcome) -> SyncOut:
    return SyncOut(
        client_scan_id=client_scan_id, result=outcome.result, ok=outcome.ok, conflict=outcome.conflict,  # type: ignore[arg-type]
        message=_message(outcome), ticket=_scanned_ticket_out(outcome),
        first_scanned_at=outcome.first_scanned_at, first_device=outcome.first_device,
    )


@router.get("/checkin/lists", response={200: list[ListOut], **READ_ERRORS}, summary="Check-in lists and counts")
def lists(request: HttpRequest) -> list[ListOut]:
    """The organiser's check-in lists with tickets scanned in against tickets sold."""
    token = request_token(request)
    rows = lists_of_organizers(organizers=Organizer.objects.filter(pk=token.organizer_id))
    return [_list_out(checkin_list_scope(list_id=r.pk, organizer_id=token.organizer_id)) for r in rows]


@router.get("/checkin/lists/{list_id}", response={200: ListDetailOut, **READ_ERRORS}, summary="One list, by date")
def list_detail(request: HttpRequest, list_id: int) -> ListDetailOut:
    scope = _scope(request, list_id)
    dates = [DateCountOut(**d.__dict__) for d in checkin_counts_by_date(scope=scope)]
    return ListDetailOut(**_list_out(scope).dict(), dates=dates)


@router.post("/checkin/lists/{list_id}/redeem", response={200: RedeemOut, **SCAN_ERRORS}, summary="Scan a ticket")
def redeem(request: HttpRequest, list_id: int, body: RedeemIn) -> HttpResponse:
    """Check a ticket in. `result`: ok; already_redeemed (with `first_scanned_at` and
    `first_device`); unknown; revoked (cancelled, refunded or reissued); wrong_event;
    wrong_list_or_date; unpaid; test_ticket (an order paid in a test mode, at a list that does
    not accept test tickets). Too many unknown tickets in a minute: 429. A `client_scan_id`
    this device already gave another ticket: 422 `scan_id_reused`, nothing recorded."""
    return redeem_answer(request_token(request), list_id, body)


def redeem_answer(token: ApiToken, list_id: int, body: RedeemIn) -> HttpResponse:
    """The redeem endpoint's work, shared with the scanners' fast lane (api/fastlane.py)."""
    scope = checkin_list_scope(list_id=list_id, organizer_id=token.organizer_id)
    subject = token.token_hash[:24]
    ratelimit.lookups_check(subject=subject)
    outcome = scan_redeem(
        scope=scope, text=body.text, device_id=body.device_id, client_scan_id=body.client_scan_id or None
    )
    if outcome.result == ScanResult.UNKNOWN:
        ratelimit.lookup_failed(subject=subject)
    return _redeem_json(outcome)


def _redeem_json(outcome: ScanOutcome) -> HttpResponse:
    """The RedeemOut document written directly (the busiest endpoint: no second validation of
    what we build here ourselves); same fields as the schema, checked by the tests."""
    t = outcome.ticket
    body = {
        "result": outcome.result, "ok": outcome.ok, "message": _message(outcome),
        "ticket": None if t is None else {
            "line_id": t.line_id, "serial": t.serial, "name": t.name, "label": t.label, "date_id": t.date_id,
            "checked_in_at": None, "checked_in_device": "",
        },
        "first_scanned_at": outcome.first_scanned_at,
        "first_device": outcome.first_device, "conflict": outcome.conflict,
    }
    text = json.dumps(body, ensure_ascii=False, cls=DjangoJSONEncoder)  # as the API's renderer writes times
    return HttpResponse(text, content_type="application/json; charset=utf-8")


@router.post("/checkin/lists/{list_id}/undo", response={200: RedeemOut, **SCAN_ERRORS}, summary="Undo a scan")
def undo(request: HttpRequest, list_id: int, body: UndoIn) -> RedeemOut:
    """Cancel the entry of a ticket scanned by mistake: it may enter again. 404 when it has none."""
    outcome = scan_undo(scope=_scope(request, list_id), line_id=body.line_id, device_id=body.device_id)
    return _redeem_out(outcome)


@router.get(
    "/checkin/lists/{list_id}/search", response={200: list[TicketOut], **SCAN_ERRORS},
    summary="Find a ticket by name or order code",
)
def search(request: HttpRequest, list_id: int, q: str = "") -> list[TicketOut]:
    """Tickets of the list whose attendee or buyer name contains `q`, or whose order code or
    serial is `q` (at most 20). Limited per token and minute (429)."""
    token = request_token(request)
    scope = checkin_list_scope(list_id=list_id, organizer_id=token.organizer_id)
    ratelimit.search_check(subject=token.token_hash[:24])
    return [_ticket_out(r) for r in ticket_search(scope=scope, query=q)]


@router.get("/checkin/lists/{list_id}/bundle", response={200: BundleOut, **READ_ERRORS}, summary="Offline bundle")
def bundle(request: HttpRequest, list_id: int) -> BundleOut:
    """What a scanner keeps to work offline: the event's public key, the revoked payloads and the
    list's tickets (names, current nonce, entry if any)."""
    scope = _scope(request, list_id)
    generated_at = clock.now()
    try:
        public_key = event_public_key_cached(event_id=scope.event_id)
    except NotFound:  # no ticket sold yet: nothing to verify until the next bundle
        public_key = b""
    return BundleOut(
        checkin_list=_list_out(scope), generated_at=generated_at,
        public_key=base64.b64encode(public_key).decode(), payload_version=VERSION,
        revoked=[RevokedOut(line_id=line_id, nonce=nonce) for line_id, nonce in revoked_pairs(scope=scope)],
        test_tickets=[TestTicketOut(line_id=line_id, nonce=nonce, serial=serial)
                      for line_id, nonce, serial in test_ticket_pairs(scope=scope)],
        tickets=[
            BundleTicketOut(
                line_id=r.line_id, nonce=r.nonce, serial=r.serial, name=r.name, label=r.label, date_id=r.date_id,
                checked_in_at=r.checked_in_at, checked_in_device=r.checked_in_device,
            )
            for r in ticket_rows(scope=scope)
        ],
    )


@router.post(
    "/checkin/lists/{list_id}/sync", response={200: list[SyncOut], **SCAN_ERRORS}, summary="Sync offline scans"
)
def sync(request: HttpRequest, list_id: int, body: SyncIn) -> list[SyncOut]:
    """Send the scans made offline (at most 500), each `scanned_at` with its UTC offset (422
    without). Idempotent by `client_scan_id`. When another device let the same ticket in, both
    scans are flagged `conflict` and the first scan wins. A scan whose `client_scan_id` the device
    already gave another ticket gets `result` `scan_id_reused` (not ok, nothing recorded); the
    others are applied. Unknown tickets count towards the same limit as on redeem: past it the
    answer is a 429, the scans before it are applied, and sending the batch again later is safe."""
    scope = _scope(request, list_id)
    subject = request_token(request).token_hash[:24]
    ratelimit.lookups_check(subject=subject)
    outcomes = scans_sync(
        scope=scope, device_id=body.device_id,
        scans=[OfflineScan(client_scan_id=s.client_scan_id, text=s.text, scanned_at=s.scanned_at) for s in body.scans],
        on_unknown=lambda: ratelimit.lookup_failed(subject=subject),
    )
    scans = sorted(body.scans, key=lambda s: s.scanned_at)  # the order scans_sync answers in
    return [_sync_out(scan.client_scan_id, outcome) for scan, outcome in zip(scans, outcomes, strict=True)]
