"""The audit trail (issue 10, item 6): one entry per change, each naming who did it, never changed."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client

from billetterie.api.services import api_token_create
from billetterie.core import audit
from billetterie.core.audit import acting_as, audit_timeline
from billetterie.core.models import ActorKind, AuditEntry
from billetterie.orders.models import OrderLine
from billetterie.payments.providers.base import PaymentUrls
from billetterie.payments.services import payment_record_external, payment_start, refund_create, refund_mark_done
from billetterie.tickets.services import ticket_reissue
from tests.factories import Shop, order_placed, payment_confirm

pytestmark = pytest.mark.django_db
URLS = PaymentUrls("http://t/r", "http://t/n")


def _who(entry: AuditEntry) -> tuple[str, str, str]:
    return entry.action, entry.actor_kind, entry.actor_label


def test_an_orders_whole_life_has_one_entry_per_change_each_naming_who_did_it(shop: Shop) -> None:
    treasurer = User.objects.create_user("tresoriere", is_staff=True)
    staff = audit.staff(treasurer)
    with acting_as(audit.BUYER):
        order = order_placed(shop, tickets=2, meals=0)  # 30 €
    with acting_as(staff):
        cash = payment_record_external(order_id=order.pk, method="cash", amount_cents=1000)  # part paid
    with acting_as(audit.BUYER):
        payment_start(order=order, provider_id="sandbox", urls=URLS)
    card = order.payments.get(provider="sandbox")
    with acting_as(audit.notice("sandbox")):
        payment_confirm(card)  # paid
    card.refresh_from_db()
    with acting_as(staff):
        refund_create(payment=card, amount_cents=500)  # partly refunded
        line = OrderLine.objects.filter(order=order, ticket_nonce__isnull=False).first()
        assert line is not None
        ticket_reissue(line=line, reason="perdu", by=treasurer)
        refund_create(payment=card, amount_cents=1500)  # the rest of the card
        cash_refund = refund_create(payment=cash, amount_cents=1000)  # cash: given back by hand
        refund_mark_done(refund_id=cash_refund.pk)

    timeline = [_who(e) for e in audit_timeline(order_id=order.pk)]
    buyer, by_staff, by_notice = ("buyer", ""), ("staff", "tresoriere"), ("notice", "sandbox")
    assert timeline == [
        ("order.placed", *buyer),
        ("payment.recorded", *by_staff),
        ("payment.started", *buyer),
        ("payment.confirmed", *by_notice),
        ("order.marked_test", *by_notice),
        ("order.paid", *by_notice),
        ("refund.created", *by_staff), ("refund.done", *by_staff),
        ("ticket.reissued", *by_staff),
        ("refund.created", *by_staff), ("refund.done", *by_staff),
        ("refund.created", *by_staff), ("order.refunded", *by_staff),  # nothing kept: the order is refunded
        ("refund.manual", *by_staff), ("refund.done", *by_staff),
    ]
    paid = next(e for e in audit_timeline(order_id=order.pk) if e.action == "order.paid")
    assert paid.changes == {"state": ["pending", "paid"]} and paid.organizer_id == shop.organizer.pk


def test_entries_are_never_changed_nor_deleted(shop: Shop) -> None:
    order_placed(shop, tickets=1, meals=0)
    entry = AuditEntry.objects.get()
    entry.action = "order.forged"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    assert AuditEntry.objects.get().action == "order.placed"


def test_the_edges_say_who_acts(shop: Shop, admin_client: Any, client: Client) -> None:
    """An API token, a staff member in the admin, and a buyer in the shop (the middleware)."""
    _row, token = api_token_create(organizer=shop.organizer, name="Guichet", permissions="orders")
    body = {"email": "b@example.org", "name": "B",
            "lines": [{"product_id": shop.ticket.pk, "price_id": shop.adult.pk, "date_id": shop.date.pk,
                       "attendee": {"name": "B", "email": "b@example.org"}}],
            "payment": {"method": "cash"}}
    answer = client.post("/api/v1/orders", body, content_type="application/json",
                         headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 201, answer.content
    placed = AuditEntry.objects.filter(action="order.placed").get()
    assert (placed.actor_kind, placed.actor_label) == (ActorKind.API_TOKEN, "Guichet")

    quota = shop.meal_quota
    url = f"/admin/catalog/quota/{quota.pk}/change/"
    assert admin_client.get(url).status_code == 200
    saved = admin_client.post(url, {"event": quota.event_id, "name": quota.name, "size": quota.size + 10})
    assert saved.status_code == 302, saved.content[:3000]
    change = AuditEntry.objects.filter(subject_type="quota").get()
    assert (change.action, change.actor_kind, change.actor_label) == ("quota.changed", ActorKind.STAFF, "admin")
    assert change.organizer_id == shop.organizer.pk and change.changes == {"size": [quota.size, quota.size + 10]}

    assert audit.current_actor() == audit.SYSTEM  # nothing leaks out of a request


def test_staff_permission_changes_are_recorded(admin_client: Any) -> None:
    clerk = User.objects.create_user("guichet", is_staff=True)
    permission = Permission.objects.get(codename="view_order")
    page = admin_client.get(f"/admin/auth/user/{clerk.pk}/change/")
    form = {"username": "guichet", "is_active": "on", "is_staff": "on", "user_permissions": [permission.pk],
            "date_joined_0": "2026-12-01", "date_joined_1": "10:00:00", "initial-date_joined_0": "2026-12-01",
            "initial-date_joined_1": "10:00:00"}
    assert page.status_code == 200
    assert admin_client.post(f"/admin/auth/user/{clerk.pk}/change/", form).status_code == 302
    entry = AuditEntry.objects.filter(subject_type="user", subject_id=clerk.pk).get()
    assert entry.changes["user_permissions"] == [[], [permission.pk]]


def test_a_staff_member_buying_in_another_organisers_shop_is_a_buyer_there(shop: Shop) -> None:
    from django.test import RequestFactory

    from billetterie.organizers.middleware import AuditActorMiddleware
    from billetterie.organizers.models import Organizer

    other = Organizer.objects.create(slug="autre", name="Autre", contact_email="a@example.org",
                                     noreply_email="n@example.org")
    clerk = User.objects.create_user("guichet", is_staff=True)
    shop.organizer.staff.add(clerk)
    request = RequestFactory().get("/")
    request.user = clerk
    seen: dict[str, audit.Actor] = {}

    def view(req: Any) -> Any:
        seen["own"], seen["other"] = audit.current_actor(shop.organizer.pk), audit.current_actor(other.pk)
        return None

    AuditActorMiddleware(view)(request)
    assert seen["own"] == audit.staff(clerk) and seen["other"] == audit.BUYER


def test_what_a_status_query_changes_the_payment_service_did(shop: Shop, monkeypatch: pytest.MonkeyPatch) -> None:
    from dataclasses import replace

    from billetterie.payments.providers.base import EventKind, ProviderEvent
    from billetterie.payments.providers.sandbox import SandboxProvider
    from billetterie.payments.services import payment_status_check

    order = order_placed(shop, tickets=1, meals=0)
    with acting_as(audit.BUYER):  # the buyer came back from the payment page: we ask the PSP
        payment_start(order=order, provider_id="sandbox", urls=URLS)
        card = order.payments.get()
        answer = [ProviderEvent("s-1", card.reference, EventKind.CONFIRMED, card.amount_cents, "EUR",
                                psp_reference="T")]
        monkeypatch.setattr(SandboxProvider, "capabilities", replace(SandboxProvider.capabilities, status_query=True))
        monkeypatch.setattr(SandboxProvider, "status", lambda self, payment, config: answer)
        assert payment_status_check(payment_id=card.pk) == 1
    confirmed = AuditEntry.objects.get(action="payment.confirmed")
    assert (confirmed.actor_kind, confirmed.actor_label) == (ActorKind.NOTICE, "sandbox")


def test_a_date_cancelled_by_staff_leaves_no_actor_behind(shop: Shop) -> None:
    """A session-wide refund acts as the staff member who started it, for its run only: the caller
    (here the test's thread, like a task or a request) is who acts again afterwards."""
    from billetterie.payments.batch import refund_batch_start
    from tests.factories import order_paid, team_member_create

    order_paid(shop, tickets=1, meals=0, method="cash")
    treasurer = team_member_create(shop.organizer, role="treasury")
    refund_batch_start(organizer_id=shop.organizer.pk, date_id=shop.date.pk, kind="cancel_date", key="k",
                       user_id=treasurer.pk)
    assert audit.current_actor() == audit.SYSTEM
