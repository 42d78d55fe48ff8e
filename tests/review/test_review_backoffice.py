"""Hostile review of the organisers' back office (/gestion/): tenant isolation, roles checked on
the server, money (refunds beyond what was received, twice, from a stale page, concurrently),
sign-in (rate limits, next=, session fixation, the two-factor step), CSRF, secrets.

Each defect found has its test here, failing before its fix; the other tests pin what was
checked and found sound. The concurrency tests use real threads and connections
(tests/threads.py), on SQLite and PostgreSQL; the lock-order one needs PostgreSQL."""

from __future__ import annotations

import re
import threading
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.db import DatabaseError, connection
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from billetterie.core.errors import Conflict, DomainError
from billetterie.orders.models import Order, OrderState
from billetterie.organizers.models import Role, TeamMember
from billetterie.payments.batch import refund_batch_item_process, refund_batch_start
from billetterie.payments.models import Channel, PaymentMethodConfig, Refund, RefundBatch, RefundBatchKind
from billetterie.payments.order_services import order_refund
from tests.factories import PASSWORD, Shop, order_paid, order_placed, shop_create, team_member_create
from tests.threads import run_together

pytestmark = pytest.mark.django_db


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _order_url(order: Order, name: str, *args: object) -> str:
    return reverse(f"backoffice:orders:{name}", args=[order.organizer.slug, order.code, *args])


def _refunded(order: Order) -> int:
    return sum(r.amount_cents for r in Refund.objects.filter(payment__order=order))


# --- defects ----------------------------------------------------------------------------------------


def test_box_office_receipt_with_a_non_ascii_digit_as_cash_handed_over_is_not_a_500(shop: Shop) -> None:
    """Defect: `?recu=²` passed str.isdigit() and then int() raised ValueError (a 500)."""
    order = order_paid(shop, method="cash", channel=Channel.BOX_OFFICE)
    client = _client(team_member_create(shop.organizer, role=Role.BOX_OFFICE))
    url = reverse("backoffice:boxoffice:receipt", args=[shop.organizer.slug, order.code])
    for value in ("²", "٣٣", "𝟗"):
        response = client.get(url, {"recu": value})
        assert response.status_code == 200, value
    assert client.get(url, {"recu": "10000"}).status_code == 200


def test_a_check_in_list_ticking_an_id_no_column_holds_is_refused_next_to_the_field(shop: Shop) -> None:
    """Defect (SQLite): a product or date ticked by a 25-digit id raised OverflowError (a 500)."""
    client = _client(team_member_create(shop.organizer, role=Role.TICKETING))
    url = reverse("backoffice:checkin:create", args=[shop.organizer.slug, shop.event.pk])
    for field in ("products", "dates"):
        for value in ("9" * 25, "٣", "-1", "1.5"):
            response = client.post(url, {"name": "Porte B", field: [value]})
            assert response.status_code == 400, (field, value)
    assert not shop.event.checkin_lists.exists()
    ok = client.post(url, {"name": "Porte B", "products": [shop.ticket.pk], "dates": [shop.date.pk]})
    assert ok.status_code == 302


def test_the_orders_list_filtered_on_a_far_date_is_not_a_500(shop: Shop) -> None:
    """Defect: « Placed until 31/12/9999 » overflowed a day later, « from 01/01/0001 » before year 1
    in UTC: each a 500 instead of the reason next to the field."""
    order_paid(shop, method="cash", tickets=1, meals=0)
    client = _client(team_member_create(shop.organizer, role=Role.READ_ONLY))
    url = reverse("backoffice:orders:index", args=[shop.organizer.slug])
    for field, value in (("placed_to", "9999-12-31"), ("placed_from", "0001-01-01"), ("placed_from", "9999-12-31")):
        response = client.get(url, {field: value})
        assert response.status_code == 400, (field, value)
        assert response.context["form"].errors[field]
    assert client.get(url, {"placed_from": "2026-01-01", "placed_to": "2099-12-31"}).status_code == 200


def _part_preview(client: Client, url: str, percent: str) -> Any:
    key = str(client.get(url).context["form"]["key"].value())
    preview = client.post(url, {"key": key, "mode": "percent", "percent": percent})
    assert preview.status_code == 200 and preview.context["preview"] is not None
    return key, preview.context["seen"]


def test_a_part_refund_confirmed_from_a_stale_page_does_not_refund_the_date_twice(shop: Shop) -> None:
    """Defect: two treasurers (or two tabs) see the preview of « 50 % of every ticket », each
    confirms: each confirmation had its own key, so two batches gave back 100 %. The second
    confirmation now sees that a refund of the date was made since its figures were shown: it
    shows them again and starts nothing; confirmed from the new figures, it goes."""
    order = order_paid(shop, method="cash", tickets=2, meals=0)
    url = reverse("backoffice:refunds:part", args=[shop.organizer.slug, shop.date.pk])
    first = _client(team_member_create(shop.organizer, role=Role.TREASURY))
    second = _client(team_member_create(shop.organizer, role=Role.ADMIN))
    key1, seen1 = _part_preview(first, url, "50")
    key2, seen2 = _part_preview(second, url, "50")
    done = first.post(url, {"key": key1, "mode": "percent", "percent": "50", "seen": seen1, "confirm": "1"})
    assert done.status_code == 302 and RefundBatch.objects.count() == 1
    assert _refunded(order) == 1500
    stale = second.post(url, {"key": key2, "mode": "percent", "percent": "50", "seen": seen2, "confirm": "1"})
    assert stale.status_code in (200, 409)
    assert RefundBatch.objects.count() == 1 and _refunded(order) == 1500
    assert stale.context["preview"] is not None  # the new figures, to confirm again
    again = second.post(url, {"key": key2, "mode": "percent", "percent": "50", "seen": stale.context["seen"],
                              "confirm": "1"})
    assert again.status_code == 302 and RefundBatch.objects.count() == 2  # a second half, knowingly


@pytest.mark.django_db(transaction=True)
def test_two_part_refunds_confirmed_at_the_same_moment_make_one_batch() -> None:
    """The same stale-page rule under the date's lock: two confirmations of the same figures at
    the same moment (different keys) start one batch, the other is refused."""
    shop = shop_create(slug="parts")
    order = order_paid(shop, method="cash", tickets=2, meals=0)

    def start(key: str) -> Any:
        return refund_batch_start(organizer_id=shop.organizer.pk, date_id=shop.date.pk, kind=RefundBatchKind.PART,
                                  key=key, percent=Decimal(50), after_batch_id=0)

    results = run_together([lambda: start("tab-1"), lambda: start("tab-2")])
    batches = [r for r in results if isinstance(r, RefundBatch)]
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(batches) == 1 and len(refused) == 1, results
    assert isinstance(refused[0], Conflict)
    assert RefundBatch.objects.count() == 1 and _refunded(order) == 1500


@pytest.mark.django_db(transaction=True)
def test_a_session_wide_refund_and_a_refund_from_the_order_page_do_not_deadlock() -> None:
    """Defect (PostgreSQL): a batch's item locked the order, then its payments; the order page's
    refund (as a payment service's notice) locks the payments, then the order. Meeting halfway,
    PostgreSQL killed one of them with a deadlock: a 500 on the order page, or a stopped batch.
    The batch now locks in the same order (payments, then the order)."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer at a time: no row locks to take in the wrong order")
    from billetterie.payments import batch as batch_module

    shop = shop_create(slug="locks")
    order = order_paid(shop, method="cash", tickets=2, meals=0)
    batch = refund_batch_start(organizer_id=shop.organizer.pk, date_id=shop.date.pk, kind=RefundBatchKind.PART,
                               key="k", percent=Decimal(10), run=False)
    item = batch.items.get()
    in_batch = threading.Barrier(2)
    payments_locked = threading.Event()
    real_order_data = batch_module._order_data

    def order_data_in_the_middle(orders: list[Order]) -> Any:
        # the batch holds what it locked first; the order page's refund starts now
        in_batch.wait(timeout=10)
        payments_locked.wait(timeout=3)  # set once the refund holds the payments (never, when they are ours)
        return real_order_data(orders)

    def watch(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        result = execute(sql, params, many, context)
        if "FOR UPDATE" in sql and '"payments_payment"' in sql.split("WHERE")[0]:
            payments_locked.set()
        return result

    def page_refund() -> Any:
        in_batch.wait(timeout=10)
        with connection.execute_wrapper(watch):
            return order_refund(order_id=order.pk, amount_cents=500, expected_refunded_cents=0)

    batch_module._order_data = order_data_in_the_middle  # type: ignore[assignment]
    try:
        results = run_together_unbarriered([lambda: refund_batch_item_process(item_id=item.pk), page_refund])
    finally:
        batch_module._order_data = real_order_data  # type: ignore[assignment]
    assert not any(isinstance(r, DatabaseError) for r in results), results
    # the batch's 10 % (3,00 €), and the page's refund refused as stale (the batch came first)
    assert isinstance(results[1], Conflict), results
    assert _refunded(order) == 300


def run_together_unbarriered(jobs: list[Any]) -> list[Any]:
    """Start the jobs in threads (they synchronise themselves); each one's result or exception."""
    results: list[Any] = [None] * len(jobs)

    def run(index: int, job: Any) -> None:
        try:
            results[index] = job()
        except Exception as exc:
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    return results


# --- money: checked and sound -------------------------------------------------------------------


@pytest.mark.parametrize("amount", ["1e9", "-5", "0,001", "99999999999", "0", "NaN", "15,000", " ", "15€€"])
def test_a_refund_of_a_bad_amount_is_refused_next_to_the_field(shop: Shop, amount: str) -> None:
    order = order_paid(shop, method="cash", tickets=1, meals=0)
    client = _client(team_member_create(shop.organizer, role=Role.TREASURY))
    response = client.post(_order_url(order, "refund"), {"refunded": "0", "amount": amount, "reason": ""})
    assert response.status_code == 400, amount
    assert not Refund.objects.exists()


def test_a_refund_beyond_what_was_received_and_partial_refunds_adding_up(shop: Shop) -> None:
    order = order_paid(shop, method="cash", tickets=1, meals=0)  # 15,00 €
    client = _client(team_member_create(shop.organizer, role=Role.TREASURY))
    url = _order_url(order, "refund")
    assert client.post(url, {"refunded": "0", "amount": "15,01"}).status_code == 400
    assert client.post(url, {"refunded": "0", "amount": "10"}).status_code == 302
    assert client.post(url, {"refunded": "1000", "amount": "5,01"}).status_code == 400
    # the same page submitted again (a double click, a second tab) is stale
    assert client.post(url, {"refunded": "0", "amount": "5"}).status_code == 409
    assert client.post(url, {"refunded": "1000", "amount": "5"}).status_code == 302
    assert _refunded(order) == 1500
    order.refresh_from_db()
    assert order.state == OrderState.REFUNDED
    assert client.post(url, {"refunded": "1500", "amount": "0,01"}).status_code == 400
    assert _refunded(order) == 1500


@pytest.mark.django_db(transaction=True)
def test_the_same_refund_page_submitted_from_two_tabs_at_once_refunds_once() -> None:
    shop = shop_create(slug="tabs")
    order = order_paid(shop, method="cash", tickets=1, meals=0)
    user = team_member_create(shop.organizer, role=Role.TREASURY)
    url = _order_url(order, "refund")

    def submit() -> int:
        return _client(user).post(url, {"refunded": "0", "amount": "15"}).status_code

    codes = run_together([submit, submit, submit])
    assert sorted(codes) == [302, 409, 409], codes
    assert _refunded(order) == 1500


@pytest.mark.django_db(transaction=True)
def test_a_payment_recorded_from_two_tabs_at_once_is_recorded_once() -> None:
    shop = shop_create(slug="record")
    order = order_placed(shop, tickets=1, meals=0)
    user = team_member_create(shop.organizer, role=Role.TREASURY)

    def submit(token: str) -> int:
        return _client(user).post(_order_url(order, "record_payment"), {
            "token": token, "method": "cash", "amount": "15", "reference": ""}).status_code

    codes = run_together([lambda: submit("tab-a"), lambda: submit("tab-b"), lambda: submit("tab-a")])
    assert 302 in codes and all(c in (302, 400) for c in codes), codes  # a replay of tab-a says done
    assert sum(p.amount_cents for p in order.payments.all()) == 1500
    assert submit("tab-c") == 400  # nothing more is due


@pytest.mark.django_db(transaction=True)
def test_a_session_wide_cancellation_confirmed_twice_at_once_refunds_each_holder_once() -> None:
    shop = shop_create(slug="twice")
    orders = [order_paid(shop, method="cash", tickets=1, meals=0) for _ in range(3)]

    def start(key: str) -> Any:
        return refund_batch_start(organizer_id=shop.organizer.pk, date_id=shop.date.pk,
                                  kind=RefundBatchKind.CANCEL_DATE, key=key)

    results = run_together([lambda: start("same"), lambda: start("same"), lambda: start("other")])
    assert RefundBatch.objects.count() == 1, results
    assert all(_refunded(o) == 1500 for o in orders)


# --- roles on the server ------------------------------------------------------------------------


def _actions(shop: Shop, order: Order) -> list[tuple[str, dict[str, Any]]]:
    slug, event, product = shop.organizer.slug, shop.event.pk, shop.ticket.pk
    return [
        (_order_url(order, "refund"), {"refunded": "0", "amount": "1"}),
        (_order_url(order, "cancel"), {"refunded": "0"}),
        (reverse("backoffice:refunds:cancel_date", args=[slug, shop.date.pk]), {"key": "k"}),
        (reverse("backoffice:catalog:price_create", args=[slug, event, product]),
         {"name": "Gratuit", "amount": "0", "publication": "published", "active": "on", "position": "0"}),
        (reverse("backoffice:catalog:product_delete", args=[slug, event, shop.meal.pk]), {}),
        (reverse("backoffice:team:invite", args=[slug]), {"email": "pirate@example.org", "role": Role.ADMIN}),
        (reverse("backoffice:settings:method_add", args=[slug]), {"provider": "cheque"}),
        (reverse("backoffice:settings:details", args=[slug]), {"name": "Pirates", "contact_email": "a@b.fr",
                                                              "noreply_email": "a@b.fr", "hold_minutes": "30"}),
        (reverse("backoffice:exports:start", args=[slug, "sales"]), {"sales-format": "xlsx"}),
        (reverse("backoffice:checkin:link_create", args=[slug, 10**6]), {}),
    ]


@pytest.mark.parametrize("role", [Role.READ_ONLY, Role.BOX_OFFICE, Role.CHECKIN])
def test_members_without_the_permission_change_nothing_by_posting(shop: Shop, role: str) -> None:
    order = order_paid(shop, method="cash", tickets=1, meals=0)
    client = _client(team_member_create(shop.organizer, role=role))
    for url, body in _actions(shop, order):
        assert client.post(url, body).status_code in (403, 404), url
    assert not Refund.objects.exists() and not RefundBatch.objects.exists()
    assert not shop.ticket.prices.filter(name="Gratuit").exists() and shop.meal.__class__.objects.filter(
        pk=shop.meal.pk).exists()
    assert not User.objects.filter(email="pirate@example.org").exists()
    assert not PaymentMethodConfig.objects.filter(provider="cheque").exists()
    shop.organizer.refresh_from_db()
    assert shop.organizer.name != "Pirates"


def test_a_non_administrator_cannot_make_themself_administrator(shop: Shop) -> None:
    for role in (Role.TREASURY, Role.TICKETING, Role.READ_ONLY):
        user = team_member_create(shop.organizer, role=role)
        member = TeamMember.objects.get(user=user)
        client = _client(user)
        url = reverse("backoffice:team:role", args=[shop.organizer.slug, member.pk])
        assert client.post(url, {f"m{member.pk}-role": Role.ADMIN}).status_code == 403
        member.refresh_from_db()
        assert member.role == role


# --- tenant isolation ---------------------------------------------------------------------------


def test_an_administrator_of_another_organiser_reaches_nothing_of_this_one(shop: Shop) -> None:
    other = shop_create(slug="rival")
    order = order_paid(shop, method="cash", tickets=1, meals=0)
    rival = _client(team_member_create(other.organizer, role=Role.ADMIN))
    for url, body in _actions(shop, order):
        assert rival.post(url, body).status_code == 404, url
    assert rival.get(_order_url(order, "detail")).status_code == 404
    # this organiser's ids typed into the rival's own addresses and forms
    outsider = team_member_create(shop_create(slug="x").organizer)
    member = TeamMember.objects.create(organizer=shop.organizer, user=outsider, role=Role.READ_ONLY)
    slug = other.organizer.slug
    assert rival.post(reverse("backoffice:team:role", args=[slug, member.pk]),
                      {f"m{member.pk}-role": Role.ADMIN}).status_code == 404
    assert rival.post(reverse("backoffice:team:remove", args=[slug, member.pk])).status_code == 404
    assert rival.get(reverse("backoffice:catalog:event", args=[slug, shop.event.pk])).status_code == 404
    quota_field = rival.post(reverse("backoffice:catalog:product_edit", args=[slug, other.event.pk, other.ticket.pk]),
                             {"name": "X", "position": "0", "quotas": [shop.meal_quota.pk]})
    assert quota_field.status_code == 400
    rival_order = order_paid(other, method="cash", tickets=1, meals=0)
    line = order.lines.first()
    assert line is not None
    refund = rival.post(_order_url(rival_order, "refund"), {"refunded": "0", "line": line.pk})
    assert refund.status_code == 400 and not Refund.objects.exists()
    member.refresh_from_db()
    assert member.role == Role.READ_ONLY
    # this organiser's export file, scanner link, batch and refund, through the rival's addresses
    from billetterie.api.services import scanner_token_create
    from billetterie.reporting.services import export_start

    job = export_start(organizer_id=shop.organizer.pk, user_id=None, kind="sales", fmt="xlsx", params={})
    token, _secret = scanner_token_create(organizer=shop.organizer, name="Porte A")
    batch = refund_batch_start(organizer_id=shop.organizer.pk, date_id=shop.date.pk, kind=RefundBatchKind.PART,
                               key="k", percent=Decimal(10))
    refund = Refund.objects.get(batch_item__batch=batch)
    for url in (reverse("backoffice:exports:download", args=[slug, job.pk]),
                reverse("backoffice:exports:status", args=[slug, job.pk]),
                reverse("backoffice:exports:download", args=[shop.organizer.slug, job.pk]),
                reverse("backoffice:refunds:batch", args=[slug, batch.pk])):
        assert rival.get(url).status_code == 404, url
    assert rival.post(reverse("backoffice:checkin:link_revoke", args=[slug, token.pk])).status_code == 404
    rival_batch = refund_batch_start(organizer_id=other.organizer.pk, date_id=other.date.pk,
                                     kind=RefundBatchKind.PART, key="k", percent=Decimal(10))
    assert rival_batch.pk != batch.pk  # the same key, another organiser: its own batch
    assert rival.post(reverse("backoffice:refunds:mark_done", args=[slug, rival_batch.pk, refund.pk])
                      ).status_code == 404
    token.refresh_from_db()
    refund.refresh_from_db()
    assert token.revoked_at is None and refund.state == "manual"


def test_the_switcher_lists_only_the_persons_own_organisers(shop: Shop) -> None:
    shop_create(slug="rival")
    client = _client(team_member_create(shop.organizer, role=Role.READ_ONLY))
    page = client.get(reverse("backoffice:account")).content.decode()
    assert "/gestion/assoc/" in page and "/gestion/rival/" not in page
    assert client.get("/gestion/rival/").status_code == 404


# --- sign-in ------------------------------------------------------------------------------------


LOGIN = "/gestion/connexion/"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example/",
                                    "\\\\evil.example", "https:evil.example", "javascript:alert(1)"])
def test_no_open_redirect_after_sign_in(shop: Shop, target: str) -> None:
    team_member_create(shop.organizer, role=Role.ADMIN, email="admin@assoc.example")
    response = Client().post(f"{LOGIN}?next={target}", {"email": "admin@assoc.example", "password": PASSWORD,
                                                        "next": target})
    assert response.status_code == 302
    assert response["Location"].startswith("/") and not response["Location"].startswith(("//", "/\\"))
    assert "evil" not in response["Location"]


def test_the_session_key_changes_at_sign_in(shop: Shop) -> None:
    team_member_create(shop.organizer, role=Role.ADMIN, email="admin@assoc.example")
    client = Client()
    client.get(LOGIN)
    client.session.save()
    before = client.session.session_key
    client.post(LOGIN, {"email": "admin@assoc.example", "password": PASSWORD})
    assert client.session.session_key != before and "_auth_user_id" in client.session


@time_machine.travel("2026-12-03 10:00:10+00:00", tick=False)  # inside one window of each limit
def test_sign_in_limits_hold_per_email_across_clients_and_per_client_across_emails(shop: Shop) -> None:
    team_member_create(shop.organizer, role=Role.ADMIN, email="admin@assoc.example")
    for n in range(10):
        Client(REMOTE_ADDR=f"198.51.100.{n}").post(LOGIN, {"email": "admin@assoc.example", "password": "non"})
    # the right password from yet another client: still refused while the address's window lasts
    last = Client(REMOTE_ADDR="198.51.100.200").post(LOGIN, {"email": "ADMIN@assoc.example", "password": PASSWORD})
    assert last.status_code == 429 and "_auth_user_id" not in last.client.session
    one = Client(REMOTE_ADDR="203.0.113.9")
    codes = [one.post(LOGIN, {"email": f"u{n}@assoc.example", "password": "non"}).status_code for n in range(21)]
    assert codes[-1] == 429 and codes[0] == 200


def _with_two_factor(user: User) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="app", confirmed=True)


@time_machine.travel("2026-12-03 10:00:10+00:00", tick=False)
def test_the_code_step_cannot_be_skipped_by_going_to_another_page(shop: Shop) -> None:
    user = team_member_create(shop.organizer, role=Role.ADMIN, email="admin@assoc.example")
    device = _with_two_factor(user)
    client = Client()
    response = client.post(LOGIN, {"email": "admin@assoc.example", "password": PASSWORD})
    assert response["Location"] == reverse("backoffice:login_code")
    for url in ("/gestion/", "/gestion/assoc/", "/gestion/assoc/commandes/", reverse("backoffice:account"),
                reverse("backoffice:account_two_factor")):
        page = client.get(url)
        assert page.status_code == 302 and page["Location"].startswith(LOGIN), url
    # turning two-factor off needs a signed-in person, not one half-way
    client.post(reverse("backoffice:account_two_factor_off"), {"password": PASSWORD})
    assert TOTPDevice.objects.filter(pk=device.pk).exists()
    # wrong codes are limited per person, even from many clients
    codes = [Client(REMOTE_ADDR=f"192.0.2.{n}") for n in range(7)]
    for n, other in enumerate(codes):
        other.post(LOGIN, {"email": "admin@assoc.example", "password": PASSWORD})
        answer = other.post(reverse("backoffice:login_code"), {"code": f"{n:06d}"})
    assert answer.status_code == 429
    right = f"{totp(device.bin_key):06d}"
    assert codes[-1].post(reverse("backoffice:login_code"), {"code": right}).status_code == 429


@time_machine.travel("2026-12-03 10:00:10+00:00", tick=False)
def test_the_password_cannot_be_guessed_from_the_account_page_of_a_session_left_open(shop: Shop) -> None:
    """Defect: « Mon compte » checked the current password (to change it, or to turn two-factor
    off) as often as asked: someone at a computer left signed in could guess it, then change it
    and lock its owner out. Those checks now count against the sign-in's limit for the address."""
    user = team_member_create(shop.organizer, role=Role.ADMIN, email="admin@assoc.example")
    client = _client(user)
    account = reverse("backoffice:account")
    for n in range(10):
        wrong = client.post(account, {"old_password": f"essai {n}", "new_password1": "Tout nouveau 2026!",
                                      "new_password2": "Tout nouveau 2026!"})
        assert wrong.status_code == 400 and "incorrect" in wrong.content.decode()
    guessed = client.post(account, {"old_password": PASSWORD, "new_password1": "Tout nouveau 2026!",
                                    "new_password2": "Tout nouveau 2026!"})
    assert guessed.status_code == 429
    assert "incorrect" not in guessed.content.decode()  # nor whether it was the right one
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


@time_machine.travel("2026-12-03 10:00:10+00:00", tick=False)
def test_turning_two_factor_off_counts_the_password_tries(shop: Shop) -> None:
    user = team_member_create(shop.organizer, role=Role.ADMIN, email="admin@assoc.example")
    client = _client(user)
    for n in range(10):
        client.post(reverse("backoffice:account_two_factor_off"), {"password": f"essai {n}"})
    device = _with_two_factor(user)
    # the session is the owner's, verified: django-otp's session key set as a code would set it
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    response = client.post(reverse("backoffice:account_two_factor_off"), {"password": PASSWORD})
    assert response.status_code == 429
    assert TOTPDevice.objects.filter(pk=device.pk).exists()


def test_an_invitation_link_works_once(shop: Shop) -> None:
    from billetterie.organizers.services import invitation_token, team_member_invite

    invitation = team_member_invite(organizer=shop.organizer, email="nouveau@example.org", role=Role.READ_ONLY)
    token = invitation_token(user=invitation.member.user)
    url = reverse("backoffice:invitation", args=[token])
    new = {"new_password1": "Un autre mot de passe 42", "new_password2": "Un autre mot de passe 42"}
    assert Client().post(url, new).status_code == 302
    assert Client().post(url, new).status_code == 410
    assert Client().get(url).status_code == 410


# --- CSRF and secrets ---------------------------------------------------------------------------


def test_every_backoffice_post_needs_the_csrf_token(shop: Shop) -> None:
    from tests.backoffice.pages import fill_route, page_data
    from tests.backoffice.test_pages_french import backoffice_patterns

    admin = team_member_create(shop.organizer, role=Role.ADMIN)
    data = page_data(shop, admin)
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin)
    checked = 0
    for name, route in backoffice_patterns():
        # the CSRF check comes before the view: a part the page walk has no value for (a new
        # section's, the reset link's token) may be any value of its converter's shape
        extra = {part: 1 if converter == "int" else "x"
                 for converter, part in re.findall(r"<(?:(\w+):)?(\w+)>", route) if part not in data}
        url = fill_route(route, {**data, **extra})
        assert url is not None, name
        response = client.post(url, {"email": "a@b.fr", "password": PASSWORD})
        assert response.status_code == 403, (name, response.status_code)
        checked += 1
    assert checked > 40


def test_no_secret_is_shown_again_after_it_was_created(shop: Shop) -> None:
    from billetterie.payments.crypto import credentials_encrypt

    admin = team_member_create(shop.organizer, role=Role.ADMIN)
    client = _client(admin)
    # the scanner link's token: on its page once, never on the list
    from tests.factories import door

    checkin_list, _scope = door(shop)
    link = client.post(reverse("backoffice:checkin:link_create", args=[shop.organizer.slug, checkin_list.pk]))
    token = re.search(r"#token=([\w-]+)", link.content.decode())
    assert token is not None
    listed = client.get(reverse("backoffice:checkin:index", args=[shop.organizer.slug])).content.decode()
    assert token.group(1) not in listed
    # a payment service's secret: masked on its page
    config = PaymentMethodConfig.objects.create(organizer=shop.organizer, provider="stripe")
    config.sandbox_credentials = credentials_encrypt({"secret_key": "sk_test_supersecretvalue123"})
    config.save()
    page = client.get(reverse("backoffice:settings:method", args=[shop.organizer.slug, config.pk])).content.decode()
    assert "supersecretvalue" not in page and "sk_test_supe" not in page
