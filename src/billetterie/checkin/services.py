"""Check-in: redeem a ticket at a door, undo an entry, sync the scans of an offline device.

The hot path (one scan) is one read of the order line and one conditional insert: the partial
unique index `scan_first_entry_wins` lets exactly one accepted entry per ticket and list exist,
so two devices scanning the same ticket at the same moment get one "ok" and one
"already_redeemed", whatever the database."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billetterie.catalog.models import Event, Product, ProductKind
from billetterie.core import clock
from billetterie.core.audit import audit_record
from billetterie.core.errors import Conflict, InvalidInput, NotFound
from billetterie.core.ids import secrets_equal
from billetterie.orders.models import Order, OrderLine
from billetterie.payments.models import Payment, PaymentState, Refund
from billetterie.tickets.selectors import event_public_key_cached
from billetterie.tickets.signing import (
    PAYLOAD_TEXT_LENGTH,
    TicketClaims,
    ticket_event_id,
    ticket_verifier,
    ticket_verify,
)

from .models import CheckinList, Scan, ScanKind, ScanResult
from .selectors import (
    ADMITTING_STATE,
    REFUND_COUNTING_STATES,
    UNPAID_STATES,
    ListScope,
    checkin_scope_cache_clear,
    entries_of_list,
)

SERIAL_RE = re.compile(r"^([A-Z0-9]{4,12})-([0-9]{1,10})$")
OFFLINE_MAX_AGE = timedelta(days=7)
SYNC_MAX_SCANS = 500
# a scan refused because its client id already named another scan of another ticket (no ScanResult:
# nothing is recorded, the id's row belongs to the other scan)
SCAN_ID_REUSED = "scan_id_reused"


@dataclass(frozen=True)
class TicketInfo:
    line_id: int
    serial: str
    name: str
    label: str
    date_id: int | None


@dataclass(frozen=True)
class ScanOutcome:
    result: str
    ticket: TicketInfo | None = None
    scan_id: int | None = None
    first_scanned_at: datetime | None = None  # already_redeemed: when and where it entered
    first_device: str = ""
    conflict: bool = False  # an offline scan that met another device's entry at sync
    message: str = ""  # for a result that is no ScanResult (SCAN_ID_REUSED): what to tell the device

    @property
    def ok(self) -> bool:
        return self.result == ScanResult.OK


class ScanIdReused(InvalidInput):
    """The device sent a client scan id it had already given a scan of another ticket (an app
    whose counter restarted): that id names the other scan, so this one cannot be recorded, and
    answering the other scan's result would tell the door about the wrong ticket."""

    code = SCAN_ID_REUSED

    def __init__(self, *, ticket: TicketInfo) -> None:
        super().__init__(
            _("This device already used this scan id for another ticket: give each scan its own id.")
        )
        self.ticket = ticket


@dataclass(frozen=True)
class _Line:
    id: int
    nonce: str
    product_id: int
    date_id: int | None
    name: str
    label: str
    event_id: int
    state: str
    code: str
    organizer_id: int
    refunded: bool = False
    test: bool = False  # a test order's ticket (decision 0010)

    def info(self) -> TicketInfo:
        return TicketInfo(self.id, f"{self.code}-{self.id}", self.name, self.label, self.date_id)


def _fetchone(sql: str, params: list[Any] | dict[str, Any]) -> tuple[Any, ...] | None:
    """One row of a hot-path statement. On PostgreSQL the statement is prepared once per
    connection and then only executed (PostgreSQL plans it once instead of every scan): that
    needs a server-side binding cursor, Django's own binds client side and never prepares.
    Elsewhere through Django's cursor."""
    if connection.vendor == "postgresql":
        import psycopg

        connection.ensure_connection()
        with psycopg.Cursor(connection.connection) as cursor:
            row: tuple[Any, ...] | None = cursor.execute(sql, params, prepare=True).fetchone()
        return row
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()  # type: ignore[no-any-return]


_SQL: dict[str, str] = {}


def _line_select() -> str:
    """SELECT of a ticket line with its order, event and refunded amount (`l.id = %(line)s`)."""
    qn = connection.ops.quote_name
    line_t, order_t, product_t, payment_t, refund_t = (
        qn(m._meta.db_table) for m in (OrderLine, Order, Product, Payment, Refund)
    )
    states = ", ".join(f"'{s}'" for s in REFUND_COUNTING_STATES)
    # refunded in full: every refund (started or done) adds up to what the order received, as the
    # order balance says (payments/balance.py): a duplicate payment refunded leaves the ticket valid
    return (
        "SELECT l.id, l.ticket_nonce, l.product_id, l.date_id, l.attendee_name, l.label, p.event_id, "  # noqa: S608
        f"o.state, o.code, o.organizer_id, o.name, "
        f"(SELECT COALESCE(SUM(rp.amount_cents - rp.fee_cents), 0) FROM {payment_t} rp "
        f"WHERE rp.order_id = o.id AND rp.state = '{PaymentState.CONFIRMED.value}') AS received, "
        f"(SELECT COALESCE(SUM(r.amount_cents), 0) FROM {refund_t} r JOIN {payment_t} pay "
        f"ON pay.id = r.payment_id WHERE pay.order_id = o.id AND r.state IN ({states})) AS refunded, "
        "o.testmode "
        f"FROM {line_t} l JOIN {order_t} o ON o.id = l.order_id "
        f"JOIN {product_t} p ON p.id = l.product_id WHERE l.id = %(line)s AND l.kind = 'ticket'"
    )


def _line_of(row: tuple[Any, ...]) -> _Line:
    nonce = bytes(row[1]).hex() if row[1] is not None else ""
    refunded = 0 < row[11] <= row[12]  # refunded in full (or being): the tickets no longer admit
    return _Line(row[0], nonce, row[2], row[3], row[4] or row[10], row[5], row[6], row[7], row[8], row[9], refunded,
                 bool(row[13]))


def _line(line_id: int) -> _Line | None:
    """The ticket line with its order and event, in one statement (the hot path of a scan: plain
    SQL, no ORM query to compile per scan)."""
    if not 0 < line_id < 2**63:
        return None
    if "line" not in _SQL:
        _SQL["line"] = _line_select()
    row = _fetchone(_SQL["line"], {"line": line_id})
    return _line_of(row) if row is not None else None


def _line_and_entry(
    scope: ListScope, line_id: int, nonce: str, base: dict[str, Any]
) -> tuple[_Line | None, int | None]:
    """PostgreSQL, a verified payload: read the line and, when every rule admits it, insert the
    entry, in one statement (one round trip for a good scan). Returns the line and the new
    entry's id (None: not entered; the caller works out why with the same rules in Python)."""
    if not 0 < line_id < 2**63:
        return None, None
    if "enter" not in _SQL:
        qn = connection.ops.quote_name
        columns = ", ".join(qn(c) for c in (*_COLUMNS, "undone_at"))
        _SQL["enter"] = (
            f"WITH l AS ({_line_select()}), ins AS ("  # noqa: S608
            f"INSERT INTO {qn(Scan._meta.db_table)} ({columns}) "
            "SELECT %(list)s, l.id, 'entry', 'ok', %(device)s, %(client_id)s, %(now)s, %(client_at)s, "
            "%(offline)s, false, NULL FROM l WHERE l.event_id = %(event)s AND l.state = %(paid)s "
            "AND l.ticket_nonce = %(nonce)s AND NOT (l.received > 0 AND l.refunded >= l.received) "
            "AND (%(test_ok)s OR NOT l.testmode) "
            "AND (%(all)s OR l.product_id = ANY(%(products)s::bigint[])) "
            "AND (cardinality(%(dates)s::bigint[]) = 0 OR l.date_id = ANY(%(dates)s::bigint[])) "
            "ON CONFLICT DO NOTHING RETURNING id) SELECT l.*, (SELECT id FROM ins) FROM l"
        )
    row = _fetchone(_SQL["enter"], {
        "line": line_id, "list": scope.id, "device": base["device_id"], "client_id": base["client_scan_id"],
        "now": base["scanned_at"], "client_at": base["client_scanned_at"], "offline": base["offline"],
        "event": scope.event_id, "paid": ADMITTING_STATE.value, "nonce": bytes.fromhex(nonce),
        "all": scope.all_products, "products": sorted(scope.product_ids), "dates": sorted(scope.date_ids),
        "test_ok": scope.accept_test_tickets,
    })
    if row is None:
        return None, None
    return _line_of(row), row[14]


def _other_event_ticket(scope: ListScope, text: str) -> bool:
    """A genuine ticket of another event of the same organiser (else: unknown, telling nothing)."""
    event_id = ticket_event_id(text=text)
    if event_id is None or event_id == scope.event_id:
        return False
    if not Event.objects.filter(pk=event_id, organizer_id=scope.organizer_id).exists():
        return False
    try:
        public_key = event_public_key_cached(event_id=event_id)
    except NotFound:
        return False
    return ticket_verify(text=text, public_key=public_key, event_id=event_id) is not None


_verifiers: dict[tuple[int, bytes], Callable[[str], TicketClaims | None] | None] = {}


def _verifier(event_id: int) -> Callable[[str], TicketClaims | None] | None:
    """The event's ticket verifier, its public key loaded once per process (None: no key yet)."""
    try:
        public_key = event_public_key_cached(event_id=event_id)
    except NotFound:  # no ticket of this event was ever signed
        return None
    key = (event_id, public_key)
    if key not in _verifiers:
        _verifiers[key] = ticket_verifier(public_key=public_key, event_id=event_id)
    return _verifiers[key]


def _identify(
    scope: ListScope, text: str, base: dict[str, Any] | None = None
) -> tuple[str | None, _Line | None, int | None]:
    """(refusal or None, the ticket's line when known, the entry made on the way or None).

    With `base` on PostgreSQL, a good payload's entry is inserted by the same statement that reads
    its line; the rules below then only explain a refusal."""
    entered: int | None = None
    text = text.strip()
    serial = SERIAL_RE.match(text.upper()) if len(text) < 30 else None
    if len(text) == PAYLOAD_TEXT_LENGTH:
        verify = _verifier(scope.event_id)
        claims = verify(text) if verify is not None else None
        if claims is None:
            return (ScanResult.WRONG_EVENT if _other_event_ticket(scope, text) else ScanResult.UNKNOWN), None, None
        if base is not None and connection.vendor == "postgresql":
            line, entered = _line_and_entry(scope, claims.line_id, claims.nonce, base)
        else:
            line = _line(claims.line_id)
        if line is None or line.event_id != scope.event_id:
            return ScanResult.UNKNOWN, None, None
        if not secrets_equal(claims.nonce, line.nonce):
            return ScanResult.REVOKED, line, None  # a payload we signed, for a nonce since replaced
        test = line.test or claims.test
    elif serial is not None:
        line = _line(int(serial.group(2)))
        if line is None or line.organizer_id != scope.organizer_id or not secrets_equal(serial.group(1), line.code):
            return ScanResult.UNKNOWN, None, None
        if line.event_id != scope.event_id:
            return ScanResult.WRONG_EVENT, None, None
        test = line.test
    else:
        return ScanResult.UNKNOWN, None, None
    if line.state in UNPAID_STATES:
        return ScanResult.UNPAID, line, None
    if line.state != ADMITTING_STATE or not line.nonce or line.refunded:
        return ScanResult.REVOKED, line, None
    if test and not scope.accept_test_tickets:  # paid with test money: no entry at a live door
        return ScanResult.TEST_TICKET, line, None
    if not scope.admits(product_id=line.product_id, date_id=line.date_id):
        return ScanResult.WRONG_LIST_OR_DATE, line, None
    return None, line, entered


_INSERT_SQL: str | None = None
_COLUMNS = (
    "checkin_list_id", "line_id", "kind", "result", "device_id", "client_scan_id", "scanned_at",
    "client_scanned_at", "offline", "conflict",
)


def _insert_scan(**values: Any) -> int | None:
    """INSERT … ON CONFLICT DO NOTHING RETURNING id: the new scan's id, or None when a unique
    rule (first entry wins, client scan id once) kept it out. One statement, no savepoint."""
    global _INSERT_SQL
    if _INSERT_SQL is None:
        # names from the model, values as parameters
        qn = connection.ops.quote_name
        columns = ", ".join(qn(c) for c in (*_COLUMNS, "undone_at"))
        placeholders = ", ".join(["%s"] * len(_COLUMNS))
        _INSERT_SQL = (
            f"INSERT INTO {qn(Scan._meta.db_table)} ({columns}) VALUES ({placeholders}, NULL) "  # noqa: S608
            f"ON CONFLICT DO NOTHING RETURNING {qn('id')}"
        )
    params = []
    for column in _COLUMNS:
        value = values.get(column)
        if isinstance(value, datetime) and connection.vendor != "postgresql":
            value = connection.ops.adapt_datetimefield_value(value)
        params.append(value)
    row = _fetchone(_INSERT_SQL, params)
    return int(row[0]) if row else None


@dataclass(frozen=True)
class _Entry:
    pk: int
    effective_at: datetime
    device_id: str
    client_scan_id: str | None


_FIRST_SQL: str | None = None


def _first_entry(scope: ListScope, line_id: int) -> _Entry | None:
    """The entry that stands for this ticket on this list (the partial unique index finds it)."""
    global _FIRST_SQL
    if connection.vendor != "postgresql":  # SQLite: the ORM, for its time zone conversions
        row = entries_of_list(scope=scope).filter(line_id=line_id).only(
            "id", "scanned_at", "client_scanned_at", "device_id", "client_scan_id"
        ).first()
        return _Entry(row.pk, row.effective_at, row.device_id, row.client_scan_id) if row is not None else None
    if _FIRST_SQL is None:
        _FIRST_SQL = (
            f"SELECT id, COALESCE(client_scanned_at, scanned_at), device_id, client_scan_id "  # noqa: S608
            f"FROM {Scan._meta.db_table} "
            "WHERE checkin_list_id = %s AND line_id = %s AND kind = 'entry' AND result = 'ok' "
            "AND undone_at IS NULL LIMIT 1"
        )
    found = _fetchone(_FIRST_SQL, [scope.id, line_id])
    return _Entry(found[0], found[1], found[2], found[3]) if found is not None else None


def scan_redeem(
    *, scope: ListScope, text: str, device_id: str, client_scanned_at: datetime | None = None,
    client_scan_id: str | None = None,
) -> ScanOutcome:
    """Check a ticket in (a signed payload from the QR code, or the serial printed under it).

    Answers ok once; then already_redeemed with the time and device of the entry that stands.
    Refusals of a known ticket are recorded too. With `client_scanned_at` the scan comes from an
    offline device (see scans_sync). A `client_scan_id` names one scan of the device: sent again
    for the same ticket it is a retry, answered as the first time; for another ticket,
    ScanIdReused."""
    device_id = device_id.strip()[:64] or "?"
    offline = client_scanned_at is not None
    base: dict[str, Any] = {
        "checkin_list_id": scope.id, "device_id": device_id, "client_scan_id": client_scan_id,
        "scanned_at": clock.now(), "client_scanned_at": client_scanned_at, "offline": offline, "conflict": False,
        "kind": ScanKind.ENTRY,
    }
    refusal, line, entered = _identify(scope, text, base)
    if line is None:
        return ScanOutcome(result=refusal or ScanResult.UNKNOWN)
    if refusal is not None:
        if entered is not None:  # the statement and these rules disagree: never let it stand
            Scan.objects.filter(pk=entered).delete()
        scan_id = _insert_scan(**base, line_id=line.id, result=refusal)
        if scan_id is None and client_scan_id is not None:  # the id is taken: refused if by another ticket
            _sent_before(scope, line, device_id, client_scan_id)
        return ScanOutcome(result=refusal, ticket=line.info(), scan_id=scan_id)
    if entered is not None:
        return ScanOutcome(result=ScanResult.OK, ticket=line.info(), scan_id=entered)
    fused = connection.vendor == "postgresql" and len(text.strip()) == PAYLOAD_TEXT_LENGTH
    for attempt in range(3):  # an undo between our insert and our read: try again
        if attempt or not fused:  # (the fused statement already tried this insert)
            scan_id = _insert_scan(**base, line_id=line.id, result=ScanResult.OK)
            if scan_id is not None:
                return ScanOutcome(result=ScanResult.OK, ticket=line.info(), scan_id=scan_id)
        first = _first_entry(scope, line.id)
        if client_scan_id is not None:
            if first is not None and (first.device_id, first.client_scan_id) == (device_id, client_scan_id):
                return ScanOutcome(result=ScanResult.OK, ticket=line.info(), scan_id=first.pk)  # the same scan again
            # no entry kept our insert out, so this device's id did (trying again would never
            # settle): a retry of this ticket, or the id of another. Offline scans look before
            # _offline_conflict, which would otherwise displace the entry
            if first is None or offline:
                previous = _sent_before(scope, line, device_id, client_scan_id)
                if previous is not None:
                    return _outcome_of(previous, line, scope)
        if first is None:
            continue
        if offline:
            return _offline_conflict(scope, line, base, first)
        scan_id = _insert_scan(**base, line_id=line.id, result=ScanResult.ALREADY_REDEEMED)
        if scan_id is None and client_scan_id is not None:  # checked only now: the usual case costs nothing
            previous = _sent_before(scope, line, device_id, client_scan_id)
            if previous is not None:
                return _outcome_of(previous, line, scope)
        return ScanOutcome(
            result=ScanResult.ALREADY_REDEEMED, ticket=line.info(), scan_id=scan_id,
            first_scanned_at=first.effective_at, first_device=first.device_id,
        )
    raise RuntimeError(f"check-in of line {line.id} did not settle")  # pragma: no cover


def _offline_conflict(scope: ListScope, line: _Line, base: dict[str, Any], entry: _Entry) -> ScanOutcome:
    """An offline device let in a ticket that has an entry already: both are flagged, and the
    earlier of the two (device time for offline scans) stays the entry that counts."""
    ours_at: datetime = base["client_scanned_at"]
    with transaction.atomic():
        first = Scan.objects.select_for_update().get(pk=entry.pk)
        if first.undone_at is None and first.result == ScanResult.OK and first.effective_at > ours_at:
            first.result = ScanResult.ALREADY_REDEEMED
            first.conflict = True
            first.save(update_fields=["result", "conflict"])
            scan_id = _insert_scan(**{**base, "conflict": True}, line_id=line.id, result=ScanResult.OK)
            return ScanOutcome(
                result=ScanResult.OK, ticket=line.info(), scan_id=scan_id, conflict=True,
                first_scanned_at=ours_at, first_device=base["device_id"],
            )
        Scan.objects.filter(pk=first.pk).update(conflict=True)
        scan_id = _insert_scan(**{**base, "conflict": True}, line_id=line.id, result=ScanResult.ALREADY_REDEEMED)
    return ScanOutcome(
        result=ScanResult.ALREADY_REDEEMED, ticket=line.info(), scan_id=scan_id, conflict=True,
        first_scanned_at=first.effective_at, first_device=first.device_id,
    )


def _sent_before(scope: ListScope, line: _Line, device_id: str, client_scan_id: str) -> Scan | None:
    """The scan this device already sent under this id (None: the id is free), when it was of
    this ticket; ScanIdReused when it was of another."""
    previous = Scan.objects.filter(
        checkin_list_id=scope.id, device_id=device_id, client_scan_id=client_scan_id
    ).order_by().first()
    if previous is not None and previous.line_id != line.id:
        raise ScanIdReused(ticket=line.info())
    return previous


def _outcome_of(scan: Scan, line: _Line, scope: ListScope) -> ScanOutcome:
    """The answer a replayed scan got the first time."""
    first = _first_entry(scope, line.id)
    return ScanOutcome(
        result=scan.result, ticket=line.info(), scan_id=scan.pk, conflict=scan.conflict,
        first_scanned_at=first.effective_at if first is not None else None,
        first_device=first.device_id if first is not None else "",
    )


@dataclass(frozen=True)
class OfflineScan:
    client_scan_id: str
    text: str
    scanned_at: datetime


def scans_sync(
    *, scope: ListScope, device_id: str, scans: list[OfflineScan], on_unknown: Callable[[], None] | None = None
) -> list[ScanOutcome]:
    """Apply the scans an offline device queued, in the order they were made. Idempotent: each
    carries a client-made id, unique per device, so a sync sent twice changes nothing. A scan
    whose id the device already gave another ticket is refused on its own (SCAN_ID_REUSED,
    nothing recorded): the rest of the batch is applied.

    `on_unknown` is called after each scan of an unknown ticket (the API's rate limit on
    guessing serials); what it raises stops the batch, the scans before it staying applied."""
    if len(scans) > SYNC_MAX_SCANS:
        raise InvalidInput(
            _("Send at most %(n)d scans at a time.") % {"n": SYNC_MAX_SCANS}, code="too_many_scans"
        )
    # checked before any scan is applied: a refused batch changes nothing
    for scan in scans:
        if not scan.client_scan_id.strip():
            raise InvalidInput(_("Each scan needs its client id."), code="client_scan_id_required")
        if timezone.is_naive(scan.scanned_at):  # whose time zone? and naive and aware times do not compare
            raise InvalidInput(
                _("Give each scan's time with its UTC offset (as 2026-01-01T10:00:00Z)."), code="scanned_at_naive"
            )
    now = clock.now()
    outcomes = []
    for scan in sorted(scans, key=lambda s: s.scanned_at):
        client_id = scan.client_scan_id.strip()[:64]
        at = min(max(scan.scanned_at, now - OFFLINE_MAX_AGE), now)  # a device's clock is not trusted
        try:
            outcome = scan_redeem(
                scope=scope, text=scan.text, device_id=device_id, client_scanned_at=at, client_scan_id=client_id
            )
        except ScanIdReused as exc:
            outcome = ScanOutcome(result=SCAN_ID_REUSED, ticket=exc.ticket, message=exc.message)
        if outcome.result == ScanResult.UNKNOWN and on_unknown is not None:
            on_unknown()
        outcomes.append(outcome)
    return outcomes


def scan_undo(*, scope: ListScope, line_id: int, device_id: str) -> ScanOutcome:
    """Cancel the entry that stands for this ticket (a scan by mistake): it may enter again."""
    device_id = device_id.strip()[:64] or "?"
    now = clock.now()
    with transaction.atomic():
        entry = entries_of_list(scope=scope).select_for_update().filter(line_id=line_id).first()
        if entry is None:
            raise NotFound(_("This ticket has not been checked in on this list."), code="not_checked_in")
        entry.undone_at = now
        entry.save(update_fields=["undone_at"])
        undo = Scan.objects.create(
            checkin_list_id=scope.id, line_id=line_id, kind=ScanKind.UNDO, result=ScanResult.OK,
            device_id=device_id, scanned_at=now,
        )
    line = _line(line_id)
    return ScanOutcome(result=ScanResult.OK, ticket=line.info() if line else None, scan_id=undo.pk)


def _list_state(checkin_list: CheckinList) -> dict[str, Any]:
    return {
        "name": checkin_list.name, "all_products": checkin_list.all_products,
        "accept_test_tickets": checkin_list.accept_test_tickets,
        "products": sorted(p.pk for p in checkin_list.products.all()),
        "dates": sorted(d.pk for d in checkin_list.dates.all()),
    }


def _list_scope_set(checkin_list: CheckinList, product_ids: list[int] | None, date_ids: list[int] | None) -> None:
    event = checkin_list.event
    products: list[Product] = []
    if product_ids:
        products = list(event.products.filter(pk__in=product_ids, kind=ProductKind.TICKET))
        if len(products) != len(set(product_ids)):
            raise InvalidInput(_("Choose tickets of this event."), code="product_invalid")
    checkin_list.products.set(products)
    dates = []
    if date_ids:
        dates = list(event.dates.filter(pk__in=date_ids))
        if len(dates) != len(set(date_ids)):
            raise InvalidInput(_("Choose dates of this event."), code="date_invalid")
    checkin_list.dates.set(dates)


def _list_name(name: str) -> str:
    name = name.strip()[:200]
    if not name:
        raise InvalidInput(_("Give the list a name."), code="name_required")
    return name


def checkin_list_create(
    *, event: Event, name: str, product_ids: list[int] | None = None, date_ids: list[int] | None = None,
    accept_test_tickets: bool = False,
) -> CheckinList:
    """A list for all tickets (no products given) or some products; all dates or some. Test
    orders' tickets enter only through a list made with `accept_test_tickets` (decision 0010)."""
    name = _list_name(name)
    with transaction.atomic():
        checkin_list = CheckinList.objects.create(
            event=event, name=name, all_products=not product_ids, accept_test_tickets=accept_test_tickets
        )
        _list_scope_set(checkin_list, product_ids, date_ids)
        audit_record(action="checkin_list.created", subject=checkin_list, organizer_id=event.organizer_id,
                     changes={key: [None, value] for key, value in _list_state(checkin_list).items()})
    return checkin_list


def checkin_list_update(
    *, checkin_list: CheckinList, name: str, product_ids: list[int] | None = None,
    date_ids: list[int] | None = None, accept_test_tickets: bool = False,
) -> CheckinList:
    """Change who enters through the list (no products: every ticket; no dates: every date). The
    scanners see it within the scope's few seconds of cache (decision 0008)."""
    name = _list_name(name)
    with transaction.atomic():
        locked = CheckinList.objects.select_for_update().select_related("event").get(pk=checkin_list.pk)
        before = _list_state(locked)
        locked.name, locked.all_products, locked.accept_test_tickets = name, not product_ids, accept_test_tickets
        locked.save(update_fields=["name", "all_products", "accept_test_tickets"])
        _list_scope_set(locked, product_ids, date_ids)
        after = _list_state(locked)
        changes = {key: [before[key], after[key]] for key in before if before[key] != after[key]}
        if changes:
            audit_record(action="checkin_list.changed", subject=locked, organizer_id=locked.event.organizer_id,
                         changes=changes)
    checkin_scope_cache_clear()  # this process at once; the others within the cache's seconds
    return locked


def checkin_list_delete(*, checkin_list: CheckinList) -> None:
    """Delete a list nobody has scanned with yet; a list with scans keeps its record of who entered."""
    with transaction.atomic():
        locked = CheckinList.objects.select_for_update().select_related("event").get(pk=checkin_list.pk)
        if Scan.objects.filter(checkin_list_id=locked.pk).exists():
            raise Conflict(
                _("Tickets were scanned with this list: it keeps the record of who entered and cannot be deleted."),
                code="list_has_scans",
            )
        audit_record(action="checkin_list.deleted", subject=locked, organizer_id=locked.event.organizer_id,
                     changes={key: [value, None] for key, value in _list_state(locked).items()})
        locked.delete()
    checkin_scope_cache_clear()
