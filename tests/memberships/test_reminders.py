"""Renewal reminders (issue 12 item 3): which memberships are due at which offset, sent once per
membership and offset even if the job runs twice, not after the member stopped them, not once
renewed, not for a cancelled or lifetime membership; the email's links: renewing from it fills
the member's details in and gives end = old end + period; the stop link asks, then stops; a bad or
expired link is a 4xx with a French message."""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import date, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from billetterie.memberships.links import renewal_token, stop_token
from billetterie.memberships.models import Member, Membership, MembershipType, RenewalReminder, ValidityRule
from billetterie.memberships.selectors import memberships_due_reminder, reminder_offsets
from billetterie.memberships.services import MemberDetails, membership_cancel, membership_grant
from billetterie.notifications.memberships import membership_reminders_send, membership_reminders_task
from billetterie.notifications.models import OutboxKind, OutboxMessage
from tests.factories import Shop, sandbox_turned_on

OnCommit = Callable[..., AbstractContextManager[Any]]
GRANTED = date(2026, 10, 1)  # a season 1 September 2026 – 31 August 2027
END = date(2027, 8, 31)
DETAILS = MemberDetails(first_name="Maëlle", last_name="Lefèvre", email="maelle@example.org",
                        address="3 rue des Lilas", postcode="46200", city="Souillac")


def _type(shop: Shop, **fields: Any) -> MembershipType:
    return MembershipType.objects.create(organizer=shop.organizer, name="Adhésion", product=shop.membership, **fields)


def _membership(shop: Shop, **fields: Any) -> Membership:
    return membership_grant(membership_type=_type(shop, **fields), details=DETAILS, on=GRANTED)


def _at(day: date) -> time_machine.travel:
    return time_machine.travel(timezone.make_aware(datetime(day.year, day.month, day.day, 9)), tick=False)


def _run(capture: OnCommit, day: date) -> int:
    with _at(day), capture(execute=True):
        return membership_reminders_send()


def test_offsets() -> None:
    assert reminder_offsets("30,7,0") == [30, 7, 0]
    assert reminder_offsets(" 7; 30 , x, 400, 7") == [30, 7]
    assert reminder_offsets("") == []


def test_due_at_each_offset_and_a_missed_one_caught_up(shop: Shop) -> None:
    membership = _membership(shop)

    def due(day: date) -> list[int]:
        return [d.days_before for d in memberships_due_reminder(on=day) if d.membership == membership]

    assert due(END - timedelta(days=31)) == []
    assert due(END - timedelta(days=30)) == [30]
    assert due(END - timedelta(days=20)) == [30]  # the job did not run on the day: still sent
    assert due(END - timedelta(days=7)) == [7]
    assert due(END) == [0]
    assert due(END + timedelta(days=1)) == []


def test_sent_once_per_offset_even_if_the_job_runs_twice(shop: Shop,
                                                         django_capture_on_commit_callbacks: OnCommit) -> None:
    membership = _membership(shop)
    day = END - timedelta(days=30)
    assert _run(django_capture_on_commit_callbacks, day) == 1
    assert _run(django_capture_on_commit_callbacks, day) == 0
    with _at(day), django_capture_on_commit_callbacks(execute=True):
        membership_reminders_task.call_local()  # the periodic task itself
    assert RenewalReminder.objects.filter(membership=membership).count() == 1
    assert OutboxMessage.objects.filter(kind=OutboxKind.MEMBERSHIP_REMINDER).count() == 1
    [email] = mail.outbox
    assert email.to == ["maelle@example.org"]
    assert email.subject == ("Votre adhésion «\u00a0Adhésion\u00a0» se termine le 31 août 2027 — "
                             "Association des étudiants")
    assert "numéro d'adhérent A-000001" in email.body and "/membership/renew/" in email.body
    assert "/membership/stop-reminders/" in email.body
    # the next offset is another reminder
    assert _run(django_capture_on_commit_callbacks, END - timedelta(days=7)) == 1
    assert _run(django_capture_on_commit_callbacks, END) == 1
    assert "se termine aujourd'hui" in mail.outbox[-1].subject


def test_not_after_stop_nor_renewed_nor_cancelled_nor_lifetime(shop: Shop) -> None:
    stopped = _membership(shop)
    Member.objects.filter(pk=stopped.member_id).update(reminders_stopped_at=timezone.now())
    day = END - timedelta(days=7)
    assert memberships_due_reminder(on=day) == []
    Member.objects.filter(pk=stopped.member_id).update(reminders_stopped_at=None)
    renewal = membership_grant(membership_type=stopped.type, details=DETAILS, on=date(2027, 8, 1))
    assert renewal.renews == stopped
    assert [d.membership for d in memberships_due_reminder(on=day)] == []  # renewed: the new one ends in 2028
    membership_cancel(membership_id=renewal.pk)
    assert [d.membership for d in memberships_due_reminder(on=day)] == [stopped]  # the renewal was cancelled
    membership_cancel(membership_id=stopped.pk)
    assert memberships_due_reminder(on=day) == []
    life = MembershipType.objects.create(organizer=shop.organizer, name="À vie", rule=ValidityRule.LIFETIME)
    membership_grant(membership_type=life, details=DETAILS, on=GRANTED)
    assert memberships_due_reminder(on=day) == []


def test_no_reminder_days_no_reminder(shop: Shop) -> None:
    _membership(shop, reminder_days="")
    assert memberships_due_reminder(on=END) == []


# --- the links ----------------------------------------------------------------------------------


def _renew_url(shop: Shop, token: str) -> str:
    return reverse("shop:membership_renew", args=[shop.organizer.slug, token])


def _stop_url(shop: Shop, token: str) -> str:
    return reverse("shop:membership_reminders_stop", args=[shop.organizer.slug, token])


def test_renewal_link_fills_the_cart_in_and_renewing_gives_old_end_plus_period(
        client: Client, shop: Shop, django_capture_on_commit_callbacks: OnCommit) -> None:
    membership = _membership(shop, rule=ValidityRule.MONTHS, months=12)
    assert (membership.start, membership.end) == (GRANTED, date(2027, 9, 30))
    sandbox_turned_on(shop)
    with _at(date(2027, 9, 1)):
        response = client.get(_renew_url(shop, renewal_token(membership=membership)))
        assert response.status_code == 302 and response["Location"].endswith("/e/adhesions/")
        page = client.get(response["Location"]).content.decode()
        assert "Renouvellement de l&#x27;adhésion de Maëlle Lefèvre" in page
        client.post(response["Location"], {f"qty_{shop.member_alumni.pk}": "1"})
        cart = client.get(reverse("shop:cart", args=[shop.organizer.slug])).content.decode()
        for value in ("Maëlle", "Lefèvre", "maelle@example.org", "3 rue des Lilas", "46200", "Souillac"):
            assert f'value="{value}"' in cart
        fields = dict(re.findall(r'name="(p\d+_[a-z_]+)"[^>]*value="([^"]*)"', cart))
        # the buyer changes the city: the register follows
        fields = {**fields, next(k for k in fields if k.endswith("_city")): "Cahors"}
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("shop:cart", args=[shop.organizer.slug]), {
                **fields, "name": "Maëlle Lefèvre", "email": "autre@example.org", "terms": "on",
                "provider": "sandbox"})
        assert response.status_code in (200, 302), response.content.decode()[:2000]
    from billetterie.orders.models import Order
    from billetterie.orders.services import order_mark_paid

    order = Order.objects.get()
    assert order.lines.get().holder["member_id"] == membership.member_id
    with _at(date(2027, 9, 2)):
        assert order_mark_paid(order_id=order.pk)
    renewal = Membership.objects.exclude(pk=membership.pk).get()
    assert renewal.member_id == membership.member_id and renewal.renews == membership
    assert (renewal.start, renewal.end) == (date(2027, 10, 1), date(2028, 9, 30))  # old end + 12 months
    assert Member.objects.get(pk=membership.member_id).city == "Cahors"
    assert "renewal:assoc" not in client.session  # the renewal is done


def test_stop_link_asks_then_stops(client: Client, shop: Shop) -> None:
    membership = _membership(shop)
    url = _stop_url(shop, stop_token(member=membership.member))
    page = client.get(url).content.decode()
    assert "Arrêter les rappels" in page and "A-000001" in page
    assert Member.objects.get(pk=membership.member_id).reminders_stopped_at is None  # a GET changes nothing
    response = client.post(url)
    assert response.status_code == 200 and "vous ne recevrez plus de rappels" in response.content.decode()
    assert Member.objects.get(pk=membership.member_id).reminders_stopped_at is not None


def test_the_stop_link_needs_the_csrf_token(shop: Shop) -> None:
    membership = _membership(shop)
    client = Client(enforce_csrf_checks=True)
    assert client.post(_stop_url(shop, stop_token(member=membership.member))).status_code == 403


@pytest.mark.parametrize("which", ["renew", "stop"])
def test_bad_and_expired_links_are_4xx_in_french(client: Client, shop: Shop, which: str) -> None:
    membership = _membership(shop)
    make, url = ((lambda: renewal_token(membership=membership), _renew_url) if which == "renew"
                 else (lambda: stop_token(member=membership.member), _stop_url))
    token = make()
    response = client.get(url(shop, token[:-3] + "abc"))
    assert response.status_code == 400 and "Ce lien n&#x27;est pas valable" in response.content.decode()
    # a renewal token is not a stop token, and the other way round
    other = stop_token(member=membership.member) if which == "renew" else renewal_token(membership=membership)
    assert client.get(url(shop, other)).status_code == 400
    with time_machine.travel(timezone.now() + timedelta(days=400)):
        response = client.get(url(shop, token))
    assert response.status_code == 410 and "Ce lien a expiré" in response.content.decode()


def test_a_link_of_another_organiser_is_not_valid(client: Client, shop: Shop) -> None:
    from tests.factories import shop_create

    membership = _membership(shop)
    other = shop_create(slug="autre")
    response = client.get(_renew_url(other, renewal_token(membership=membership)))
    assert response.status_code == 400
