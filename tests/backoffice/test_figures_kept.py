"""The back office with many orders (issue 11, bench/backoffice): the dashboard's heaviest figures
and the orders list's totals are kept while nothing of the organiser changes (decision 0026) and
always equal what the database says now, after payments, refunds, test orders and cancellations;
the list's search (one query per place to look, trigram-indexed on PostgreSQL, an exact code
straight to its order) finds what it found before and nothing of another organiser."""

from __future__ import annotations

import re

import pytest
from django.db.models import F
from django.test import Client
from django.urls import reverse

from billetterie.core.models import AuditEntry
from billetterie.orders.services import order_cancel
from billetterie.organizers.models import Organizer
from billetterie.payments.order_search import OrderFilters, orders_search, orders_totals
from billetterie.payments.order_services import order_refund
from billetterie.payments.services import refund_create
from billetterie.reporting import selectors as reporting
from tests.factories import Shop, order_paid, order_placed, sandbox_turned_on, shop_create, team_member_create

pytestmark = pytest.mark.django_db


def _fresh(organizer: Organizer) -> tuple[reporting.DashboardFigures, reporting.DashboardFigures,
                                           list[object]]:
    """The kept figures, the same computed now, and the orders list's totals both ways."""
    period = reporting.period_last_days(30)
    kept = reporting.dashboard_figures(organizer_id=organizer.pk, period=period)
    now = reporting.DashboardFigures(reporting.sales_by_day(organizer_id=organizer.pk, period=period),
                                     reporting.lines_sold(organizer_id=organizer.pk))
    totals = []
    for filters in (OrderFilters(), OrderFilters(include_test=True), OrderFilters(status="paid")):
        orders = orders_search(organizer=organizer, filters=filters)
        totals += [orders_totals(orders=orders, organizer_id=organizer.pk), orders_totals(orders=orders)]
    return kept, now, totals


def _check(organizer: Organizer) -> reporting.DashboardFigures:
    kept, now, totals = _fresh(organizer)
    assert kept == now
    assert totals[0::2] == totals[1::2]
    return kept


def test_kept_figures_follow_every_change(shop: Shop) -> None:
    sandbox_turned_on(shop)
    organizer = shop.organizer
    empty = _check(organizer)
    assert empty.series.total.paid_orders == 0
    paid = order_paid(shop, method="cash", tickets=2, meals=1)
    after_paid = _check(organizer)
    assert (after_paid.series.total.paid_orders, after_paid.series.total.received_cents) == (1, 4200)
    order_paid(shop, method="sandbox", tickets=1, meals=0)  # a test order: counted nowhere
    assert _check(organizer) == after_paid
    refund_create(payment=paid.payments.get(), amount_cents=500, reason="Geste")
    assert _check(organizer).series.total.refunded_cents == 500
    line = paid.lines.filter(kind="ticket").order_by("id").first()
    assert line is not None
    order_refund(order_id=paid.pk, line_id=line.pk, reason="Une place de moins")
    assert _check(organizer).sold.by_date[shop.date.pk] == 1
    pending = order_placed(shop, tickets=1, meals=0)
    _check(organizer)
    order_cancel(order_id=pending.pk)
    cancelled = _check(organizer)
    assert cancelled.sold.by_date[shop.date.pk] == 1


def test_a_sale_that_commits_after_a_later_one_is_not_missed(shop: Shop) -> None:
    """Audit ids are taken when a transaction writes, not when it commits: a sale may appear with
    ids below the latest one the figures were kept at. Before decision 0026, amended its figures stayed
    out until another change (or five minutes)."""
    order_paid(shop, method="cash", tickets=1, meals=0)
    kept = _check(shop.organizer)
    latest = AuditEntry.objects.order_by("-id").values_list("id", flat=True)[0]
    order_paid(shop, method="cash", tickets=2, meals=0)
    # the late sale's entries take ids below the latest (negative: free and unique)
    AuditEntry.objects.filter(id__gt=latest).update(id=-F("id"))
    assert AuditEntry.objects.order_by("-id").values_list("id", flat=True)[0] == latest
    late = _check(shop.organizer)
    assert (kept.series.total.paid_orders, late.series.total.paid_orders) == (1, 2)


def test_another_organiser_changes_nothing_here(shop: Shop) -> None:
    order_paid(shop, method="cash", tickets=1, meals=0)
    before = _check(shop.organizer)
    other = shop_create(slug="autre")
    order_paid(other, method="cash", tickets=3, meals=0)
    assert _check(shop.organizer) == before
    assert _check(other.organizer).series.total.paid_orders == 1


def _codes(client: Client, shop: Shop, text: str) -> set[str]:
    page = client.get(reverse("backoffice:orders:index", args=[shop.organizer.slug]), {"q": text})
    assert page.status_code == 200
    return set(re.findall(r'/commandes/([A-Z0-9]+)/"', page.content.decode()))


def test_search_code_names_emails_and_attendees(shop: Shop) -> None:
    alice = order_paid(shop, name="Alice Fontaine", email="alice@example.org", attendees=["Zoé Marchand"], meals=0)
    bob = order_placed(shop, name="Bob Lenoir", email="bob.42@example.net", attendees=["Yann Perrin"], meals=0)
    other = shop_create(slug="autre")
    theirs = order_paid(other, name="Zoé Marchand", email="zoe@example.org", attendees=["Yann Perrin"], meals=0)
    client = Client()
    client.force_login(team_member_create(shop.organizer))
    assert _codes(client, shop, "zoé march") == {alice.code}  # an attendee's name, accents kept
    assert _codes(client, shop, "PERRIN") == {bob.code}  # never the other organiser's same attendee
    assert _codes(client, shop, "Lenoir") == {bob.code}
    assert _codes(client, shop, "bob.42@") == {bob.code}
    assert _codes(client, shop, "p0@example.org") == {alice.code, bob.code}  # the attendees' emails
    assert _codes(client, shop, theirs.code) == set()
    # a code straight to its order; text shaped like a code that is none is searched as any text
    assert _codes(client, shop, f" {alice.code.lower()} ") == {alice.code}
    assert _codes(client, shop, "BOB42") == set() and _codes(client, shop, "B.42") == {bob.code}
    totals = client.get(reverse("backoffice:orders:index", args=[shop.organizer.slug]), {"q": "Lenoir"})
    assert totals.context["totals"].count == 1 and totals.context["totals"].received_cents == 0
