"""Must show (issue 11): a door staff member (Contrôle) signs in to the back office, reaches the
scanner for their entrance and nothing else — the menu shows only "Scanner", and the dashboard,
the orders, the catalogue and the exports answer 403."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from billetterie.organizers.models import Role
from tests.factories import PASSWORD, Shop, door, shop_create, team_member_create

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def shop() -> Shop:
    return shop_create()


def test_door_staff_reach_the_scanner_and_nothing_else(page: Page, live_server: Any, shop: Shop) -> None:
    door(shop, "Entrée principale")
    user = team_member_create(shop.organizer, role=Role.CHECKIN)
    slug = shop.organizer.slug

    page.goto(f"{live_server.url}/gestion/connexion/")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")

    expect(page).to_have_url(f"{live_server.url}/gestion/{slug}/controle/scanner/")
    menu = page.locator("nav.menu")
    expect(menu.get_by_role("link")).to_have_count(1)
    expect(menu.get_by_role("link", name="Scanner")).to_be_visible()
    expect(page.get_by_text("Entrée principale")).to_be_visible()

    page.get_by_role("button", name="Ouvrir le scanner").click()
    page.wait_for_url(f"{live_server.url}/checkin/scan/?list=*")
    page.wait_for_selector("body[data-ready='1']")  # the scanner started with the person's own token

    for path in ("tableau-de-bord/", "commandes/", "catalogue/", "exports/", "controle/", "guichet/"):
        response = page.goto(f"{live_server.url}/gestion/{slug}/{path}")
        assert response is not None and response.status == 403, path
        expect(page.locator("nav.menu").get_by_role("link")).to_have_count(1)  # still only the scanner
