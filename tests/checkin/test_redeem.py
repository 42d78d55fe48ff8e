"""Redeem at the door: every answer of the issue, through the service."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from django.db import connection

from billetterie.catalog.models import Event, EventDate, Product, ProductKind
from billetterie.checkin.models import Scan, ScanKind, ScanResult
from billetterie.checkin.selectors import checkin_counts, checkin_list_scope, ticket_search
from billetterie.checkin.services import (
    SCAN_ID_REUSED,
    OfflineScan,
    ScanIdReused,
    scan_redeem,
    scan_undo,
    scans_sync,
)
from billetterie.core import clock
from billetterie.core.errors import InvalidInput, NotFound
from billetterie.orders.models import Order, OrderState
from billetterie.tickets.services import ticket_reissue
from billetterie.tickets.signing import ticket_payload
from tests.factories import Shop, door, order_placed, shop_create, tickets_issued

pytestmark = pytest.mark.django_db


def test_first_scan_accepted_second_refused_with_time_and_device(shop: Shop) -> None:
    _list, scope = door(shop)
    [(line, text)] = tickets_issued(shop)
    with time_machine.travel(clock.now(), tick=False) as traveller:
        first_at = clock.now()
        first = scan_redeem(scope=scope, text=text, device_id="porte-1")
        traveller.shift(timedelta(minutes=3))
        second = scan_redeem(scope=scope, text=text, device_id="porte-2")
    assert first.result == ScanResult.OK and first.ok
    assert first.ticket is not None and first.ticket.line_id == line.pk and first.ticket.name == "Camille Durand"
    assert second.result == ScanResult.ALREADY_REDEEMED and not second.ok
    assert second.first_scanned_at == first_at
    assert second.first_device == "porte-1"
    assert Scan.objects.filter(line=line, result=ScanResult.OK).count() == 1
    assert Scan.objects.filter(line=line, result=ScanResult.ALREADY_REDEEMED).count() == 1


def test_serial_printed_on_the_ticket_redeems(shop: Shop) -> None:
    _list, scope = door(shop)
    [(line, _text)] = tickets_issued(shop)
    assert scan_redeem(scope=scope, text=line.serial.lower(), device_id="d").result == ScanResult.OK
    assert scan_redeem(scope=scope, text=line.serial, device_id="d").result == ScanResult.ALREADY_REDEEMED
    wrong_code = "XXXXXX-" + str(line.pk)
    assert scan_redeem(scope=scope, text=wrong_code, device_id="d").result == ScanResult.UNKNOWN


@pytest.mark.parametrize("text", ["", "hello", "A" * 122, "A" * 500, "ABC-", "-12", "\x00" * 5])
def test_garbage_is_unknown(shop: Shop, text: str) -> None:
    _list, scope = door(shop)
    tickets_issued(shop)
    assert scan_redeem(scope=scope, text=text, device_id="d").result == ScanResult.UNKNOWN


def test_cancelled_or_refunded_order_is_revoked(shop: Shop) -> None:
    _list, scope = door(shop)
    [(line, text)] = tickets_issued(shop)
    for state in [OrderState.CANCELLED, OrderState.EXPIRED, "refunded"]:
        Order.objects.filter(pk=line.order_id).update(state=state)
        assert scan_redeem(scope=scope, text=text, device_id="d").result == ScanResult.REVOKED
    assert not Scan.objects.filter(result=ScanResult.OK).exists()


def test_reissued_ticket_old_payload_revoked_new_one_admits(shop: Shop) -> None:
    _list, scope = door(shop)
    [(line, old_text)] = tickets_issued(shop)
    ticket_reissue(line=line)
    new_text = ticket_payload(line=line)
    assert new_text != old_text
    assert scan_redeem(scope=scope, text=old_text, device_id="d").result == ScanResult.REVOKED
    assert scan_redeem(scope=scope, text=new_text, device_id="d").result == ScanResult.OK


def test_ticket_of_another_event_of_the_organiser(shop: Shop) -> None:
    other = Event.objects.create(organizer=shop.organizer, title="Gala", slug="gala")
    _list, other_scope = door(shop)
    from billetterie.checkin.services import checkin_list_create

    gala_list = checkin_list_create(event=other, name="Gala")
    gala_scope = checkin_list_scope(list_id=gala_list.pk, organizer_id=shop.organizer.pk)
    [(line, text)] = tickets_issued(shop)
    assert scan_redeem(scope=gala_scope, text=text, device_id="d").result == ScanResult.WRONG_EVENT
    assert scan_redeem(scope=gala_scope, text=line.serial, device_id="d").result == ScanResult.WRONG_EVENT
    assert scan_redeem(scope=other_scope, text=text, device_id="d").result == ScanResult.OK


def test_ticket_of_another_organiser_is_unknown_and_lists_are_tenant_scoped(shop: Shop) -> None:
    rival = shop_create(slug="rival")
    _list, scope = door(shop)
    rival_list, _rival_scope = door(rival)
    [(line, text)] = tickets_issued(rival)
    assert scan_redeem(scope=scope, text=text, device_id="d").result == ScanResult.UNKNOWN
    assert scan_redeem(scope=scope, text=line.serial, device_id="d").result == ScanResult.UNKNOWN
    with pytest.raises(NotFound):
        checkin_list_scope(list_id=rival_list.pk, organizer_id=shop.organizer.pk)


def test_list_of_some_products_and_dates(shop: Shop) -> None:
    later = EventDate.objects.create(event=shop.event, start=shop.date.start + timedelta(days=1), capacity=10)
    vip = Product.objects.create(event=shop.event, kind=ProductKind.TICKET, name="VIP")
    _list, vip_only = door(shop, "VIP", product_ids=[vip.pk])
    _list, day_two = door(shop, "Jour 2", date_ids=[later.pk])
    _list, day_one = door(shop, "Jour 1", product_ids=[shop.ticket.pk], date_ids=[shop.date.pk])
    [(_line, text)] = tickets_issued(shop)
    assert scan_redeem(scope=vip_only, text=text, device_id="d").result == ScanResult.WRONG_LIST_OR_DATE
    assert scan_redeem(scope=day_two, text=text, device_id="d").result == ScanResult.WRONG_LIST_OR_DATE
    assert scan_redeem(scope=day_one, text=text, device_id="d").result == ScanResult.OK
    assert checkin_counts(scope=vip_only).sold == 0
    assert checkin_counts(scope=day_one).sold == 1


def test_unpaid_order_serial_is_unpaid(shop: Shop) -> None:
    _list, scope = door(shop)
    order = order_placed(shop, tickets=1, meals=0)
    line = order.lines.get()
    assert scan_redeem(scope=scope, text=line.serial, device_id="d").result == ScanResult.UNPAID


def test_undo_lets_the_ticket_enter_again(shop: Shop) -> None:
    _list, scope = door(shop)
    [(line, text)] = tickets_issued(shop)
    assert scan_redeem(scope=scope, text=text, device_id="d").ok
    assert checkin_counts(scope=scope).checked_in == 1
    undone = scan_undo(scope=scope, line_id=line.pk, device_id="d")
    assert undone.ok
    assert checkin_counts(scope=scope).checked_in == 0
    assert Scan.objects.filter(kind=ScanKind.UNDO).count() == 1
    with pytest.raises(NotFound):
        scan_undo(scope=scope, line_id=line.pk, device_id="d")
    assert scan_redeem(scope=scope, text=text, device_id="d").ok


def test_counts_checked_in_against_sold(shop: Shop) -> None:
    _list, scope = door(shop)
    issued = tickets_issued(shop, 3)
    assert checkin_counts(scope=scope).sold == 3
    for _line, text in issued[:2]:
        scan_redeem(scope=scope, text=text, device_id="d")
    counts = checkin_counts(scope=scope)
    assert (counts.checked_in, counts.sold, counts.left) == (2, 3, 1)
    # a refunded order leaves both sides
    Order.objects.filter(pk=issued[0][0].order_id).update(state="refunded")
    assert checkin_counts(scope=scope).sold == 0


def test_search_by_name_order_code_and_serial(shop: Shop) -> None:
    _list, scope = door(shop)
    [(first, _t1), (second, _t2)] = tickets_issued(shop, 2)
    assert [r.line_id for r in ticket_search(scope=scope, query="léo")] == [second.pk]
    assert {r.line_id for r in ticket_search(scope=scope, query=first.order.code.lower())} == {first.pk, second.pk}
    assert [r.line_id for r in ticket_search(scope=scope, query=second.serial)] == [second.pk]
    assert ticket_search(scope=scope, query="x") == []


def test_order_refunded_in_full_revokes_its_tickets_a_partial_refund_does_not(shop: Shop) -> None:
    from billetterie.payments.services import payment_record_external, refund_create

    _list, scope = door(shop)
    order = order_placed(shop, tickets=1, meals=1)  # 15 € ticket + 12 € meal
    payment = payment_record_external(order_id=order.pk, method="cash", amount_cents=order.total_cents)
    line = order.lines.get(kind="ticket")
    line.refresh_from_db()
    text = ticket_payload(line=line)
    refund_create(payment=payment, amount_cents=1200, reason="repas annulé")
    assert checkin_counts(scope=scope).sold == 1
    refund_create(payment=payment, amount_cents=order.total_cents - 1200, reason="annulation")
    assert scan_redeem(scope=scope, text=text, device_id="d").result == ScanResult.REVOKED
    assert checkin_counts(scope=scope).sold == 0
    from billetterie.checkin.selectors import revoked_pairs

    assert (line.pk, bytes(line.ticket_nonce).hex()) in revoked_pairs(scope=scope)


def test_the_scan_statement_is_planned_once_per_connection_on_postgresql(shop: Shop) -> None:
    """The hot path's statement is a server-side prepared statement (Django's cursors bind
    client side and would make PostgreSQL plan it again at every scan)."""
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    _list, scope = door(shop)
    texts = [text for _line, text in tickets_issued(shop, 4)]

    def prepared() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", ["WITH l AS (%"])
            return int(cursor.fetchone()[0])

    assert [scan_redeem(scope=scope, text=t, device_id="d").result for t in texts[:2]] == ["ok", "ok"]
    assert prepared() == 1
    assert [scan_redeem(scope=scope, text=t, device_id="d").result for t in texts[2:]] == ["ok", "ok"]
    assert prepared() == 1



def test_a_client_scan_id_names_one_ticket(shop: Shop) -> None:
    """An app whose counter restarted sends an id again for another ticket: refused whatever that
    ticket's state (it looped until "did not settle" when the ticket had no entry), nothing recorded."""
    _list, scope = door(shop)
    [(_first, first_text), (waiting, waiting_text), (inside, inside_text)] = tickets_issued(shop, 3)
    [(cancelled, cancelled_text)] = tickets_issued(shop)  # an order of its own, cancelled
    Order.objects.filter(pk=cancelled.order_id).update(state=OrderState.CANCELLED)
    assert scan_redeem(scope=scope, text=first_text, device_id="d", client_scan_id="1").ok
    assert scan_redeem(scope=scope, text=inside_text, device_id="other").ok
    before = Scan.objects.count()
    cases = [(waiting, waiting_text), (waiting, waiting.serial), (inside, inside_text), (cancelled, cancelled_text)]
    for line, text in cases:
        with pytest.raises(ScanIdReused) as refused:
            scan_redeem(scope=scope, text=text, device_id="d", client_scan_id="1")
        assert refused.value.code == "scan_id_reused" and refused.value.ticket.line_id == line.pk
    assert Scan.objects.count() == before
    entry = Scan.objects.get(line=inside)
    assert (entry.device_id, entry.result, entry.conflict) == ("other", ScanResult.OK, False)
    # the id is the device's: another device may use it
    assert scan_redeem(scope=scope, text=waiting_text, device_id="d2", client_scan_id="1").ok


def test_a_retry_after_an_undo_gets_the_first_answer(shop: Shop) -> None:
    """The same scan sent again once its entry was undone: the answer it got, not a second entry
    (it looped until "did not settle")."""
    _list, scope = door(shop)
    [(line, text)] = tickets_issued(shop)
    first = scan_redeem(scope=scope, text=text, device_id="d", client_scan_id="1")
    scan_undo(scope=scope, line_id=line.pk, device_id="d")
    again = scan_redeem(scope=scope, text=text, device_id="d", client_scan_id="1")
    assert (again.result, again.scan_id) == (ScanResult.OK, first.scan_id)
    assert checkin_counts(scope=scope).checked_in == 0  # the undo stands
    assert scan_redeem(scope=scope, text=text, device_id="d", client_scan_id="2").ok


def test_sync_refuses_a_batch_with_a_naive_time_or_no_client_id_before_applying_any(shop: Shop) -> None:
    _list, scope = door(shop)
    [(_first, first_text), (_second, second_text)] = tickets_issued(shop, 2)
    good = OfflineScan(client_scan_id="a", text=first_text, scanned_at=clock.now() - timedelta(minutes=5))
    for bad, code in [
        (OfflineScan(client_scan_id="b", text=second_text, scanned_at=datetime(2026, 1, 1, 10)), "scanned_at_naive"),
        (OfflineScan(client_scan_id=" ", text=second_text, scanned_at=clock.now()), "client_scan_id_required"),
    ]:
        with pytest.raises(InvalidInput) as refused:
            scans_sync(scope=scope, device_id="d", scans=[good, bad])
        assert refused.value.code == code
    assert not Scan.objects.exists()


def test_sync_answers_a_reused_id_alone(shop: Shop) -> None:
    _list, scope = door(shop)
    [(_first, first_text), (second, second_text), (_third, third_text)] = tickets_issued(shop, 3)
    at = clock.now() - timedelta(minutes=5)
    [done] = scans_sync(scope=scope, device_id="d", scans=[OfflineScan("1", first_text, at)])
    assert done.ok
    minute = timedelta(minutes=1)
    later = [OfflineScan("1", second_text, at + minute), OfflineScan("2", third_text, at + 2 * minute)]
    reused, applied = scans_sync(scope=scope, device_id="d", scans=later)
    assert (reused.result, reused.ok, reused.scan_id) == (SCAN_ID_REUSED, False, None)
    assert reused.ticket is not None and reused.ticket.line_id == second.pk and reused.message
    assert applied.ok
    assert not Scan.objects.filter(line=second).exists()
