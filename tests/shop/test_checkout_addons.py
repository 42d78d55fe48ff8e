"""The checkout asks, for each add-on unit, which attendee it is for (« Pour : »): stored on the
order line (`attached_to`), printed on that attendee's ticket; bad choices are refused with nothing
written."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from billetterie.cart.services import CartAdd, cart_add, cart_get_or_create
from billetterie.catalog.selectors import Visibility
from billetterie.core.errors import InvalidInput
from billetterie.orders.models import Order, OrderLine
from billetterie.orders.services import Checkout, Person, order_place
from tests.factories import Shop
from tests.shop.helpers import add_to_cart, checkout

pytestmark = pytest.mark.django_db


def _cart_page(client: Client, shop: Shop) -> str:
    return client.get(reverse("shop:cart", args=[shop.organizer.slug])).content.decode()


def _addon_selects(page: str) -> dict[str, str]:
    """addon field name → the option selected by default."""
    selects = re.findall(r'<select name="(addon_\d+)"[^>]*>(.*?)</select>', page, re.S)
    return {name: re.search(r'<option value="(\d*)"[^>]*selected', body).group(1)  # type: ignore[union-attr]
            for name, body in selects}


def test_each_meal_defaults_to_the_attendees_in_turn_and_can_be_moved(shop: Shop) -> None:
    client = Client()
    add_to_cart(client, shop, "jip", {f"qty_{shop.adult.pk}": "2", f"qty_{shop.meal_price.pk}": "2"})
    page = _cart_page(client, shop)
    assert "Pour" in page and "Participant 1 — Entrée" in page and "Participant 2 — Entrée" in page
    defaults = _addon_selects(page)
    tickets = re.findall(r'name="p(\d+)_name"', page)
    assert sorted(defaults.values()) == sorted(tickets)  # one meal per attendee
    # the buyer gives both meals to the second attendee
    _response, order = checkout(client, shop, {name: tickets[1] for name in defaults})
    second = order.lines.filter(kind="ticket").order_by("id")[1]
    meals = list(order.lines.filter(kind="addon"))
    assert len(meals) == 2 and all(meal.attached_to_id == second.pk for meal in meals)


def test_meal_left_out_of_the_form_goes_to_its_default_attendee(shop: Shop) -> None:
    client = Client()
    add_to_cart(client, shop, "jip", {f"qty_{shop.adult.pk}": "2", f"qty_{shop.meal_price.pk}": "1"})
    _response, order = checkout(client, shop)
    first = order.lines.filter(kind="ticket").order_by("id")[0]
    assert order.lines.get(kind="addon").attached_to_id == first.pk


def test_a_standalone_addon_can_have_its_own_voucher(shop: Shop) -> None:
    shop.meal.addon_standalone = True
    shop.meal.save(update_fields=["addon_standalone"])
    client = Client()
    add_to_cart(client, shop, "jip", {f"qty_{shop.adult.pk}": "1", f"qty_{shop.meal_price.pk}": "2"})
    page = _cart_page(client, shop)
    assert "un bon à part" in page
    defaults = _addon_selects(page)
    assert sorted(defaults.values()) == ["", re.findall(r'name="p(\d+)_name"', page)[0]]  # the second: a voucher
    _response, order = checkout(client, shop, defaults)
    ticket = order.lines.get(kind="ticket")
    assert sorted(str(m.attached_to_id) for m in order.lines.filter(kind="addon")) == [str(ticket.pk), "None"]


def test_a_meal_attached_to_another_carts_ticket_is_refused_in_french(shop: Shop) -> None:
    other = Client()
    add_to_cart(other, shop, "jip", {f"qty_{shop.adult.pk}": "1"})
    foreign = re.findall(r'name="p(\d+)_name"', _cart_page(other, shop))[0]
    client = Client()
    add_to_cart(client, shop, "jip", {f"qty_{shop.adult.pk}": "1", f"qty_{shop.meal_price.pk}": "1"})
    page = _cart_page(client, shop)
    (addon,) = _addon_selects(page)
    ticket = re.findall(r'name="p(\d+)_name"', page)[0]
    for wrong in (foreign, addon.removeprefix("addon_"), "abc"):  # another cart's ticket, the meal itself
        response = client.post(reverse("shop:cart", args=[shop.organizer.slug]), {
            "name": "Camille Martin", "email": "camille@example.org", "terms": "on", "provider": "sandbox",
            f"p{ticket}_name": "Léo", f"p{ticket}_email": "leo@example.org", addon: wrong,
        })
        assert response.status_code == 400
        assert "Sélectionnez un choix valide" in response.content.decode()
    assert not Order.objects.exists() and not OrderLine.objects.exists()


def _cart(shop: Shop, *, meals: int = 1) -> tuple[str, list[int], list[int]]:
    cart = cart_get_or_create(organizer=shop.organizer, token=None)
    tickets = cart_add(cart=cart, item=CartAdd(product=shop.ticket, price=shop.adult, date=shop.date),
                       visibility=Visibility())
    addons = [p for _ in range(meals) for p in cart_add(cart=cart, item=CartAdd(product=shop.meal,
                                                                                price=shop.meal_price),
                                                         visibility=Visibility())]
    return cart.token, [p.pk for p in tickets], [p.pk for p in addons]


@pytest.mark.parametrize("target", ["other_cart", "addon", "membership"])
def test_order_place_refuses_an_attachment_outside_the_carts_tickets(shop: Shop, target: str) -> None:
    token, tickets, addons = _cart(shop, meals=2)
    _other_token, other_tickets, _ = _cart(shop, meals=0)
    if target == "membership":
        cart = cart_get_or_create(organizer=shop.organizer, token=token)
        target_pk = cart_add(cart=cart, item=CartAdd(product=shop.membership, price=shop.member_alumni),
                             visibility=Visibility())[0].pk
    else:
        target_pk = other_tickets[0] if target == "other_cart" else addons[1]
    people = {tickets[0]: Person(name="Léo", email="leo@example.org")}
    if target == "membership":
        people[target_pk] = Person(name="Inès", email="ines@example.org")
    with pytest.raises(InvalidInput) as caught:
        order_place(cart_token=token, checkout=Checkout(
            email="a@example.org", name="Camille", terms_accepted=True, people=people,
            addons_for={addons[0]: target_pk}))
    assert caught.value.code == "addon_attachment_invalid" and caught.value.status == 422
    assert not Order.objects.exists()
