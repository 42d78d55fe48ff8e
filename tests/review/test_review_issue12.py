"""Hostile review of issue 12 (members, accounts, contact, attendees, self-service): each test
here failed before the fix it comes with."""

from __future__ import annotations

from datetime import date

import time_machine
from django.utils import timezone

from billetterie.memberships.models import Membership, MembershipState, MembershipType, ValidityRule
from billetterie.memberships.selectors import membership_state
from billetterie.payments.services import refund_create
from tests.factories import Shop, order_paid, sandbox_turned_on

OCTOBER = timezone.make_aware(timezone.datetime(2026, 10, 5, 12))


def _membership_type(shop: Shop) -> MembershipType:
    return MembershipType.objects.create(organizer=shop.organizer, name="Adhésion", rule=ValidityRule.SEASON,
                                         product=shop.membership)


# --- a refunded membership no longer counts --------------------------------------------------------


def test_refunding_a_membership_order_cancels_the_membership(shop: Shop) -> None:
    """Given back its money, a membership must not still open member prices and pass the door."""
    _membership_type(shop)
    sandbox_turned_on(shop)
    with time_machine.travel(OCTOBER, tick=False):
        order = order_paid(shop, tickets=0, meals=0, membership=True, method="sandbox")
        membership = Membership.objects.get()
        assert membership_state(membership, on=date(2026, 11, 1)) == MembershipState.ACTIVE
        payment = order.payments.get()
        refund_create(payment=payment, amount_cents=payment.amount_cents, reason="remboursée")
    membership.refresh_from_db()
    assert membership_state(membership, on=date(2026, 11, 1)) == MembershipState.CANCELLED


def test_refunding_the_membership_line_alone_cancels_it_and_nothing_else(shop: Shop) -> None:
    _membership_type(shop)
    sandbox_turned_on(shop)
    with time_machine.travel(OCTOBER, tick=False):
        order = order_paid(shop, tickets=1, meals=0, membership=True, method="sandbox")
        line = order.lines.get(kind="membership")
        refund_create(payment=order.payments.get(), amount_cents=line.amount_cents, line_id=line.pk)
    order.refresh_from_db()
    assert order.state == "paid"  # the ticket is still bought
    membership = Membership.objects.get()
    assert membership.cancelled_at is not None


# --- one membership per member: a family's members stay apart -------------------------------------


def _memberships_order(shop: Shop, people: list[tuple[str, str, str]], *, customer_id: int | None = None) -> None:
    """One paid order of one membership for each (first name, last name, email)."""
    from billetterie.cart.services import CartAdd, cart_add, cart_get_or_create
    from billetterie.catalog.selectors import Visibility
    from billetterie.orders.services import Checkout, Person, order_mark_paid, order_place

    shop.membership.max_per_order = 4  # a family's memberships in one order
    shop.membership.save(update_fields=["max_per_order"])
    cart = cart_get_or_create(organizer=shop.organizer, token=None)
    persons = {}
    for first, last, email in people:
        [position] = cart_add(cart=cart, item=CartAdd(product=shop.membership, price=shop.member_alumni),
                              visibility=Visibility())
        persons[position.pk] = Person(name=f"{first} {last}", email=email, holder={
            "first_name": first, "last_name": last, "address": "3 rue des Lilas", "postcode": "46200",
            "city": "Souillac"})
    order = order_place(cart_token=cart.token, checkout=Checkout(
        email="famille@example.org", name="Marie Durand", terms_accepted=True, people=persons,
        customer_id=customer_id))
    assert order_mark_paid(order_id=order.pk)


def test_two_members_of_a_family_sharing_an_address_are_two_members(shop: Shop) -> None:
    """Seed 000: one membership per member. A mother and her son with the family's address are
    two members with a season each, not one member whose season was renewed by the second."""
    from billetterie.memberships.models import Member

    _membership_type(shop)
    with time_machine.travel(OCTOBER, tick=False):
        _memberships_order(shop, [("Marie", "Durand", "famille@example.org"),
                                  ("Léo", "Durand", "famille@example.org")])
    members = list(Member.objects.order_by("id"))
    assert [(m.first_name, m.last_name) for m in members] == [("Marie", "Durand"), ("Léo", "Durand")]
    for member in members:
        [membership] = member.memberships.all()
        assert (membership.start, membership.end) == (date(2026, 9, 1), date(2027, 8, 31))


def test_a_signed_in_buyer_who_is_a_member_buying_for_someone_else(shop: Shop) -> None:
    """The buyer's account already has her member record: a membership she buys for her son is
    his, and her record keeps her own name and address."""
    from billetterie.memberships.models import Member
    from tests.customers.helpers import customer_create

    _membership_type(shop)
    customer = customer_create(shop.organizer, "marie@example.org", verified=True)
    with time_machine.travel(OCTOBER, tick=False):
        _memberships_order(shop, [("Marie", "Durand", "marie@example.org")], customer_id=customer.pk)
        _memberships_order(shop, [("Léo", "Durand", "leo@example.org")], customer_id=customer.pk)
        _memberships_order(shop, [("Marie", "Durand", "marie@example.org")], customer_id=customer.pk)
    marie, leo = Member.objects.order_by("id")
    assert (marie.first_name, marie.email, marie.customer_id) == ("Marie", "marie@example.org", customer.pk)
    assert (leo.first_name, leo.email) == ("Léo", "leo@example.org")
    assert leo.memberships.count() == 1
    assert [m.end for m in marie.memberships.order_by("id")] == [date(2027, 8, 31), date(2028, 8, 31)]  # renewed


# --- the account page shows only what the account's own orders and records hold ------------------


def test_the_account_page_never_shows_another_buyers_order_link(shop: Shop) -> None:
    """A mother once bought her son's membership while signed in; the next season he renews it
    himself, as a guest. Her account lists what she bought — never his order's secret link (with
    it, his order's page: his tickets, and cancelling it), nor in her data download."""
    import json

    from django.test import Client
    from django.urls import reverse

    from billetterie.customers.selectors import session_key, session_value
    from billetterie.orders.models import Order
    from tests.customers.helpers import customer_create

    _membership_type(shop)
    mother = customer_create(shop.organizer, "famille@example.org", verified=True)
    with time_machine.travel(OCTOBER, tick=False):
        _memberships_order(shop, [("Léo", "Durand", "leo@example.org")], customer_id=mother.pk)
    with time_machine.travel(timezone.make_aware(timezone.datetime(2027, 8, 20, 12)), tick=False):
        _memberships_order(shop, [("Léo", "Durand", "leo@example.org")])  # his own renewal, a guest
        his = Order.objects.order_by("-id").first()
        assert his is not None and his.customer_id is None
        assert Membership.objects.filter(member__first_name="Léo").count() == 2  # one member, renewed
        client = Client()
        session = client.session
        session[session_key(shop.organizer.pk)] = session_value(mother)
        session.save()
        page = client.get(reverse("shop:account", args=[shop.organizer.slug])).content.decode()
        data = json.loads(client.get(reverse("shop:account_data", args=[shop.organizer.slug])).content)
    assert his.secret not in page and his.code not in page
    [member] = data["members"]
    assert [m["end"] for m in member["memberships"]] == ["2027-08-31"]  # what she bought, not his renewal
    mine = Order.objects.get(customer=mother)
    assert mine.secret in page  # her own order's card, as before


# --- forms on pages whose referrer policy is no-referrer -------------------------------------------


def _csrf_post(client: object, url: str, data: dict[str, str], origin: str) -> int:
    """POST the page's form as a browser does: the CSRF cookie and field, and its Origin header."""
    from django.test import Client

    assert isinstance(client, Client)
    token = client.cookies["csrftoken"].value
    return client.post(url, {**data, "csrfmiddlewaretoken": token}, headers={"Origin": origin}).status_code


def _referrer_policy(response: object) -> str:
    import re

    from django.http import HttpResponse

    assert isinstance(response, HttpResponse)
    meta = re.search(r'<meta name="referrer" content="([^"]+)"', response.content.decode())
    return meta.group(1) if meta else str(response.get("Referrer-Policy", ""))


def test_the_new_password_pages_send_their_origin_so_the_csrf_check_accepts_them(shop: Shop) -> None:
    """With « no-referrer » a browser posts the page's form with « Origin: null », which Django's
    CSRF check refuses (403): the invitation's and the password reset's forms could never be sent
    from Chromium. « same-origin » keeps the link's token from other sites and sends the Origin."""
    from django.contrib.auth.tokens import default_token_generator
    from django.test import Client
    from django.urls import reverse
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    from billetterie.organizers.models import Role
    from billetterie.organizers.services import invitation_token, team_member_invite
    from tests.factories import team_member_create

    new = {"new_password1": "Un autre mot de passe 42", "new_password2": "Un autre mot de passe 42"}
    # the invitation's page
    invitation = team_member_invite(organizer=shop.organizer, email="nouveau@example.org", role=Role.READ_ONLY)
    url = reverse("backoffice:invitation", args=[invitation_token(user=invitation.member.user)])
    client = Client(enforce_csrf_checks=True)
    page = client.get(url)
    assert page.status_code == 200 and _referrer_policy(page) == "same-origin"
    assert _csrf_post(client, url, new, "null") == 403  # what « no-referrer » made the browser send
    assert _csrf_post(client, url, new, "http://testserver") == 302
    # the password reset link's page
    user = team_member_create(shop.organizer, role=Role.ADMIN)
    link = reverse("backoffice:password_reset_confirm", args=[
        urlsafe_base64_encode(force_bytes(user.pk)), default_token_generator.make_token(user)])
    client = Client(enforce_csrf_checks=True)
    form_url = client.get(link)["Location"]  # Django moves the token into the session
    page = client.get(form_url)
    assert page.status_code == 200 and _referrer_policy(page) == "same-origin"
    assert _csrf_post(client, form_url, new, "null") == 403
    assert _csrf_post(client, form_url, new, "http://testserver") == 302


# --- the password reset's link: the site's address, never the request's Host ----------------------


def test_the_password_reset_link_is_on_the_site_url_whatever_the_host(shop: Shop, settings: object) -> None:
    """The emailed link must not follow a Host header an attacker chose (the victim would give
    their token away by opening it): with SITE_URL set, the link is on it."""
    from django.core import mail
    from django.test import Client
    from django.urls import reverse

    from billetterie.organizers.models import Role
    from tests.factories import team_member_create

    settings.SITE_URL = "https://billets.example.org"  # type: ignore[attr-defined]
    settings.ALLOWED_HOSTS = ["billets.example.org", "autre.example.org"]  # type: ignore[attr-defined]
    user = team_member_create(shop.organizer, role=Role.ADMIN)
    response = Client().post(reverse("backoffice:password_reset"), {"email": user.email},
                             headers={"Host": "autre.example.org"})
    assert response.status_code == 302
    [email] = mail.outbox
    assert "https://billets.example.org/gestion/mot-de-passe/" in email.body
    assert "autre.example.org" not in email.body


# --- self-service: a ticket that entered is not cancelled for a refund -----------------------------


def test_an_order_whose_ticket_was_scanned_in_is_not_cancelled_by_its_buyer(shop: Shop) -> None:
    """« 0 days »: buyers may cancel until the date starts — and the doors open before. Someone let
    in at 19:30 must not cancel at 19:45 and be refunded while inside."""
    import pytest

    from billetterie.checkin.models import ScanResult
    from billetterie.checkin.services import scan_redeem
    from billetterie.core.errors import Conflict
    from billetterie.payments.models import Refund
    from billetterie.payments.self_service import NOT_ONLINE, SelfCancelKind, order_self_cancel, order_self_cancel_offer
    from billetterie.tickets.signing import ticket_payload
    from tests.factories import door

    start = timezone.make_aware(timezone.datetime(2027, 3, 19, 20, 0))
    shop.date.start, shop.date.end = start, None
    shop.date.save(update_fields=["start", "end"])
    shop.event.self_cancel_days = 0
    shop.event.save(update_fields=["self_cancel_days"])
    sandbox_turned_on(shop)
    _list, scope = door(shop, accept_test_tickets=True)  # the sandbox's card: a test order
    with time_machine.travel(timezone.make_aware(timezone.datetime(2027, 3, 1, 10)), tick=False):
        order = order_paid(shop, method="sandbox", tickets=2, meals=0)
    with time_machine.travel(timezone.make_aware(timezone.datetime(2027, 3, 19, 19, 30)), tick=False):
        line = order.lines.filter(kind="ticket").order_by("id").first()
        assert line is not None
        assert scan_redeem(scope=scope, text=ticket_payload(line=line), device_id="porte").result == ScanResult.OK
        offer = order_self_cancel_offer(order=order)
        assert offer.kind == SelfCancelKind.NONE and offer.refusal and offer.refusal_code != NOT_ONLINE
        with pytest.raises(Conflict):
            order_self_cancel(order_id=order.pk)
    order.refresh_from_db()
    assert order.state == "paid" and not Refund.objects.exists()
