"""Member prices (issue 12, item 4): a price reserved to members of given types is sold only with a
proof of a membership valid on the day attended — at cart add, again when the order is placed
(the membership may have been cancelled meanwhile), on the API; the proof by member number and
last name (accents and case aside), rate-limited per number and per client; the back office's
price form."""

from __future__ import annotations

import html
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from billetterie.cart.models import CartPosition
from billetterie.cart.services import CartAdd, cart_add, cart_get_or_create
from billetterie.catalog.models import Price
from billetterie.catalog.selectors import Visibility
from billetterie.core import clock
from billetterie.core.audit import AuditEntry
from billetterie.core.errors import InvalidInput
from billetterie.core.ratelimit import RateLimited
from billetterie.customers.models import Customer
from billetterie.customers.selectors import session_key as customer_session_key
from billetterie.customers.selectors import session_value
from billetterie.memberships.models import Member, MembershipType, PriceRequirement, ValidityRule
from billetterie.memberships.prices import (
    PROOFS_PER_CLIENT,
    PROOFS_PER_NUMBER,
    MemberProof,
    member_price_allowed,
    member_prove,
    price_requirement_for,
    price_requirement_set,
)
from billetterie.memberships.services import MemberDetails, membership_cancel, membership_grant
from billetterie.orders.models import Order
from billetterie.orders.services import Checkout, LineSpec, Person, order_create, order_place
from billetterie.organizers.models import Role
from tests.factories import PASSWORD, Shop, organizer_create, shop_create, team_member_create

pytestmark = pytest.mark.django_db


def _type(shop: Shop, name: str = "Adhésion annuelle", months: int = 12) -> MembershipType:
    return MembershipType.objects.create(organizer=shop.organizer, name=name, rule=ValidityRule.MONTHS,
                                         months=months)


def _member_price(shop: Shop, *types: MembershipType, name: str = "Adhérent") -> Price:
    price = Price.objects.create(product=shop.ticket, name=name, amount_cents=800, position=3)
    price_requirement_set(price=price, type_ids=[t.pk for t in types])
    return price


def _member(membership_type: MembershipType, *, on: date | None = None, last_name: str = "Lefèvre") -> Member:
    membership = membership_grant(membership_type=membership_type, on=on or timezone.localdate(clock.now()),
                                  details=MemberDetails(first_name="Hélène", last_name=last_name,
                                                        email="helene@example.org"))
    return membership.member


def _proof(*members: Member) -> MemberProof:
    return MemberProof(member_ids=frozenset(m.pk for m in members))


def _add(shop: Shop, price: Price, proof: MemberProof | None, token: str | None = None) -> str:
    cart = cart_get_or_create(organizer=shop.organizer, token=token)
    cart_add(cart=cart, item=CartAdd(product=shop.ticket, price=price, date=shop.date), visibility=Visibility(),
             member_proof=proof)
    return cart.token


def _checkout(cart_token: str, proof: MemberProof | None) -> Checkout:
    people = {p.pk: Person(name="Hélène Lefèvre", email="helene@example.org")
              for p in CartPosition.objects.filter(cart__token=cart_token)}
    return Checkout(email="helene@example.org", name="Hélène Lefèvre", terms_accepted=True, people=people,
                    member_proof=proof)


def _text(response: Any) -> str:
    """The page's text, entities read and French no-break spaces as plain ones."""
    return html.unescape(response.content.decode()).replace("\u202f", " ").replace("\u00a0", " ")


def _event_day(shop: Shop) -> date:
    return timezone.localdate(shop.date.start)


# --- the rule --------------------------------------------------------------------------------------


def test_a_member_price_needs_a_membership_of_its_types(shop: Shop) -> None:
    annual, patron = _type(shop), _type(shop, "Bienfaiteur")
    price = _member_price(shop, annual)
    assert price_requirement_for([price.pk, shop.adult.pk]) == {
        price.pk: price_requirement_for([price.pk])[price.pk]}
    assert price_requirement_for([price.pk])[price.pk].type_names == ("Adhésion annuelle",)
    day = _event_day(shop)
    assert member_price_allowed(price=price, date=day, proof=_proof(_member(annual)))
    assert not member_price_allowed(price=price, date=day, proof=_proof(_member(patron, last_name="Autre")))
    assert not member_price_allowed(price=price, date=day, proof=MemberProof())
    assert member_price_allowed(price=shop.adult, date=day, proof=MemberProof())  # not a member price


def test_cart_add_refuses_a_member_price_without_proof_and_takes_nothing(shop: Shop) -> None:
    price = _member_price(shop, _type(shop))
    with pytest.raises(InvalidInput) as refused:
        _add(shop, price, None)
    assert refused.value.code == "member_price_refused" and refused.value.status == 422
    assert "Adhésion annuelle" in refused.value.message
    assert not CartPosition.objects.exists()


def test_cart_add_accepts_it_with_a_member_or_a_signed_in_account(shop: Shop) -> None:
    annual = _type(shop)
    price = _member_price(shop, annual)
    member = _member(annual)
    _add(shop, price, _proof(member))
    customer = Customer.objects.create(organizer=shop.organizer, email="helene@example.org", created_at=clock.now())
    Member.objects.filter(pk=member.pk).update(customer=customer)
    _add(shop, price, MemberProof(customer_id=customer.pk))
    assert CartPosition.objects.filter(price=price).count() == 2


def test_the_membership_must_be_valid_on_the_events_date_not_merely_today(shop: Shop) -> None:
    short = _type(shop, "Adhésion découverte", months=1)  # ends before the date, 60 days ahead
    price = _member_price(shop, short)
    with pytest.raises(InvalidInput, match="Adhésion découverte"):
        _add(shop, price, _proof(_member(short)))
    # one that starts after today but covers the date opens it
    later = _member(short, on=_event_day(shop) - timedelta(days=5), last_name="Martin")
    _add(shop, price, _proof(later))


def test_another_organisers_member_proves_nothing(shop: Shop) -> None:
    price = _member_price(shop, _type(shop))
    other = shop_create(slug="autre")
    stranger = _member(MembershipType.objects.create(organizer=other.organizer, name="Adhésion annuelle",
                                                     rule=ValidityRule.LIFETIME))
    with pytest.raises(InvalidInput):
        _add(shop, price, _proof(stranger))


# --- again when the order is placed ---------------------------------------------------------------


def test_a_membership_cancelled_between_cart_and_placement_is_refused_and_nothing_is_written(shop: Shop) -> None:
    annual = _type(shop)
    price = _member_price(shop, annual)
    member = _member(annual)
    token = _add(shop, price, _proof(member))
    membership_cancel(membership_id=member.memberships.get().pk)
    with pytest.raises(InvalidInput) as refused:
        order_place(cart_token=token, checkout=_checkout(token, _proof(member)))
    assert refused.value.code == "member_price_refused"
    assert not Order.objects.exists()
    assert CartPosition.objects.filter(cart__token=token).count() == 1  # still in the cart, to remove


def test_placement_checks_the_proof_given_then(shop: Shop) -> None:
    annual = _type(shop)
    price = _member_price(shop, annual)
    member = _member(annual)
    token = _add(shop, price, _proof(member))
    with pytest.raises(InvalidInput):  # the proof is gone (another session, signed out)
        order_place(cart_token=token, checkout=_checkout(token, None))
    order = order_place(cart_token=token, checkout=_checkout(token, _proof(member)))
    assert order.lines.get().price == price


def test_orders_placed_directly_check_it_too_and_the_box_office_vouches(shop: Shop) -> None:
    annual = _type(shop)
    price = _member_price(shop, annual)
    line = LineSpec(CartAdd(product=shop.ticket, price=price, date=shop.date), Person("Léa Roux", "lea@example.org"))
    checkout = Checkout(email="lea@example.org", name="Léa Roux", terms_accepted=True)
    with pytest.raises(InvalidInput):
        order_create(organizer=shop.organizer, lines=[line], checkout=checkout, visibility=Visibility(staff=True),
                     channel="api")
    assert not Order.objects.exists()
    from dataclasses import replace

    order, _created = order_create(organizer=shop.organizer, lines=[line], visibility=Visibility(staff=True),
                                   checkout=replace(checkout, at_box_office=True), channel="box_office")
    assert order.lines.get().price == price


# --- the proof by number and last name, and its limits --------------------------------------------


def test_the_proof_ignores_accents_case_and_spaces(shop: Shop) -> None:
    member = _member(_type(shop))
    assert member_prove(organizer_id=shop.organizer.pk, number=f" {member.number.lower()} ",
                        last_name="LEFEVRE", client="1.2.3.4") == member
    with pytest.raises(InvalidInput) as wrong_name:
        member_prove(organizer_id=shop.organizer.pk, number=member.number, last_name="Dupont", client="1.2.3.4")
    with pytest.raises(InvalidInput) as wrong_number:
        member_prove(organizer_id=shop.organizer.pk, number="Z-999", last_name="Lefèvre", client="1.2.3.4")
    # the same words either way: nothing says which of the two is wrong
    assert wrong_name.value.message == wrong_number.value.message
    assert wrong_name.value.code == "member_not_found"


def test_past_the_limit_per_number_even_the_right_name_is_refused(shop: Shop) -> None:
    member = _member(_type(shop))
    for i in range(PROOFS_PER_NUMBER.per_window):  # from as many clients: the number is what is counted
        with pytest.raises(InvalidInput):
            member_prove(organizer_id=shop.organizer.pk, number=member.number, last_name=f"Faux{i}",
                         client=f"10.0.0.{i}")
    with pytest.raises(RateLimited) as limited:
        member_prove(organizer_id=shop.organizer.pk, number=member.number, last_name="Lefèvre", client="10.0.1.1")
    assert limited.value.status == 429
    # another number is not affected
    other = _member(MembershipType.objects.get(organizer=shop.organizer), last_name="Martin")
    Member.objects.filter(pk=other.pk).update(email="martin@example.org")
    assert member_prove(organizer_id=shop.organizer.pk, number=other.number, last_name="Martin",
                        client="10.0.1.1") == other


def test_past_the_limit_per_client_even_the_right_pair_is_refused(shop: Shop) -> None:
    member = _member(_type(shop))
    for i in range(PROOFS_PER_CLIENT.per_window):  # a different number each time
        with pytest.raises(InvalidInput):
            member_prove(organizer_id=shop.organizer.pk, number=f"X-{i}", last_name="Lefèvre", client="10.9.9.9")
    with pytest.raises(RateLimited):
        member_prove(organizer_id=shop.organizer.pk, number=member.number, last_name="Lefèvre", client="10.9.9.9")
    assert member_prove(organizer_id=shop.organizer.pk, number=member.number, last_name="Lefèvre",
                        client="10.9.9.10") == member


# --- the shop ---------------------------------------------------------------------------------------


def _event_url(shop: Shop) -> str:
    return reverse("shop:event", args=[shop.organizer.slug, shop.event.slug])


def _prove_url(shop: Shop) -> str:
    return reverse("shop:member_prove", args=[shop.organizer.slug, shop.event.slug])


def test_the_event_page_shows_the_member_price_and_the_proof_form(shop: Shop) -> None:
    price = _member_price(shop, _type(shop))
    page = _text(Client().get(_event_url(shop)))
    assert "Tarif réservé aux adhérents (Adhésion annuelle)" in page
    assert "Numéro d'adhérent" in page
    assert f'name="qty_{price.pk}"' in page


def test_the_shop_refuses_then_accepts_after_the_proof(shop: Shop) -> None:
    annual = _type(shop)
    price = _member_price(shop, annual)
    member = _member(annual)
    client = Client()
    refused = client.post(_event_url(shop), {f"qty_{price.pk}": "1"})
    assert refused.status_code == 422
    assert "est un tarif adhérent" in _text(refused)
    assert not CartPosition.objects.exists()

    wrong = client.post(_prove_url(shop), {"number": member.number, "last_name": "Dupont"})
    assert wrong.status_code == 422
    assert "ne correspondent à aucun adhérent" in _text(wrong)
    # its sign-in link comes back to the event page, not to the proof's address (POST only: a 405)
    assert f"?{urlencode({'next': _event_url(shop)})}\"" in html.unescape(wrong.content.decode())

    proved = client.post(_prove_url(shop), {"number": member.number, "last_name": "lefevre"})
    assert proved.status_code == 302
    assert client.session[f"members:{shop.organizer.pk}"] == [member.pk]
    assert "Votre adhésion est reconnue" in _text(client.get(_event_url(shop)))
    added = client.post(_event_url(shop), {f"qty_{price.pk}": "1"})
    assert added.status_code == 302
    assert CartPosition.objects.get().price == price


def test_the_proof_form_past_the_limit_is_a_429_in_french_with_nothing_revealed(shop: Shop) -> None:
    member = _member(_type(shop))
    _member_price(shop, MembershipType.objects.get(organizer=shop.organizer))
    client = Client()
    for i in range(PROOFS_PER_NUMBER.per_window):
        assert client.post(_prove_url(shop), {"number": member.number, "last_name": f"Faux{i}"}).status_code == 422
    limited = client.post(_prove_url(shop), {"number": member.number, "last_name": "Lefèvre"})
    assert limited.status_code == 429 and limited["Retry-After"]
    assert "Trop de vérifications de numéro d'adhérent" in _text(limited)
    assert f"members:{shop.organizer.pk}" not in client.session


def test_the_proof_form_per_client_limit_through_the_shop(shop: Shop) -> None:
    member = _member(_type(shop))
    _member_price(shop, MembershipType.objects.get(organizer=shop.organizer))
    client = Client(REMOTE_ADDR="192.0.2.7")
    for i in range(PROOFS_PER_CLIENT.per_window):
        client.post(_prove_url(shop), {"number": f"N-{i}", "last_name": "Lefèvre"})
    assert client.post(_prove_url(shop), {"number": member.number, "last_name": "Lefèvre"}).status_code == 429
    assert Client(REMOTE_ADDR="192.0.2.8").post(
        _prove_url(shop), {"number": member.number, "last_name": "Lefèvre"}).status_code == 302


def test_an_empty_proof_form_says_so_next_to_the_fields(shop: Shop) -> None:
    _member_price(shop, _type(shop))
    response = Client().post(_prove_url(shop), {"number": "", "last_name": ""})
    assert response.status_code == 400
    assert "Ce champ est obligatoire" in _text(response)


def test_a_signed_in_account_opens_the_member_price_at_checkout(shop: Shop) -> None:
    from billetterie.payments.models import PaymentMethodConfig

    PaymentMethodConfig.objects.get_or_create(organizer=shop.organizer, provider="sandbox",
                                              defaults={"enabled": True, "on_web": True, "on_api": True})
    annual = _type(shop)
    price = _member_price(shop, annual)
    member = _member(annual)
    customer = Customer.objects.create(organizer=shop.organizer, email="helene@example.org", created_at=clock.now())
    Member.objects.filter(pk=member.pk).update(customer=customer)
    client = Client()
    session = client.session
    session[customer_session_key(shop.organizer.pk)] = session_value(customer)
    session.save()
    assert client.post(_event_url(shop), {f"qty_{price.pk}": "1"}).status_code == 302
    from tests.shop.helpers import checkout

    _response, order = checkout(client, shop)
    assert order.lines.get().price == price


# --- the API -----------------------------------------------------------------------------------------


def test_the_api_sells_a_member_price_only_with_the_members_number_and_name(shop: Shop) -> None:
    from billetterie.api.services import api_token_create

    annual = _type(shop)
    price = _member_price(shop, annual)
    member = _member(annual)
    _row, token = api_token_create(organizer=shop.organizer, name="tests", permissions="read,orders")
    body = {"email": "helene@example.org", "name": "Hélène Lefèvre", "lines": [
        {"product_id": shop.ticket.pk, "price_id": price.pk, "date_id": shop.date.pk,
         "attendee": {"name": "Hélène Lefèvre", "email": "helene@example.org"}}]}
    headers = {"Authorization": f"Bearer {token}"}
    refused = Client().post("/api/v1/orders", body, content_type="application/json", headers=headers)
    assert refused.status_code == 422 and refused.json()["code"] == "member_price_refused"
    wrong = Client().post("/api/v1/orders", {**body, "members": [{"number": member.number, "last_name": "X"}]},
                          content_type="application/json", headers=headers)
    assert wrong.status_code == 422 and wrong.json()["code"] == "member_not_found"
    sold = Client().post("/api/v1/orders", {**body, "members": [{"number": member.number, "last_name": "LEFÈVRE"}]},
                         content_type="application/json", headers=headers)
    assert sold.status_code == 201, sold.content
    assert Order.objects.get().lines.get().price == price


# --- the back office ---------------------------------------------------------------------------------


def _price_form_url(shop: Shop, price: Price | None = None) -> str:
    args = [shop.organizer.slug, shop.event.pk, shop.ticket.pk]
    if price is None:
        return reverse("backoffice:catalog:price_create", args=args)
    return reverse("backoffice:catalog:price_edit", args=[*args, price.pk])


def _staff(shop: Shop) -> Client:
    team_member_create(shop.organizer, role=Role.ADMIN)
    client = Client()
    assert client.login(username=f"admin@{shop.organizer.slug}.example", password=PASSWORD)
    return client


def test_the_price_form_reserves_a_price_to_members_and_the_list_says_so(shop: Shop) -> None:
    annual, patron = _type(shop), _type(shop, "Bienfaiteur")
    client = _staff(shop)
    form = _text(client.get(_price_form_url(shop)))
    assert "Réservé aux adhérents" in form and "Bienfaiteur" in form
    response = client.post(_price_form_url(shop), {
        "name": "Adhérent", "amount": "8", "publication": "published", "active": "on", "position": "0",
        "member_types": [str(annual.pk), str(patron.pk)],
    })
    assert response.status_code == 302, response.content.decode()[:3000]
    price = Price.objects.get(name="Adhérent")
    assert set(PriceRequirement.objects.get(price=price).types.all()) == {annual, patron}
    entry = AuditEntry.objects.get(action="price.member_types_changed")
    assert entry.changes == {"member_types": [[], sorted([annual.pk, patron.pk])]}
    product_page = _text(client.get(reverse("backoffice:catalog:product", args=[
        shop.organizer.slug, shop.event.pk, shop.ticket.pk])))
    assert "Réservé aux adhérents : Adhésion annuelle, Bienfaiteur" in product_page

    # opened to all again: the requirement goes, and the change is audited
    edit = client.post(_price_form_url(shop, price), {
        "name": "Adhérent", "amount": "8", "publication": "published", "active": "on", "position": "0",
    })
    assert edit.status_code == 302
    assert not PriceRequirement.objects.filter(price=price).exists()
    assert AuditEntry.objects.filter(action="price.member_types_changed").count() == 2


def test_the_price_form_refuses_another_organisers_type_next_to_the_field(shop: Shop) -> None:
    other = organizer_create("autre")
    foreign = MembershipType.objects.create(organizer=other, name="Étrangère")
    _type(shop)
    client = _staff(shop)
    response = client.post(_price_form_url(shop), {
        "name": "Adhérent", "amount": "8", "publication": "published", "active": "on", "position": "0",
        "member_types": [str(foreign.pk)],
    })
    assert response.status_code == 400
    assert "Sélectionnez un choix valide" in _text(response)
    assert not Price.objects.filter(name="Adhérent").exists()
