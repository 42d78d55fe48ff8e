"""The back office's menu fits (issue 11 review): at 1280 px wide it shows every section (13 here,
two more than today: the members' sections to come) on neat lines, and at 390 px (a phone) it
folds under « Menu » and opens to a grid; no page scrolls sideways at either width."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Page, expect

from billetterie.backoffice import context
from billetterie.organizers.permissions import Perm
from tests.factories import Shop, team_member_create

pytestmark = pytest.mark.django_db(transaction=True)
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def _no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    for box in page.evaluate("[...document.querySelectorAll('.menu a')].map(a => a.getBoundingClientRect().right)"):
        assert box <= page.viewport_size["width"]  # type: ignore[index]


def test_the_menu_fits_a_computer_and_a_phone(page: Page, live_server: Any, shop: Shop,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(context, "MENU", [
        *context.MENU,
        ("backoffice:dashboard:index", "Adhérents (à venir)", Perm.VIEW),
        ("backoffice:orders:index", "Cartes d'adhérent", Perm.VIEW),
    ])
    client = Client()
    client.force_login(team_member_create(shop.organizer))  # an administrator: every section
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "url": live_server.url,
                               "value": client.cookies[settings.SESSION_COOKIE_NAME].value}])
    url = f"{live_server.url}/gestion/{shop.organizer.slug}/commandes/"
    SHOTS.mkdir(parents=True, exist_ok=True)

    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(url)
    links = page.locator(".menu a")
    count = links.count()
    assert count >= 13
    expect(page.locator(".menu summary")).to_be_hidden()
    for index in range(count):
        expect(links.nth(index)).to_be_visible()
    rows = page.evaluate("new Set([...document.querySelectorAll('.menu a')].map(a => a.offsetTop)).size")
    assert rows <= 2
    _no_sideways_scroll(page)
    page.screenshot(path=str(SHOTS / "menu-1280.png"))

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(url)
    summary = page.locator(".menu summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("Commandes")  # the section one is in
    expect(links.first).to_be_hidden()
    _no_sideways_scroll(page)
    page.screenshot(path=str(SHOTS / "menu-390-folded.png"))
    summary.click()
    for index in range(count):
        expect(links.nth(index)).to_be_visible()
    _no_sideways_scroll(page)
    page.screenshot(path=str(SHOTS / "menu-390-open.png"), full_page=True)
    links.nth(1).click()
    expect(page).to_have_url(f"{live_server.url}/gestion/{shop.organizer.slug}/catalogue/")
