"""Driving the shop through HTTP like a buyer does."""

from __future__ import annotations

import re

from django.test import Client
from django.urls import reverse

from billetterie.orders.models import Order
from tests.factories import Shop


def add_to_cart(client: Client, shop: Shop, event_slug: str, data: dict[str, str]) -> None:
    response = client.post(reverse("shop:event", args=[shop.organizer.slug, event_slug]), data)
    assert response.status_code == 302, response.content.decode()[:2000]


def checkout(client: Client, shop: Shop, extra: dict[str, str] | None = None) -> tuple[object, Order]:
    """Fill the cart page's form with one person per position; returns the response and the order."""
    page = client.get(reverse("shop:cart", args=[shop.organizer.slug]))
    data = {"name": "Camille Martin", "email": "camille@example.org", "terms": "on", "provider": "sandbox"}
    for prefix in set(re.findall(r'name="(p\d+)_name"', page.content.decode())):
        data[f"{prefix}_name"] = f"Personne {prefix}"
        data[f"{prefix}_email"] = f"{prefix}@example.org"
    for prefix in set(re.findall(r'name="(p\d+)_first_name"', page.content.decode())):  # a membership's member
        data.update({f"{prefix}_first_name": "Personne", f"{prefix}_last_name": prefix, f"{prefix}_email":
                     f"{prefix}@example.org", f"{prefix}_address": "1 rue de la Gare", f"{prefix}_postcode": "46200",
                     f"{prefix}_city": "Souillac"})
    data.update(extra or {})
    response = client.post(reverse("shop:cart", args=[shop.organizer.slug]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    return response, Order.objects.latest("id")


def pay_with_card(client: Client, pay_url: str, number: str) -> object:
    return client.post(pay_url, {"holder": "Camille Martin", "number": number, "expiry": "12/34", "cvc": "123"})


def cart_page(client: Client, shop: Shop) -> str:
    return client.get(reverse("shop:cart", args=[shop.organizer.slug])).content.decode()


def cart_form_filled(page: str, extra: dict[str, str]) -> dict[str, str]:
    """The cart form as a buyer fills it (their details, each attendee's), with `extra`."""
    data = {"name": "Camille Martin", "email": "camille@example.org", "terms": "on", "provider": "sandbox", **extra}
    for prefix in set(re.findall(r'name="(p\d+)_name"', page)):
        data[f"{prefix}_name"], data[f"{prefix}_email"] = "Léo", "leo@example.org"
    return data
