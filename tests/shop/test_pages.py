"""The shop's pages: what visitors see, and bad input answered with a clear 4xx."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from billetterie.cart.models import CartPosition
from billetterie.catalog.models import Publication, Quota
from billetterie.core.money import MAX_CENTS, format_money
from billetterie.orders.models import Order
from tests.factories import Shop, organizer_create
from tests.shop.helpers import add_to_cart

pytestmark = pytest.mark.django_db


def _event_url(shop: Shop, slug: str = "jip") -> str:
    return reverse("shop:event", args=[shop.organizer.slug, slug])


def test_home_lists_memberships_then_events_in_french(shop: Shop) -> None:
    page = Client().get(reverse("shop:home", args=[shop.organizer.slug])).content.decode()
    assert page.index("Adhésions") < page.index("Billetterie")
    assert "Adhésions 2026-2027" in page and "JIP 2027" in page
    assert 'lang="fr"' in page


def test_language_switch_to_english(shop: Shop) -> None:
    client = Client()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get(_event_url(shop)).content.decode()
    assert "Add to cart" in page and "€15.00" in page


def test_sold_out_product_is_shown_and_refused(shop: Shop) -> None:
    Quota.objects.filter(pk=shop.meal_quota.pk).update(size=0)
    client = Client()
    page = client.get(_event_url(shop)).content.decode()
    assert "Complet" in page
    response = client.post(_event_url(shop), {f"qty_{shop.adult.pk}": "1", f"qty_{shop.meal_price.pk}": "1"})
    assert response.status_code == 409
    assert "il ne reste pas assez de places" in response.content.decode()
    assert Quota.objects.get(date=shop.date).used == 0  # all or nothing


@pytest.mark.parametrize("qty", ["-1", "abc", "1000", "2.5"])
def test_bad_quantities_are_400(shop: Shop, qty: str) -> None:
    response = Client().post(_event_url(shop), {f"qty_{shop.adult.pk}": qty})
    assert response.status_code == 400


def test_bad_donation_amount_is_400(shop: Shop) -> None:
    response = Client().post(_event_url(shop), {f"donation_{shop.donation.pk}": "12,345"})
    assert response.status_code == 400
    assert "montant" in response.content.decode()


def _too_large() -> str:
    with translation.override("fr"):
        return escape(f"Indiquez un montant d'au plus {format_money(MAX_CENTS)}.")


@pytest.mark.parametrize("amount", ["1e30", "9" * 29, "21474836,48"])
def test_donation_no_row_can_hold_is_400_on_the_event_page(shop: Shop, amount: str) -> None:
    # 1e30 and 29 digits made the amount parser raise decimal.InvalidOperation: a 500
    response = Client(raise_request_exception=False).post(_event_url(shop), {f"donation_{shop.donation.pk}": amount})
    assert response.status_code == 400
    assert _too_large() in response.content.decode()
    assert not CartPosition.objects.exists()


def test_donation_no_row_can_hold_is_400_at_checkout(shop: Shop) -> None:
    client = Client(raise_request_exception=False)
    add_to_cart(client, shop, "jip", {f"qty_{shop.meal_price.pk}": "1"})
    response = client.post(reverse("shop:cart", args=[shop.organizer.slug]), {
        "name": "A", "email": "a@example.org", "terms": "on", f"donation_{shop.donation.pk}": "1e30"})
    assert response.status_code == 400
    assert _too_large() in response.content.decode()
    assert not Order.objects.exists()
    assert CartPosition.objects.get().product == shop.meal  # the meal still waits in the cart, alone


def test_nothing_chosen_is_400(shop: Shop) -> None:
    assert Client().post(_event_url(shop), {}).status_code == 400


def test_draft_event_is_404_and_preview_needs_the_link(shop: Shop) -> None:
    shop.event.publication = Publication.PREVIEW
    shop.event.save()
    client = Client()
    assert client.get(_event_url(shop)).status_code == 404
    bad = reverse("shop:preview", args=[shop.organizer.slug, "jip", "not-the-token"])
    assert client.get(bad).status_code == 404
    good = reverse("shop:preview", args=[shop.organizer.slug, "jip", shop.event.preview_token])
    assert client.get(good).status_code == 302
    assert client.get(_event_url(shop)).status_code == 200
    shop.event.publication = Publication.DRAFT
    shop.event.save()
    assert client.get(_event_url(shop)).status_code == 404


def test_preview_price_hidden_from_public(shop: Shop) -> None:
    shop.member_alumni.publication = Publication.PREVIEW
    shop.member_alumni.save()
    page = Client().get(_event_url(shop, "adhesions")).content.decode()
    assert "Ancien étudiant" not in page
    response = Client().post(_event_url(shop, "adhesions"), {f"qty_{shop.member_alumni.pk}": "1"})
    assert response.status_code == 400  # the hidden price is not even read


def test_checkout_without_terms_or_people_is_400_and_keeps_the_cart(shop: Shop) -> None:
    client = Client()
    add_to_cart(client, shop, "jip", {f"qty_{shop.adult.pk}": "1"})
    url = reverse("shop:cart", args=[shop.organizer.slug])
    response = client.post(url, {"name": "A", "email": "a@example.org", "provider": "sandbox"})
    assert response.status_code == 400
    assert not Order.objects.exists()
    assert Quota.objects.get(date=shop.date).used == 1
    assert "Entrée" in client.get(url).content.decode()


def test_empty_cart_checkout_is_400(shop: Shop) -> None:
    response = Client().post(reverse("shop:cart", args=[shop.organizer.slug]), {"terms": "on"})
    assert response.status_code == 400


def test_forms_are_csrf_protected(shop: Shop) -> None:
    client = Client(enforce_csrf_checks=True)
    assert client.post(_event_url(shop), {f"qty_{shop.adult.pk}": "1"}).status_code == 403


def test_unknown_organizer_is_404(db: None) -> None:
    assert Client().get("/nobody/").status_code == 404


def test_admin_staff_sees_only_their_organizer(shop: Shop) -> None:
    other = organizer_create("autre", name="Autre association")
    user = User.objects.create_user("staff", password="pw-long-enough-1", is_staff=True)
    from django.contrib.auth.models import Permission

    user.user_permissions.set(Permission.objects.filter(codename__in=["view_event", "change_event", "view_order"]))
    other.staff.add(user)
    client = Client()
    client.force_login(user)
    listing = client.get("/admin/catalog/event/").content.decode()
    assert "JIP 2027" not in listing
    assert client.get(f"/admin/catalog/event/{shop.event.pk}/change/").status_code == 302  # not theirs: away


def test_admin_refuses_to_delete_a_price_with_sales(shop: Shop, sandbox_notices_inline: list[object]) -> None:
    from tests.shop.helpers import checkout

    client = Client()
    add_to_cart(client, shop, "adhesions", {f"qty_{shop.member_student.pk}": "1"})
    checkout(client, shop)
    admin = User.objects.create_superuser("root", password="pw-long-enough-1")
    client.force_login(admin)
    url = f"/admin/catalog/product/{shop.membership.pk}/change/"
    page = client.get(url)
    assert "pas supprimé" in page.content.decode()
    assert client.get(f"/admin/catalog/product/{shop.membership.pk}/delete/").status_code == 403


@pytest.mark.parametrize("qty", ["²", "1" * 5000, "٣"])
def test_unicode_and_huge_digits_are_400_not_500(shop: Shop, qty: str) -> None:
    response = Client().post(_event_url(shop), {f"qty_{shop.adult.pk}": qty, f"date_{shop.ticket.pk}": qty})
    assert response.status_code == 400


def test_admin_outbox_and_keys_are_scoped_to_the_staff_organizer(
    shop: Shop, sandbox_notices_inline: list[object]
) -> None:
    from django.contrib.auth.models import Permission

    from billetterie.tickets.services import event_key_get_or_create
    from tests.shop.helpers import checkout

    client = Client()
    add_to_cart(client, shop, "adhesions", {f"qty_{shop.member_student.pk}": "1"})
    _response, order = checkout(client, shop)
    event_key_get_or_create(event=shop.event)
    other = organizer_create("autre2", name="Autre association")
    user = User.objects.create_user("staff2", password="pw-long-enough-1", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=["view_outboxmessage", "view_eventkey"]))
    other.staff.add(user)
    client.force_login(user)
    assert order.email not in client.get("/admin/notifications/outboxmessage/").content.decode()
    assert "JIP 2027" not in client.get("/admin/tickets/eventkey/").content.decode()
