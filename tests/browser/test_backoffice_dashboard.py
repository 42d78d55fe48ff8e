"""The dashboard in a real browser (issue 11, item 2): the chart is drawn by the vendored uPlot and
our same-origin script from the page's JSON, under the Content-Security-Policy (the autouse
`csp_violations` fixture fails the test on anything it blocks), with nothing fetched elsewhere."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Page, expect

from billetterie.organizers.models import Role
from tests.factories import Shop, order_paid, team_member_create

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_chart_draws_offline_under_the_policy(page: Page, live_server: Any, shop: Shop) -> None:
    order_paid(shop, method="cash", tickets=2, meals=1)  # 42 € today
    client = Client()
    client.force_login(team_member_create(shop.organizer, role=Role.READ_ONLY))
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "url": live_server.url,
                               "value": client.cookies[settings.SESSION_COOKIE_NAME].value}])
    elsewhere: list[str] = []
    page.on("request", lambda request: None if request.url.startswith(live_server.url) else
            elsewhere.append(request.url))

    page.goto(f"{live_server.url}/gestion/{shop.organizer.slug}/tableau-de-bord/")

    chart = page.locator("#sales-chart")
    expect(chart.locator("canvas")).to_have_count(1)
    expect(chart.locator(".u-legend")).to_contain_text("Commandes payées")
    assert chart.locator("canvas").bounding_box()["width"] > 200  # type: ignore[index]
    # the same figures as a table, for screen readers and without JavaScript
    expect(page.get_by_role("table").first).to_contain_text("42,00")
    assert elsewhere == []
