"""Garbage into every back-office form: no answer is a 500.

The routes come from the URL configuration (as the French page walk does), the field names from
every form the back office shows (hidden fields, selects, prefixed forms…). Each POST route gets
a few kinds of garbage in every field at once — very long strings, ids past 2^63, digits of other
scripts, exponents, negative amounts, a third decimal, impossible dates, unknown choices, repeated
fields, nothing at all — and each GET page garbage in its query string; the URL's own ids are
pushed past what a column holds too. Each request runs in a savepoint rolled back afterwards, so that a deleting
action does not hide the next routes. Quick on purpose (well under 30 s)."""

from __future__ import annotations

import traceback
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from billetterie.organizers.models import Role
from tests.backoffice.pages import fill_route, page_data
from tests.backoffice.test_pages_french import backoffice_patterns
from tests.factories import Shop, team_member_create

pytestmark = pytest.mark.django_db

HUGE = "9" * 25  # past 2^63 (and 2^64)
# values dealt out over the fields, a different one to each field in each of two requests:
# amounts, numbers, dates and choices typed wrong
MIXED: list[str] = [
    "-5", "1e9", "0,001", "NaN", "inf", "٣", "²", "2026-02-30T25:61", "<script>alert(1)</script>'\"", "Ω" * 300,
    "99999999999", "0", " ", "9999-12-31", "0001-01-01",
]


class _Fields(HTMLParser):
    """The names of every form field of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("input", "select", "textarea", "button"):
            name = dict(attrs).get("name")
            if name and name != "csrfmiddlewaretoken":
                self.names.add(name)


def _field_names(html: str) -> set[str]:
    parser = _Fields()
    parser.feed(html)
    return parser.names


def _bodies(names: set[str]) -> Iterator[dict[str, Any]]:
    yield {}  # every field missing
    yield {name: "x" * 5000 for name in names}  # past every max_length
    yield {name: HUGE for name in names}  # ids and numbers past what a column holds
    ordered = sorted(names)
    for turn in range(2):  # each field one of the MIXED values, another one the next time
        body = {name: MIXED[(i + 7 * turn) % len(MIXED)] for i, name in enumerate(ordered)}
        yield {**body, "step": ("choose", "sell")[turn], "confirm": "1"}
    yield {name: ["1", HUGE, "abc"] for name in names}  # repeated fields


def _huge_ids(route: str, data: dict[str, Any]) -> str | None:
    """The route with each integer id past 2^63 (the organiser's slug kept)."""
    big = {k: (HUGE if isinstance(v, int) else v) for k, v in data.items()}
    return fill_route(route, big)


def test_no_backoffice_form_answers_500_to_garbage(shop: Shop) -> None:
    admin = team_member_create(shop.organizer, role=Role.ADMIN)
    data = page_data(shop, admin)
    client = Client(raise_request_exception=True)
    client.force_login(admin)
    routes = list(backoffice_patterns())
    # every field name any back-office page shows
    names: set[str] = set()
    for name, route in routes:
        url = fill_route(route, data)
        if url is None or name in ("backoffice:logout", "backoffice:login_code"):
            continue
        response = client.get(url)
        if response.status_code == 200 and "text/html" in response.get("Content-Type", ""):
            names |= _field_names(response.content.decode())
    assert {"amount", "refunded", "token", "line", "key", "method", "email", "role"} <= names, sorted(names)
    problems: list[str] = []
    requests = 0

    def send(method: str, url: str, body: dict[str, Any]) -> None:
        nonlocal requests
        requests += 1
        try:
            with transaction.atomic():
                if method == "GET":
                    response = client.get(url, body)
                else:
                    response = client.post(url, body)
                transaction.set_rollback(True)
        except Exception as exc:  # what the server would answer 500
            where = traceback.extract_tb(exc.__traceback__)[-1]
            problems.append(f"{method} {url} {sorted(body)[:3]}…: {type(exc).__name__}: {str(exc)[:120]} "
                            f"({where.filename.rsplit('/', 1)[-1]}:{where.lineno})")
            return
        finally:
            client.force_login(admin)  # a sign-out or a removal from the team does not end the walk
        if response.status_code >= 500:
            problems.append(f"{method} {url}: {response.status_code}")

    for name, route in routes:
        url = fill_route(route, data)
        if url is None:
            continue
        if name == "backoffice:invitation":
            url = fill_route(route, {"token": "x" * 3000})
            assert url is not None
        for body in _bodies(names):
            send("POST", url, body)
        send("GET", url, {n: HUGE for n in names} | {"page": "²", "recu": "²", "q": "x" * 3000})
        big = _huge_ids(route, data)
        if big is not None and big != url:
            send("GET", big, {})
            send("POST", big, {n: "1" for n in names})
    assert requests > 400
    assert not problems, "\n".join(sorted(set(problems)))

